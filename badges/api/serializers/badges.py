"""Shapes of badge definitions (SPEC 3, 6, 17). Shape only: every rule is checked by the
services."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from badges.models import (
    Badge,
    BadgeChange,
    BadgeStatus,
    BenefitType,
    EnrolmentExpiryType,
    FixedWindowStatus,
    IssueExpiryType,
    IssueType,
    LimitScope,
    Module,
    TimeUnit,
    Weekday,
)
from badges.services.definition_rules import (
    DESCRIPTION_MAX_LENGTH,
    MAX_LIMIT,
    MAX_UNITS,
    NAME_MAX_LENGTH,
)
from badges.values import (
    Benefit,
    Definition,
    Expiry,
    FixedWindow,
    LimitSet,
    RollingWindow,
)
from badges.windows import config_states
from badges_project.api.fields import (
    DerivedField,
    JsonCharField,
    JsonIntegerField,
    JsonUUIDField,
    OrgDateTimeField,
    StatusAtField,
    TrimmedText,
    ValueSerializer,
    service_checked_name,
)
from customfields.api.serializers import FieldReadsField, FieldValueSerializer
from groups.models import MAX_RANK, MIN_RANK

from ..fields import ImageSlotsField
from .shown import ShownPage, badge_shown


def bounded(minimum: int, maximum: int, **kwargs) -> JsonIntegerField:
    """An integer whose bounds the definition rules check (``LIMIT_INVALID``...)."""
    return JsonIntegerField(
        schema={"type": "integer", "minimum": minimum, "maximum": maximum}, **kwargs
    )


class ExpirySerializer(ValueSerializer):
    """An issue expiry: RELATIVE (``value`` ``unit``s from the issue), FIXED_DATE (``date``),
    BADGE_END or NEVER."""

    type = serializers.ChoiceField(choices=IssueExpiryType.choices)
    value = bounded(1, MAX_UNITS, required=False, allow_null=True)
    unit = serializers.ChoiceField(choices=TimeUnit.choices, required=False, allow_null=True)
    date = OrgDateTimeField(required=False, allow_null=True)

    def to_internal_value(self, data) -> Expiry:
        return Expiry(**super().to_internal_value(data))

    def to_representation(self, expiry: Expiry) -> dict:
        if expiry.type == "RELATIVE":
            return {"type": expiry.type, "value": expiry.value, "unit": expiry.unit}
        if expiry.type == IssueExpiryType.FIXED_DATE:
            date = OrgDateTimeField(read_only=True)
            date.bind("date", self)
            return {"type": expiry.type, "date": date.to_representation(expiry.date)}
        return {"type": expiry.type}


class EnrolmentExpirySerializer(ExpirySerializer):
    """An enrolment expiry: RELATIVE (``value`` ``unit``s from the enrol event) or BADGE_END."""

    type = serializers.ChoiceField(choices=EnrolmentExpiryType.choices)
    date = None


class RollingWindowSerializer(ValueSerializer):
    """At most ``limit`` issuances in the last ``value`` ``unit``s."""

    limit = bounded(1, MAX_LIMIT)
    value = bounded(1, MAX_UNITS)
    unit = serializers.ChoiceField(choices=TimeUnit.choices)

    def to_internal_value(self, data) -> RollingWindow:
        return RollingWindow(**super().to_internal_value(data))


class FixedWindowSerializer(ValueSerializer):
    """At most ``max_earn_limit`` issuances per cycle of ``refresh_rate`` ``duration_type``s."""

    max_earn_limit = bounded(1, MAX_LIMIT)
    duration_type = serializers.ChoiceField(choices=TimeUnit.choices)
    refresh_rate = bounded(1, MAX_UNITS)
    week_start_day = serializers.ChoiceField(
        choices=Weekday.choices, required=False, allow_null=True
    )

    def to_internal_value(self, data) -> FixedWindow:
        return FixedWindow(**super().to_internal_value(data))


class LimitSetSerializer(serializers.Serializer):
    """A limit set; on update only the parts sent change (``null`` removes one)."""

    overall = bounded(1, MAX_LIMIT, required=False, allow_null=True)
    rolling = RollingWindowSerializer(many=True, required=False)
    fixed_window = FixedWindowSerializer(required=False, allow_null=True)

    def to_internal_value(self, data) -> dict:
        values = super().to_internal_value(data)
        if "rolling" in values:
            values["rolling"] = tuple(values["rolling"])
        return values


class BenefitSerializer(ValueSerializer):
    """A points or coupon benefit granted with each issuance."""

    type = serializers.ChoiceField(choices=BenefitType.choices)
    reference_id = TrimmedText(max_length=100)
    name = TrimmedText(max_length=200)
    details = serializers.DictField(required=False, default=dict)

    def to_internal_value(self, data) -> Benefit:
        return Benefit(**super().to_internal_value(data))


class BadgeWriteSerializer(serializers.Serializer):
    """Create and update a badge definition (update: only the fields sent change)."""

    name = service_checked_name(
        NAME_MAX_LENGTH, "1 to 100 characters once trimmed; unique in the org, ignoring case."
    )
    description = JsonCharField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        schema={"type": "string", "maxLength": DESCRIPTION_MAX_LENGTH},
    )
    start_on = OrgDateTimeField()
    expires_on = OrgDateTimeField()
    issue_type = serializers.ChoiceField(choices=IssueType.choices)
    enrolment_expiry = EnrolmentExpirySerializer(required=False, allow_null=True)
    issue_expiry = ExpirySerializer()
    owners = serializers.ListField(child=serializers.ChoiceField(choices=Module.choices))
    benefits = BenefitSerializer(many=True, required=False)
    customer_limit = LimitSetSerializer(required=False)
    badge_limit = LimitSetSerializer(required=False)
    group = JsonUUIDField(required=False, allow_null=True, help_text="A group id.")
    rank = bounded(MIN_RANK, MAX_RANK, required=False, allow_null=True)
    custom_fields = FieldValueSerializer(
        many=True,
        required=False,
        help_text="On update, the values sent replace those of the fields they name; "
        "`value: null` clears one.",
    )

    def to_internal_value(self, data) -> dict:
        values = super().to_internal_value(data)
        for key in ("owners", "benefits", "custom_fields"):
            if key in values:
                values[key] = tuple(values[key])
        return values

    def definition(self) -> Definition:
        """The new badge's definition: limit parts not sent are absent."""
        values = dict(self.validated_data)
        for field in LIMIT_FIELDS:
            values[field] = LimitSet(**values.get(field, {}))
        return Definition(**values)

    def changes(self) -> dict:
        """The fields sent; limit sets as dicts of the parts sent, which the service merges."""
        return dict(self.validated_data)


LIMIT_FIELDS = ("customer_limit", "badge_limit")


class ClaimSerializer(serializers.Serializer):
    module = serializers.ChoiceField(choices=Module.choices)
    reference = TrimmedText(max_length=200)
    detail = TrimmedText(max_length=200, required=False, allow_blank=True)
    claimed_on = OrgDateTimeField(read_only=True)


class OwnerSerializer(serializers.Serializer):
    module = serializers.ChoiceField(choices=Module.choices)


class CycleSerializer(serializers.Serializer):
    starts_on = OrgDateTimeField(source="start")
    ends_on = OrgDateTimeField(source="end", allow_null=True)


class CountedCycleSerializer(CycleSerializer):
    issued_count = serializers.SerializerMethodField(
        help_text="Non-revoked issuances of the badge with an event date in the cycle: what the "
        "badge limit counts (the customer limit counts the same per customer)."
    )

    def get_issued_count(self, cycle) -> int:
        return self.context["cycle_counts"][cycle]


class FixedWindowConfigSerializer(serializers.Serializer):
    """A fixed-window config with its status, range and cycles derived at the request's time."""

    id = serializers.IntegerField(source="config.id")
    scope = serializers.ChoiceField(choices=LimitScope.choices, source="config.scope")
    status = serializers.ChoiceField(choices=FixedWindowStatus.choices)
    max_earn_limit = serializers.IntegerField(source="config.max_earn_limit")
    duration_type = serializers.ChoiceField(choices=TimeUnit.choices, source="config.duration_type")
    refresh_rate = serializers.IntegerField(source="config.refresh_rate")
    week_start_day = serializers.SerializerMethodField()
    starts_on = OrgDateTimeField(source="config.starts_on")
    ends_on = OrgDateTimeField(allow_null=True)
    current_cycle = CycleSerializer(allow_null=True)
    next_cycle = CycleSerializer(allow_null=True)

    @extend_schema_field(serializers.ChoiceField(choices=Weekday.choices, allow_null=True))
    def get_week_start_day(self, state) -> str | None:
        return state.config.week_start_day or None


class FixedWindowCountedSerializer(FixedWindowConfigSerializer):
    current_cycle = CountedCycleSerializer(allow_null=True)


class LimitSetReadSerializer(serializers.Serializer):
    overall = serializers.IntegerField(allow_null=True)
    rolling = RollingWindowSerializer(many=True)
    fixed_window = FixedWindowSerializer(allow_null=True)


class BadgeSerializer(serializers.ModelSerializer):
    """A badge as every read shows it."""

    start_on = OrgDateTimeField()
    expires_on = OrgDateTimeField()
    status = StatusAtField(BadgeStatus.choices)
    enrolment_expiry = EnrolmentExpirySerializer(allow_null=True)
    issue_expiry = ExpirySerializer()
    owners = serializers.SerializerMethodField()
    claims = DerivedField(ClaimSerializer(many=True), lambda badge, _: badge.rows("claims"))
    benefits = DerivedField(BenefitSerializer(many=True), lambda badge, _: badge.rows("benefits"))
    images = ImageSlotsField()
    customer_limit = DerivedField(
        LimitSetReadSerializer(),
        lambda badge, context: badge.limit_set(LimitScope.CUSTOMER, context["now"]),
        schema=LimitSetReadSerializer,
    )
    badge_limit = DerivedField(
        LimitSetReadSerializer(),
        lambda badge, context: badge.limit_set(LimitScope.BADGE, context["now"]),
        schema=LimitSetReadSerializer,
    )
    fixed_windows = DerivedField(
        FixedWindowConfigSerializer(many=True),
        lambda badge, context: config_states(badge.rows("fixed_window_configs"), context["now"]),
    )
    group = serializers.UUIDField(source="group_id", allow_null=True, read_only=True)
    custom_fields = FieldReadsField()
    issued_count_synced_at = OrgDateTimeField(
        allow_null=True,
        help_text="When `issued_count` was last synced; null before the first sync.",
    )
    created_on = OrgDateTimeField()
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    updated_on = OrgDateTimeField()
    updated_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Badge
        fields = [
            "id",
            "name",
            "description",
            "start_on",
            "expires_on",
            "status",
            "is_active",
            "issue_type",
            "enrolment_expiry",
            "issue_expiry",
            "owners",
            "claims",
            "benefits",
            "images",
            "customer_limit",
            "badge_limit",
            "fixed_windows",
            "group",
            "rank",
            "custom_fields",
            "issued_count",
            "issued_count_synced_at",
            "created_on",
            "created_by",
            "updated_on",
            "updated_by",
        ]
        read_only_fields = fields
        list_serializer_class = ShownPage

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(Module.choices)))
    def get_owners(self, badge: Badge) -> list[str]:
        return [owner.module for owner in badge.rows("owners")]

    shown = staticmethod(badge_shown)

    def to_representation(self, badge: Badge) -> dict:
        """What the fields above declare, built directly (``shown.badge_shown``)."""
        return self.shown(badge, self.context["org"].tzinfo, self.context["now"])


class BadgeChangeSerializer(serializers.ModelSerializer):
    """One entry of a badge's change history: what changed (``[before, after]`` per field)."""

    changed_on = OrgDateTimeField(read_only=True)
    actor = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = BadgeChange
        fields = ["changed_on", "action", "actor", "changes"]
        read_only_fields = fields
