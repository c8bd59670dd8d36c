"""Custom fields (SPEC 11): definitions, and the checks and writes of badge values.

Only one active field per name; a mandatory field has a default; the data type never changes;
a disabled field is never enabled again.
"""

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from badges.exceptions import RuleViolation, Violation
from customfields.models import BadgeFieldValue, CustomField
from customfields.values import DataType, FieldValue, Value, ValueInvalid, stored, typed

NAME_MAX_LENGTH = 100


@dataclasses.dataclass(frozen=True)
class FieldDefinition:
    name: str
    data_type: str
    is_mandatory: bool = False
    default_value: Value | None = None
    is_active: bool = True


UPDATABLE = {f.name for f in dataclasses.fields(FieldDefinition)}


def _name_taken(name: str) -> Violation:
    return Violation(
        "CUSTOM_FIELD_NAME_TAKEN", f"An active custom field named '{name}' already exists.", "name"
    )


def _violations(
    org, field: CustomField | None, old: FieldDefinition | None, new: FieldDefinition
) -> list[Violation]:
    found = []
    if old is not None and not old.is_active:
        if new.is_active:
            return [
                Violation(
                    "CUSTOM_FIELD_REACTIVATION",
                    "A disabled custom field can't be enabled again; create a new one.",
                    "is_active",
                )
            ]
        return [
            Violation("CUSTOM_FIELD_INACTIVE", "A disabled custom field can't change.", "is_active")
        ]
    if old is None and not new.is_active:
        found.append(
            Violation("CUSTOM_FIELD_INACTIVE", "A new custom field is active.", "is_active")
        )

    name = new.name.strip()
    if not name:
        found.append(
            Violation("CUSTOM_FIELD_NAME_REQUIRED", "A custom field needs a name.", "name")
        )
    elif len(name) > NAME_MAX_LENGTH:
        found.append(
            Violation(
                "CUSTOM_FIELD_NAME_TOO_LONG", "A field name has at most 100 characters.", "name"
            )
        )
    elif new.is_active and (
        CustomField.objects.filter(org=org, is_active=True, name__iexact=name)
        .exclude(pk=getattr(field, "pk", None))
        .exists()
    ):
        found.append(_name_taken(name))

    if new.data_type not in DataType.values:
        found.append(
            Violation(
                "DATA_TYPE_INVALID",
                "data_type must be BOOLEAN, INTEGER, STRING or DATE.",
                "data_type",
            )
        )
        return found
    if old is not None and new.data_type != old.data_type:
        found.append(
            Violation("DATA_TYPE_FIXED", "A custom field's data type never changes.", "data_type")
        )
        return found
    if new.default_value is not None:
        try:
            stored(new.data_type, new.default_value)
        except ValueInvalid as error:
            found.append(Violation("CUSTOM_FIELD_VALUE_INVALID", str(error), "default_value"))
    elif new.is_mandatory:
        found.append(
            Violation(
                "DEFAULT_VALUE_REQUIRED",
                "A mandatory custom field needs a default value.",
                "default_value",
            )
        )
    return found


def _save(field: CustomField) -> None:
    """Save, turning a lost race on the unique name into the same refusal as the check."""
    try:
        with transaction.atomic():
            field.save()
    except IntegrityError as error:
        if "custom_field_name_unique_among_active" in str(error):
            raise RuleViolation(_name_taken(field.name)) from error
        raise


def _write_columns(field: CustomField, definition: FieldDefinition) -> None:
    field.name = definition.name.strip()
    field.data_type = definition.data_type
    field.is_mandatory = definition.is_mandatory
    field.default_value = (
        None
        if definition.default_value is None
        else stored(definition.data_type, definition.default_value)
    )
    field.is_active = definition.is_active


@transaction.atomic
def custom_field_create(*, org, now: datetime, definition: FieldDefinition) -> CustomField:
    violations = _violations(org, None, None, definition)
    if violations:
        raise RuleViolation(*violations)
    field = CustomField(org=org, created_on=now, updated_on=now)
    _write_columns(field, definition)
    _save(field)
    return field


def definition_of(field: CustomField) -> FieldDefinition:
    return FieldDefinition(
        name=field.name,
        data_type=field.data_type,
        is_mandatory=field.is_mandatory,
        default_value=typed(field.data_type, field.default_value),
        is_active=field.is_active,
    )


@transaction.atomic
def custom_field_update(*, field: CustomField, now: datetime, **changes: Any) -> CustomField:
    """Change name, default value, mandatory (both ways) or disable (``is_active=False``, for
    good); the data type is fixed. Fields not passed keep their value."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise TypeError(f"custom_field_update() got unknown fields: {sorted(unknown)}")
    field = CustomField.objects.select_for_update().select_related("org").get(pk=field.pk)
    old = definition_of(field)
    new = dataclasses.replace(old, **changes)
    if new == old:
        return field
    violations = _violations(field.org, field, old, new)
    if violations:
        raise RuleViolation(*violations)
    _write_columns(field, new)
    field.updated_on = now
    _save(field)
    return field


# Badge values --------------------------------------------------------------------------------


def badge_values_violations(*, org, values: Sequence[FieldValue]) -> list[Violation]:
    """Each value names one of the org's active fields, once, and fits its data type."""
    found = []
    fields = {
        f.pk: f for f in CustomField.objects.filter(org=org, pk__in=[v.field for v in values])
    }
    seen = set()
    for value in values:
        field = fields.get(value.field)
        if field is None:
            found.append(
                Violation(
                    "CUSTOM_FIELD_NOT_FOUND",
                    f"No such custom field: {value.field}.",
                    "custom_fields",
                )
            )
        elif not field.is_active:
            found.append(
                Violation(
                    "CUSTOM_FIELD_INACTIVE",
                    f"Custom field '{field.name}' is disabled.",
                    "custom_fields",
                )
            )
        elif value.field in seen:
            found.append(
                Violation(
                    "CUSTOM_FIELD_DUPLICATE",
                    f"Custom field '{field.name}' is set twice.",
                    "custom_fields",
                )
            )
        elif value.value is not None:
            try:
                stored(field.data_type, value.value)
            except ValueInvalid as error:
                found.append(
                    Violation(
                        "CUSTOM_FIELD_VALUE_INVALID", f"'{field.name}': {error}", "custom_fields"
                    )
                )
        seen.add(value.field)
    return found


def badge_values_write(*, badge, values: Sequence[FieldValue]) -> None:
    """Replace the badge's values of active fields by ``values`` (checked already); values of
    disabled fields are kept, unseen."""
    fields = {f.pk: f for f in CustomField.objects.filter(pk__in=[v.field for v in values])}
    BadgeFieldValue.objects.filter(badge=badge, field__is_active=True).delete()
    BadgeFieldValue.objects.bulk_create(
        BadgeFieldValue(
            badge=badge, field_id=v.field, value=stored(fields[v.field].data_type, v.value)
        )
        for v in values
        if v.value is not None
    )
