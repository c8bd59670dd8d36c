"""Pure: a rule's condition over an event's payload (SPEC 12 and 17).

``{field, op, value}`` with seven operators. Numbers are compared as decimals (a payload's
``600`` equals a condition's ``600.00``; numeric strings count as numbers where a number is
compared), text exactly. A field the payload lacks is a non-match with its own reason, never an
error. ``field`` may name a nested value with dots (``customer.tier``).
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

OPERATORS = ("eq", "ne", "gt", "gte", "lt", "lte", "in")
ORDERING = {
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}
FIELD_MAX_LENGTH = 100
IN_MAX_VALUES = 100
TEXT_MAX_LENGTH = 200


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any


@dataclass(frozen=True)
class Seen:
    """What a condition saw in a payload: whether it matched, why not (a stable code), and
    the value it read (None when the field was missing)."""

    matched: bool
    code: str
    message: str
    value: Any = None
    present: bool = True


MATCHED = "MATCHED"


def number(value: Any) -> Decimal | None:
    """The decimal a JSON value stands for: a number, or text that reads as a finite one;
    never a boolean."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float | Decimal | str):
        try:
            result = Decimal(str(value).strip())
        except InvalidOperation:
            return None
        return result if result.is_finite() else None
    return None


def _is_scalar(value: Any) -> bool:
    if isinstance(value, str):
        return 0 < len(value) <= TEXT_MAX_LENGTH and "\x00" not in value
    return isinstance(value, bool | int) or (isinstance(value, float) and number(value) is not None)


def condition_problem(raw: Any) -> str | None:
    """Why ``raw`` is not a condition (a message), or None when it is one."""
    if not isinstance(raw, dict) or set(raw) != {"field", "op", "value"}:
        return "A condition is {field, op, value}."
    field, op, value = raw["field"], raw["op"], raw["value"]
    if (
        not isinstance(field, str)
        or not field.strip()
        or len(field) > FIELD_MAX_LENGTH
        or "\x00" in field
    ):
        return f"A condition's field is a payload field name of 1 to {FIELD_MAX_LENGTH} characters."
    if any(not part for part in field.split(".")):
        return "A condition's field names a payload field: no empty part between dots."
    if op not in OPERATORS:
        return f"A condition's op is one of {', '.join(OPERATORS)}."
    if op in ORDERING:
        if isinstance(value, str) or number(value) is None:
            return f"'{op}' compares numbers: its value is a number."
        return None
    if op == "in":
        if not isinstance(value, list) or not 1 <= len(value) <= IN_MAX_VALUES:
            return f"'in' takes a list of 1 to {IN_MAX_VALUES} values."
        if not all(_is_scalar(v) for v in value):
            return "'in' lists text, numbers or booleans."
        return None
    if not _is_scalar(value):
        return (
            f"'{op}' compares with text (1 to {TEXT_MAX_LENGTH} characters), a number or a boolean."
        )
    return None


def condition_read(raw: dict | None) -> Condition | None:
    """A checked condition (``condition_problem`` is None) as a value."""
    if raw is None:
        return None
    return Condition(field=raw["field"].strip(), op=raw["op"], value=raw["value"])


def field_read(payload: dict, field: str) -> tuple[bool, Any]:
    """(present, value) of a dotted field of the payload."""
    value: Any = payload
    for part in field.split("."):
        if not isinstance(value, dict) or part not in value:
            return False, None
        value = value[part]
    return True, value


def _equal(seen: Any, expected: Any) -> bool:
    if isinstance(expected, bool) or isinstance(seen, bool):
        return seen is expected
    if isinstance(expected, str):
        return isinstance(seen, str) and seen == expected
    left, right = number(seen), number(expected)
    return left is not None and left == right


def evaluate(condition: Condition | None, payload: dict) -> Seen:
    """Whether the payload meets the condition; no condition always matches."""
    if condition is None:
        return Seen(True, MATCHED, "No condition: every event of the type matches.", present=False)
    present, value = field_read(payload, condition.field)
    if not present:
        return Seen(
            False,
            "FIELD_MISSING",
            f"The payload has no '{condition.field}'.",
            present=False,
        )
    op, expected = condition.op, condition.value
    if op in ORDERING:
        seen = number(value)
        if seen is None or isinstance(value, bool):
            return Seen(False, "FIELD_NOT_NUMBER", f"'{condition.field}' is not a number.", value)
        matched = ORDERING[op](seen, number(expected))
    elif op == "in":
        matched = any(_equal(value, option) for option in expected)
    else:
        matched = _equal(value, expected) == (op == "eq")
    if matched:
        return Seen(True, MATCHED, f"{condition.field} {op} {expected!r}: met.", value)
    return Seen(False, "CONDITION_NOT_MET", f"{condition.field} {op} {expected!r}: not met.", value)
