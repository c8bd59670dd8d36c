"""Serializer fields every app's API shares: instants in the acting org's timezone, statuses
derived from the request's clock, fields that take only their schema's JSON type, text whose
rules a service checks (documented, not enforced, here), and value objects that stay whole in a
partial update."""

import re
from datetime import UTC, datetime, time
from decimal import Decimal

from django.db import models
from django.utils.dateparse import parse_date
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.validators import ProhibitSurrogateCharactersValidator

from badges.values import DATE_YEARS, DATETIME_YEARS, stripped_text_pattern


class OrgDateTimeField(serializers.DateTimeField):
    """ISO 8601 datetimes read and written in the acting org's timezone.

    A date alone means midnight in the org's timezone; a datetime without offset is local to
    the org too; years run from 2 to 9998 (9999 for a date alone). Output carries the org's
    offset, except for the rare instants whose offset in that zone is not a whole number of
    minutes (local mean time before standard time, such as +05:53:28 in Asia/Kolkata before
    1854), which RFC 3339 can't write: those are given in UTC.
    """

    default_error_messages = {
        "year_out_of_range": "Years run from 2 to 9998 (9999 for a date alone)."
    }

    def default_timezone(self):
        org = self.context.get("org")
        return org.tzinfo if org is not None else super().default_timezone()

    def to_internal_value(self, value):
        if not isinstance(value, str):
            self.fail("invalid", format="ISO 8601")
        value = value.strip()
        day = parse_date(value) if len(value) == 10 else None
        years = DATE_YEARS if day is not None else DATETIME_YEARS
        if re.match(r"^\d{4}-", value) and not re.match(years, value):
            self.fail("year_out_of_range")
        if day is not None:
            return self.enforce_timezone(datetime.combine(day, time(0)))
        return super().to_internal_value(value)

    def to_representation(self, value):
        if not isinstance(value, datetime):
            return super().to_representation(value)
        return instant_shown(value, self.default_timezone())


def instant_shown(value: datetime | None, zone) -> str | None:
    """An instant as ``OrgDateTimeField`` writes it: ISO 8601 in ``zone`` ("Z" for UTC), or in
    UTC where the zone's offset is not a whole number of minutes."""
    if value is None:
        return None
    try:
        local = value.astimezone(zone)
    except OverflowError:
        local = None
    offset = None if local is None else local.utcoffset()
    if offset is None or offset.seconds % 60 or offset.microseconds:
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    text = local.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def amount_shown(value: Decimal | None) -> int | float | None:
    """A decimal amount (a target, a total) as a JSON number: an integer when whole (exact at
    any size), else a float, as JSON numbers are read (some 15 significant digits)."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


@extend_schema_field({"type": "number"})
class AmountField(serializers.Field):
    """A read-only decimal amount shown by ``amount_shown``: DRF's ``DecimalField`` writes
    decimals as strings, and JSON numbers are what a sum or a count is."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        return amount_shown(value)


class StatusAtField(serializers.ChoiceField):
    """A status derived from the clock: ``status_at(now)`` of the object, at the request's
    time."""

    def __init__(self, choices, **kwargs):
        super().__init__(choices, source="*", read_only=True, **kwargs)

    def to_representation(self, instance):
        return instance.status_at(self.context["now"])


class JsonTyped:
    """Takes a value only in the JSON type the schema gives the field.

    DRF's fields also read ``"12"`` as 12, ``1`` as true, ``12`` as ``"12"`` and 5 as a UUID,
    which the schema does not allow and a client generated from it never sends.

    ``schema`` replaces the field's OpenAPI schema: what a service's rule allows (bounds, a
    pattern, an enum), which the service checks and refuses with its own code, not the field.
    (Given to the constructor, it survives the copies DRF makes of declared fields.)
    """

    json_types: tuple[type, ...] = ()

    def __init__(self, *args, schema: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if schema is not None:
            extend_schema_field(schema)(self)

    def to_internal_value(self, data):
        typed = isinstance(data, self.json_types)
        if not typed or (isinstance(data, bool) and bool not in self.json_types):
            self.fail("invalid")
        return super().to_internal_value(data)


class JsonCharField(JsonTyped, serializers.CharField):
    json_types = (str,)


class JsonURLField(JsonTyped, serializers.URLField):
    json_types = (str,)


class JsonIntegerField(JsonTyped, serializers.IntegerField):
    json_types = (int,)


class JsonBooleanField(JsonTyped, serializers.BooleanField):
    json_types = (bool,)


class JsonUUIDField(JsonTyped, serializers.UUIDField):
    """A UUID in its canonical text form only (``8-4-4-4-12`` hex digits)."""

    json_types = (str,)
    canonical = re.compile(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}")

    def to_internal_value(self, data):
        if isinstance(data, str) and not self.canonical.fullmatch(data):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class ServiceCheckedString(JsonCharField):
    """A string as sent, blank too: whether it may be blank, and how long, is a service's rule
    (answered with the service's code), which the schema documents."""

    def __init__(self, **kwargs):
        super().__init__(trim_whitespace=False, **kwargs)

    def run_validation(self, data=serializers.empty):
        """Without CharField's blank check (``allow_blank`` stays false for the schema's sake:
        the rule's pattern says what is blank)."""
        return serializers.Field.run_validation(self, data)


def service_checked_name(max_length: int, description: str) -> ServiceCheckedString:
    """A name whose rules a service checks (1 to ``max_length`` characters once trimmed, and
    unique where the service says)."""
    return ServiceCheckedString(
        schema={
            "type": "string",
            "pattern": stripped_text_pattern(max_length),
            "description": description,
        }
    )


class ServiceCheckedText(ServiceCheckedString):
    """Text whose rules (not blank, at most ``max_length`` characters, no NUL) a service
    checks and answers with its own codes: the field reads the type only, and documents the
    rules in the schema (``max_length`` and ``pattern`` are not checked here). With ``empty``,
    an empty string is allowed too (it means none)."""

    def __init__(self, *, max_length: int, pattern: str, empty: bool = False, **kwargs):
        schema = {"type": "string", "minLength": 1, "maxLength": max_length, "pattern": pattern}
        if empty:
            schema = {"oneOf": [schema, {"type": "string", "maxLength": 0}]}
        super().__init__(schema=schema, allow_blank=empty, **kwargs)
        self.validators = [
            v for v in self.validators if isinstance(v, ProhibitSurrogateCharactersValidator)
        ]


class ValueSerializer(serializers.Serializer):
    """A nested object read into a value type: its required keys stay required when the request
    is a partial update (DRF skips them there, and a value type needs them all)."""

    def to_internal_value(self, data):
        missing = {
            name: [serializers.ErrorDetail(field.error_messages["required"], "required")]
            for name, field in self.fields.items()
            if isinstance(data, dict) and field.required and not field.read_only
            if name not in data
        }
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            if missing and isinstance(error.detail, dict):
                raise serializers.ValidationError({**missing, **error.detail}) from error
            raise
        if missing:
            raise serializers.ValidationError(missing)
        return value


class TrimmedLength:
    """At most ``limit`` characters, counted as DRF reads the text: trimmed."""

    def __init__(self, limit: int):
        self.limit = limit

    def __call__(self, value: str) -> None:
        if len(value) > self.limit:
            raise serializers.ValidationError(
                f"Ensure this field has no more than {self.limit} characters.", code="max_length"
            )


class TrimmedText(JsonCharField):
    """Text read trimmed of white space, at most ``max_length`` characters once trimmed.

    Documented by a pattern, since JSON Schema's ``maxLength`` would also count the white space a
    client may send around it; ``allow_blank`` text may be empty (or white space only).
    """

    def __init__(self, *, max_length: int, allow_blank: bool = False, **kwargs):
        schema = {"type": "string", "pattern": stripped_text_pattern(max_length, blank=allow_blank)}
        if allow_blank:
            schema["minLength"] = 1  # the empty string is the blank alternative DRF documents
        super().__init__(allow_blank=allow_blank, schema=schema, **kwargs)
        self.validators.append(TrimmedLength(max_length))


class JsonModelSerializer(serializers.ModelSerializer):
    """A model serializer whose generated fields take only their schema's JSON type."""

    serializer_field_mapping = {
        **serializers.ModelSerializer.serializer_field_mapping,
        models.CharField: JsonCharField,
        models.TextField: JsonCharField,
        models.URLField: JsonURLField,
        models.IntegerField: JsonIntegerField,
        models.PositiveIntegerField: JsonIntegerField,
        models.PositiveSmallIntegerField: JsonIntegerField,
        models.BigIntegerField: JsonIntegerField,
        models.BooleanField: JsonBooleanField,
        models.UUIDField: JsonUUIDField,
    }


class DerivedField(serializers.Field):
    """A read-only field showing what ``derive(instance, context)`` computes, in the shape of
    ``shape``: a serializer built once with the field (as declared fields are), never per row,
    so that a list renders without building a serializer for each of its items. The schema is
    ``shape``'s, or ``schema`` when given (a serializer class names its component)."""

    def __init__(self, shape: serializers.BaseSerializer, derive, schema=None, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)
        self.shape = shape
        self.derive = derive
        extend_schema_field(schema or shape)(self)

    def bind(self, field_name, parent):
        super().bind(field_name, parent)
        self.shape.bind(field_name, self)

    def to_representation(self, instance):
        return self.shape.to_representation(self.derive(instance, self.context))
