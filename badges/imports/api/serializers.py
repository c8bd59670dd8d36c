"""Shapes of historical imports (SPEC 14, 17).

A batch's body is read for its own shape (a list, a boolean); each of its items is then read on
its own, so that what one item breaks is that item's INVALID result, never an error of the
batch. A badge is read by the badge create serializer (the same codes as ``POST badges/``); an
earned badge's row is passed as sent to the import service, which reads it
(``badges.imports.rows``). The item shapes below document what an item needs to be imported.
"""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from badges.api.serializers.badges import LIMIT_FIELDS, BadgeWriteSerializer
from badges.api.serializers.issuance import CUSTOMER_ID_SCHEMA, WHOLE_NUMBER_ID
from badges.imports.badge_rows import BadgeItem
from badges.imports.choices import MAX_API_BADGES, MAX_API_ROWS, RowStatus
from badges.values import (
    CLIENT_ID_PATTERN,
    DATE_YEARS,
    DATETIME_YEARS,
    PYTHON_WHITE_SPACE,
    REQUEST_ID_MAX_LENGTH,
    Definition,
    LimitSet,
    stripped_text_pattern,
)
from badges_project.api.fields import (
    JsonBooleanField,
    OrgDateTimeField,
    ServiceCheckedString,
)
from badges_project.api.schema import ErrorItemSerializer

BADGE_STATUSES = [RowStatus.IMPORTED, RowStatus.DUPLICATE, RowStatus.INVALID]
INSTANT_SCHEMAS = [
    {"type": "string", "format": "date-time", "pattern": DATETIME_YEARS},
    {"type": "string", "format": "date", "pattern": DATE_YEARS},
]


class AsSent(serializers.Field):
    """An item of a batch, kept as sent (read later, on its own)."""

    def to_internal_value(self, data):
        return data


class ItemsField(serializers.ListField):
    """The items of a batch as sent, documented as a list of 1 to ``max_items`` ``item``s
    (how many: ROWS_REQUIRED, TOO_MANY_ROWS, from the import services)."""

    def __init__(self, *, item: type[serializers.Serializer], max_items: int, **kwargs):
        super().__init__(child=AsSent(allow_null=True), **kwargs)
        self.item = item
        self.max_items = max_items


class ItemsSchema(OpenApiSerializerFieldExtension):
    target_class = ItemsField

    def map_serializer_field(self, auto_schema, direction):
        item = auto_schema.resolve_serializer(self.target.item, direction).ref
        return {"type": "array", "items": item, "minItems": 1, "maxItems": self.target.max_items}


class BadgeImportItemSerializer(BadgeWriteSerializer):
    """A badge definition to import: the badge create shape, past dates allowed, with the
    ``external_id`` it had on the old platform."""

    external_id = ServiceCheckedString(
        required=False,
        allow_null=True,
        allow_blank=True,
        schema={
            "type": "string",
            "pattern": stripped_text_pattern(REQUEST_ID_MAX_LENGTH),
            "description": "The badge's id on the old platform, read trimmed: 1 to 255 "
            "characters once trimmed (EXTERNAL_ID_INVALID), unique in the org. A badge "
            "imported with it before answers DUPLICATE, unchanged; earned badges may name the "
            "badge by it. Null, empty or absent for none (the badge is then created each time "
            "it is sent, and its name refuses a second one: BADGE_NAME_TAKEN).",
        },
    )

    def item(self) -> BadgeItem:
        """The item's external id and definition (limit parts not sent are absent)."""
        values = dict(self.validated_data)
        external_id = values.pop("external_id", None) or ""
        for field in LIMIT_FIELDS:
            values[field] = LimitSet(**values.get(field, {}))
        return BadgeItem(external_id, Definition(**values))


class BadgesImportSerializer(serializers.Serializer):
    badges = ItemsField(
        item=BadgeImportItemSerializer,
        max_items=MAX_API_BADGES,
        help_text="The definitions, 1 to 1,000 (ROWS_REQUIRED, TOO_MANY_ROWS). Each is read "
        "and imported on its own: what one breaks is its INVALID result.",
    )
    dry_run = JsonBooleanField(
        default=False,
        help_text="Answer what the import would do, and write nothing (IMPORTED results then "
        "have no `badge`).",
    )


class BadgeImportResultSerializer(serializers.Serializer):
    index = serializers.IntegerField(help_text="The item's position in `badges`, from 0.")
    external_id = serializers.CharField(
        allow_null=True, help_text="The item's external id as read; null for none."
    )
    status = serializers.ChoiceField(
        choices=BADGE_STATUSES,
        help_text="IMPORTED: the badge was created (`badge`). DUPLICATE: a badge was imported "
        "with this external id before (`badge`, unchanged). INVALID: refused (`errors`).",
    )
    badge = serializers.UUIDField(
        allow_null=True,
        help_text="The badge created (IMPORTED) or met (DUPLICATE); null when INVALID, and for "
        "IMPORTED on a dry run.",
    )
    errors = ErrorItemSerializer(
        many=True,
        help_text="Why an INVALID item was refused: every broken rule, as a 400 of `POST "
        "badges/` lists them (`field` is the path in the item); empty otherwise.",
    )


class BadgesImportResultsSerializer(serializers.Serializer):
    results = BadgeImportResultSerializer(many=True, help_text="A result per item, in order.")


EARNED_EXTERNAL_ID = (
    rf"^([^\u0000]*[^\u0000{PYTHON_WHITE_SPACE}][^\u0000]*)?$"  # empty, or not blank
)


class RowField(serializers.Field):
    """A field of an earned badge's row, documented by ``schema`` (never read here: the import
    service reads the row as sent)."""

    def __init__(self, *, schema: dict, **kwargs):
        super().__init__(**kwargs)
        extend_schema_field(schema)(self)


class EarnedRowSerializer(serializers.Serializer):
    """A customer's earned badge (documented shape; the import service reads it)."""

    badge = RowField(
        schema={"type": "string", "pattern": CLIENT_ID_PATTERN},
        help_text="The badge: its id, or the `external_id` it was imported with. Blank is "
        "BADGE_REQUIRED, not a string BADGE_INVALID; none of the org's BADGE_NOT_FOUND.",
    )
    customer_id = RowField(
        schema={"oneOf": [CUSTOMER_ID_SCHEMA, WHOLE_NUMBER_ID]},
        help_text="The customer's id (created on first use): 1 to 100 characters, not blank, "
        "or a whole number read as its text (CUSTOMER_ID_INVALID).",
    )
    earn_event_date = OrgDateTimeField(
        help_text="When the customer earned it: an ISO 8601 datetime, or a date alone "
        "(midnight in the org's timezone); inside the badge's period "
        "(EVENT_DATE_OUTSIDE_BADGE_PERIOD), at most 24 hours ahead (EVENT_DATE_IN_FUTURE). "
        "EARN_EVENT_DATE_REQUIRED, EARN_EVENT_DATE_INVALID."
    )
    expires_on = RowField(
        required=False,
        schema={"anyOf": [*INSTANT_SCHEMAS, {"type": "string", "maxLength": 0}], "nullable": True},
        help_text="When the earned badge expires, after the earn date "
        "(EXPIRES_ON_NOT_AFTER_EARN; EXPIRES_ON_INVALID): null, empty or absent for never.",
    )
    external_id = RowField(
        required=False,
        schema={
            "type": "string",
            "maxLength": REQUEST_ID_MAX_LENGTH,
            "pattern": EARNED_EXTERNAL_ID,
            "nullable": True,
        },
        help_text="The earned badge's id on the old platform, kept as the issuance's "
        "request id: 1 to 255 characters, not blank (EXTERNAL_ID_INVALID); null or empty for "
        "none.",
    )


class EarnedImportSerializer(serializers.Serializer):
    rows = ItemsField(
        item=EarnedRowSerializer,
        max_items=MAX_API_ROWS,
        help_text="The earned badges, 1 to 5,000 (ROWS_REQUIRED, TOO_MANY_ROWS). Each is read "
        "on its own: what one breaks is its INVALID result (a row that is not an object: "
        "ROW_INVALID).",
    )
    dry_run = JsonBooleanField(
        default=False,
        help_text="Answer what the import would do, and write nothing (IMPORTED results then "
        "have no `issual_id`).",
    )


class EarnedResultSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="The row's position in `rows`, from 1.")
    status = serializers.ChoiceField(choices=RowStatus.choices)
    code = serializers.CharField(allow_null=True, help_text="Null for IMPORTED.")
    field = serializers.CharField(
        allow_null=True, help_text="The row's field an INVALID row breaks; null otherwise."
    )
    message = serializers.CharField(help_text="What became of the row, for people.")
    issual_id = serializers.UUIDField(
        allow_null=True,
        help_text="The issuance imported (IMPORTED), or met: the one imported before "
        "(DUPLICATE), the earliest one overlapped (OVERLAPPING); null otherwise, and for "
        "IMPORTED on a dry run.",
    )


class SummarySerializer(serializers.Serializer):
    """Rows sent, and how many ended in each status (they add up)."""

    rows = serializers.IntegerField()
    imported = serializers.IntegerField()
    duplicate = serializers.IntegerField()
    overlapping = serializers.IntegerField()
    badge_not_found = serializers.IntegerField()
    invalid = serializers.IntegerField()


class EarnedResultsSerializer(serializers.Serializer):
    results = EarnedResultSerializer(many=True, help_text="A result per row, in order.")
    summary = SummarySerializer()
