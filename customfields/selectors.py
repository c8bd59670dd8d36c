"""Reads of custom fields and badge values, scoped to one org. Only active fields are read."""

from collections.abc import Sequence

from django.db.models import QuerySet

from badges.rows import RowsWhereIn, ValuesWhereIn, read_together
from customfields.models import BadgeFieldValue, CustomField
from customfields.values import FieldRead, FieldValue, typed


def custom_field_list(*, org, include_inactive: bool = False) -> QuerySet[CustomField]:
    """The org's custom fields by name: active ones unless ``include_inactive``."""
    fields = CustomField.objects.filter(org=org)
    return fields if include_inactive else fields.filter(is_active=True)


def custom_field_get(*, org, field_id) -> CustomField:
    """One of the org's fields, disabled ones too; CustomField.DoesNotExist for any other id."""
    return custom_field_list(org=org, include_inactive=True).get(pk=field_id)


def org_fields_read(org) -> RowsWhereIn:
    """The read of the org's fields, for ``badge_values_loaded``: a caller may send it
    together with its own reads (``badges.rows.read_together``)."""
    return RowsWhereIn(CustomField, "org", [org.pk])


def badge_texts_read(badges: list) -> ValuesWhereIn:
    """The read of the texts ``badges`` store, for ``badge_values_loaded``, as
    ``org_fields_read``."""
    return ValuesWhereIn(BadgeFieldValue, "badge", [b.pk for b in badges], TEXT_COLUMNS)


TEXT_COLUMNS = ("badge", "field", "value")


def badge_values_loaded(badges: list, org, read: Sequence[list] | None = None) -> None:
    """Load what ``badge_field_reads`` reads for ``badges`` of ``org``: the org's active
    fields, and the badges' texts of them. ``read``: what ``org_fields_read`` and
    ``badge_texts_read`` found, sent together with the caller's own reads; else they are
    read here, without a queryset, the texts only when the org has active fields. A page of
    badges reads them on every call."""
    if read is None:
        [org_fields] = read_together([org_fields_read(org)])
        texts = None
    else:
        org_fields, texts = read
    fields = {f.pk: f for f in org_fields if f.is_active}
    org.active_fields_in_order = in_read_order(fields.values())
    if texts is None:
        [texts] = read_together([badge_texts_read(badges if fields else [])])
    by_badge = {badge.pk: {} for badge in badges}
    for badge_id, field_id, text in texts:
        if field_id in fields:
            by_badge[badge_id][field_id] = text
    for badge in badges:
        badge.active_field_texts = by_badge[badge.pk]


def in_read_order(fields) -> list[CustomField]:
    """Fields in the order badge reads show them: by name ignoring case, then id."""
    return sorted(fields, key=lambda field: (field.name.lower(), str(field.pk)))


def _texts(badge) -> dict:
    """The stored texts the badge sets for active fields, by field id."""
    if hasattr(badge, "active_field_texts"):
        return badge.active_field_texts
    return dict(
        badge.custom_field_values.filter(field__is_active=True).values_list("field", "value")
    )


def _active_fields(org) -> list[CustomField]:
    if hasattr(org, "active_fields_in_order"):
        return org.active_fields_in_order
    return in_read_order(custom_field_list(org=org))


def badge_field_reads(badge) -> list[FieldRead]:
    """What every read shows: the badge's values of active fields, and the default of each
    active mandatory field it doesn't set; by field name."""
    texts = _texts(badge)
    reads = []
    for field in _active_fields(badge.org):
        if field.pk in texts:
            text = texts[field.pk]
        elif field.is_mandatory:
            text = field.default_value
        else:
            continue
        reads.append(FieldRead(field.pk, field.name, field.data_type, typed(field.data_type, text)))
    return reads


def badge_field_values(badge) -> tuple[FieldValue, ...]:
    """The values a badge sets for active fields (defaults not included)."""
    rows = badge.custom_field_values.filter(field__is_active=True).select_related("field")
    return tuple(
        FieldValue(field=row.field_id, value=typed(row.field.data_type, row.value)) for row in rows
    )
