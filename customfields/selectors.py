"""Reads of custom fields and badge values, scoped to one org. Only active fields are read."""

from django.db.models import QuerySet

from badges.rows import related_known, rows_where_in
from customfields.models import BadgeFieldValue, CustomField
from customfields.values import FieldRead, FieldValue, typed


def custom_field_list(*, org, include_inactive: bool = False) -> QuerySet[CustomField]:
    """The org's custom fields by name: active ones unless ``include_inactive``."""
    fields = CustomField.objects.filter(org=org)
    return fields if include_inactive else fields.filter(is_active=True)


def custom_field_get(*, org, field_id) -> CustomField:
    """One of the org's fields, disabled ones too; CustomField.DoesNotExist for any other id."""
    return custom_field_list(org=org, include_inactive=True).get(pk=field_id)


def badge_values_loaded(badges: list, org) -> None:
    """Load what ``badge_field_reads`` reads for ``badges`` of ``org`` (their values of active
    fields, and the org's active mandatory fields) in at most two statements written once,
    without a queryset: a page of badges reads them on every call."""
    fields = {f.pk: f for f in rows_where_in(CustomField, "org", [org.pk]) if f.is_active}
    org.mandatory_fields = [f for f in fields.values() if f.is_mandatory]
    values = rows_where_in(
        BadgeFieldValue, "badge", [b.pk for b in badges] if fields else [], ["id"]
    )
    by_badge = {badge.pk: [] for badge in badges}
    for value in values:
        if value.field_id in fields:
            related_known(value, "field", fields[value.field_id])
            by_badge[value.badge_id].append(value)
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
