"""Custom field values: checked against a data type, stored as text, read back typed.

No database here: the services and the reads share these conversions.
"""

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple
from uuid import UUID

from django.db import models

STRING_MAX_LENGTH = 1000
INTEGER_MIN, INTEGER_MAX = -(2**63), 2**63 - 1
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")

Value = bool | int | str


class DataType(models.TextChoices):
    BOOLEAN = "BOOLEAN"
    INTEGER = "INTEGER"
    STRING = "STRING"
    DATE = "DATE"


@dataclass(frozen=True, eq=False)
class FieldValue:
    """A badge's value for one custom field, as clients write it (``None`` clears it).

    Equal only with the same JSON type: ``true`` is not ``1``, so a wrong-typed value never
    passes for an unchanged one."""

    field: UUID
    value: Value | None

    def _key(self) -> tuple:
        return (self.field, type(self.value), self.value)

    def __eq__(self, other) -> bool:
        return isinstance(other, FieldValue) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())


class ValueInvalid(ValueError):
    """The value does not fit the field's data type; the message says why."""


def holds_unpaired_surrogate(text: str) -> bool:
    """JSON can escape half of a surrogate pair (``\\ud800``); UTF-8, and so the database,
    can't hold it."""
    return any("\ud800" <= character <= "\udfff" for character in text)


def stored(data_type: str, value: Any) -> str:
    """The normalised text of ``value`` for ``data_type``; ValueInvalid when it doesn't fit.

    BOOLEAN takes JSON true/false, INTEGER a whole number within 64 bits, STRING up to 1,000
    characters, DATE an ISO date ``YYYY-MM-DD``.
    """
    if data_type == DataType.BOOLEAN:
        if not isinstance(value, bool):
            raise ValueInvalid("A BOOLEAN value is true or false.")
        return "true" if value else "false"
    if data_type == DataType.INTEGER:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueInvalid("An INTEGER value is a whole number.")
        if not INTEGER_MIN <= value <= INTEGER_MAX:
            raise ValueInvalid("An INTEGER value fits in 64 bits.")
        return str(value)
    if data_type == DataType.STRING:
        if not isinstance(value, str):
            raise ValueInvalid("A STRING value is text.")
        if len(value) > STRING_MAX_LENGTH:
            raise ValueInvalid(f"A STRING value has at most {STRING_MAX_LENGTH} characters.")
        if "\x00" in value:
            raise ValueInvalid("A STRING value can't contain the NUL character.")
        if holds_unpaired_surrogate(value):
            raise ValueInvalid("A STRING value can't contain unpaired surrogates.")
        return value
    if data_type == DataType.DATE:
        if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
            raise ValueInvalid("A DATE value is an ISO date, YYYY-MM-DD.")
        try:
            return date.fromisoformat(value).isoformat()
        except ValueError as error:
            raise ValueInvalid("A DATE value is an ISO date, YYYY-MM-DD.") from error
    raise ValueInvalid(f"Unknown data type {data_type}.")


def typed(data_type: str, text: str | None) -> Value | None:
    """A stored text read back as the JSON value clients wrote."""
    if text is None:
        return None
    if data_type == DataType.BOOLEAN:
        return text == "true"
    if data_type == DataType.INTEGER:
        return int(text)
    return text


class FieldRead(NamedTuple):
    """A custom field as a badge read shows it: the badge's value, or the default of a
    mandatory field the badge doesn't set (a tuple: a page of 200 badges builds hundreds)."""

    field: UUID
    name: str
    data_type: str
    value: Value


# An integer as JSON writes one: Python's int() also reads "+5", "1_000" and other scripts'
# digits, which the API never receives as numbers.
JSON_INTEGER = re.compile(r"-?(0|[1-9][0-9]*)")


def from_text(data_type: str, text: str) -> Value:
    """A value typed into a form, read as JSON would give it; what doesn't parse is passed on
    as text, for the service to refuse."""
    text = text.strip() if data_type != DataType.STRING else text
    if data_type == DataType.BOOLEAN and text.lower() in ("true", "false"):
        return text.lower() == "true"
    if data_type == DataType.INTEGER and JSON_INTEGER.fullmatch(text):
        return int(text)
    return text
