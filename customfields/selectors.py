"""Reads of custom fields and badge values, scoped to one org. Only active fields are read."""

import functools

from django.db import connection
from django.db.models import QuerySet

from badges.rows import instances_from, model_shape, prepared_keys
from customfields.models import BadgeFieldValue, CustomField
from customfields.values import FieldRead, FieldValue, typed


def custom_field_list(*, org, include_inactive: bool = False) -> QuerySet[CustomField]:
    """The org's custom fields by name: active ones unless ``include_inactive``."""
    fields = CustomField.objects.filter(org=org)
    return fields if include_inactive else fields.filter(is_active=True)


def custom_field_get(*, org, field_id) -> CustomField:
    """One of the org's fields, disabled ones too; CustomField.DoesNotExist for any other id."""
    return custom_field_list(org=org, include_inactive=True).get(pk=field_id)


@functools.cache
def _fields_and_values_sql() -> str:
    """The org's active fields, each with the values the badges set for it (none: one row of
    NULLs), in one statement: each model's columns in ``badges.rows`` order."""
    quote = connection.ops.quote_name
    field, value = CustomField._meta, BadgeFieldValue._meta

    def column(meta, name: str) -> str:
        return quote(meta.get_field(name).column)

    columns = [f"f.{c}" for c in model_shape(CustomField)[0]]
    columns += [f"v.{c}" for c in model_shape(BadgeFieldValue)[0]]
    return (
        f"SELECT {', '.join(columns)} FROM {quote(field.db_table)} f "
        f"LEFT JOIN {quote(value.db_table)} v ON v.{column(value, 'field')} = "
        f"f.{column(field, 'id')} AND v.{column(value, 'badge')} IN ({{keys}}) "
        f"WHERE f.{column(field, 'org')} = %s AND f.{column(field, 'is_active')} = %s"
    )


def badge_values_loaded(badges: list, org) -> None:
    """Load what ``badge_field_reads`` reads for ``badges`` of ``org`` (their values of active
    fields, and the org's active mandatory fields) in one statement written once, without a
    queryset: a page of badges reads them on every call. Nothing to read for no badges."""
    if not badges:
        return
    keys = prepared_keys(BadgeFieldValue, "badge", [badge.pk for badge in badges])
    width = len(model_shape(CustomField)[0])
    with connection.cursor() as cursor:
        cursor.execute(
            _fields_and_values_sql().format(keys=", ".join(["%s"] * len(keys))),
            [*keys, org.pk, True],
        )
        rows = cursor.fetchall()
    fields, by_badge = {}, {badge.pk: [] for badge in badges}
    for row in rows:
        if row[0] not in fields:
            fields[row[0]] = instances_from(CustomField, [row[:width]])[0]
        if row[width] is not None:
            [value] = instances_from(BadgeFieldValue, [row[width:]])
            value.field = fields[row[0]]
            by_badge[value.badge_id].append(value)
    org.mandatory_fields = [f for f in fields.values() if f.is_mandatory]
    for badge in badges:
        badge.active_field_values = by_badge[badge.pk]


def _values(badge) -> list[BadgeFieldValue]:
    if hasattr(badge, "active_field_values"):
        return badge.active_field_values
    return list(badge.custom_field_values.filter(field__is_active=True).select_related("field"))


def _mandatory(org) -> list[CustomField]:
    if hasattr(org, "mandatory_fields"):
        return org.mandatory_fields
    return list(CustomField.objects.filter(org=org, is_active=True, is_mandatory=True))


def badge_field_values(badge) -> tuple[FieldValue, ...]:
    """The values a badge sets for active fields (defaults not included)."""
    return tuple(
        FieldValue(field=row.field_id, value=typed(row.field.data_type, row.value))
        for row in _values(badge)
    )


def badge_field_reads(badge) -> list[FieldRead]:
    """What every read shows: the badge's values of active fields, and the default of each
    active mandatory field it doesn't set; by field name."""
    reads = {
        row.field_id: FieldRead(
            field=row.field_id,
            name=row.field.name,
            data_type=row.field.data_type,
            value=typed(row.field.data_type, row.value),
        )
        for row in _values(badge)
    }
    for field in _mandatory(badge.org):
        if field.pk not in reads:
            reads[field.pk] = FieldRead(
                field=field.pk,
                name=field.name,
                data_type=field.data_type,
                value=typed(field.data_type, field.default_value),
            )
    return sorted(reads.values(), key=lambda read: (read.name.lower(), str(read.field)))
