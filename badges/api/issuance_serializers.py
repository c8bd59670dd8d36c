"""Shapes of enrolment, issuance, revocation and customers (SPEC 17)."""

from datetime import datetime

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from badges import selectors
from badges.models import (
    Badge,
    BadgeStatus,
    Customer,
    Enrolment,
    EnrolmentStatus,
    Issuance,
    IssuanceSource,
    IssuanceStatus,
    IssueType,
    Module,
)
from badges.services.customers import MAX_BATCH
from badges.services.issuance import IssueOrder, TriggeredBy

from .fields import ImageSlotsField, OrgDateTimeField, StatusAtField
from .group_serializers import FieldReadsField, GroupBriefSerializer
from .serializers import BenefitSerializer

CUSTOMER_IDS = serializers.ListField(
    child=serializers.CharField(max_length=100),
    allow_empty=False,
    max_length=MAX_BATCH,
    help_text="Customer ids (strings; numbers are read as strings), 1 to 1,000.",
)


class IssuanceSerializer(serializers.ModelSerializer):
    badge = serializers.UUIDField(source="badge_id", read_only=True)
    customer_id = serializers.CharField(source="customer.customer_id", read_only=True)
    event_date = OrgDateTimeField(read_only=True)
    issued_on = OrgDateTimeField(read_only=True)
    expires_on = OrgDateTimeField(read_only=True)
    status = StatusAtField(IssuanceStatus.choices)
    triggered_by = serializers.SerializerMethodField()
    revoked_on = OrgDateTimeField(read_only=True)

    class Meta:
        model = Issuance
        fields = [
            "issual_id",
            "badge",
            "customer_id",
            "event_date",
            "issued_on",
            "expires_on",
            "status",
            "source",
            "triggered_by",
            "benefits",
            "revoked_on",
            "revoke_reason",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_triggered_by(self, issuance: Issuance) -> dict | None:
        return issuance.triggered_by


def active_group(badge: Badge) -> dict | None:
    """The badge's group as customers see it: none when it has none or it is disabled."""
    group = badge.group
    return GroupBriefSerializer(group).data if group is not None and group.is_active else None


class CustomerBadgeSerializer(IssuanceSerializer):
    """An issuance as a customer's badge list shows it, with its badge's display data."""

    badge_name = serializers.CharField(source="badge.name", read_only=True)
    badge_description = serializers.CharField(source="badge.description", read_only=True)
    images = ImageSlotsField()
    group = serializers.SerializerMethodField()
    rank = serializers.IntegerField(source="badge.rank", read_only=True, allow_null=True)
    custom_fields = FieldReadsField(source="badge")

    class Meta(IssuanceSerializer.Meta):
        fields = [
            *IssuanceSerializer.Meta.fields,
            "badge_name",
            "badge_description",
            "images",
            "group",
            "rank",
            "custom_fields",
        ]
        read_only_fields = fields

    @extend_schema_field(GroupBriefSerializer(allow_null=True))
    def get_group(self, issuance: Issuance) -> dict | None:
        return active_group(issuance.badge)


class EnrolmentSerializer(serializers.ModelSerializer):
    badge = serializers.UUIDField(source="badge_id", read_only=True)
    customer_id = serializers.CharField(source="customer.customer_id", read_only=True)
    enrol_event_date = OrgDateTimeField(read_only=True)
    enrolled_on = OrgDateTimeField(read_only=True)
    expires_on = OrgDateTimeField(read_only=True)
    status = StatusAtField(EnrolmentStatus.choices)
    revoked_on = OrgDateTimeField(read_only=True)

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "badge",
            "customer_id",
            "enrol_event_date",
            "enrolled_on",
            "expires_on",
            "status",
            "revoked_on",
            "revoke_reason",
        ]
        read_only_fields = fields


class EnrolmentStateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["NOT_ENROLLED", *EnrolmentStatus.values],
        help_text="NOT_ENROLLED, or the status of the enrolment shown.",
    )
    enrolment = EnrolmentSerializer(allow_null=True)


class AvailableBadgeSerializer(serializers.ModelSerializer):
    """A live, active badge as a customer sees it, with their enrolment state."""

    start_on = OrgDateTimeField(read_only=True)
    expires_on = OrgDateTimeField(read_only=True)
    status = StatusAtField(BadgeStatus.choices)
    benefits = BenefitSerializer(many=True)
    images = ImageSlotsField()
    group = serializers.SerializerMethodField()
    custom_fields = FieldReadsField(source="*")
    enrolment = serializers.SerializerMethodField()
    active_issual_id = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Badge
        fields = [
            "id",
            "name",
            "description",
            "issue_type",
            "start_on",
            "expires_on",
            "status",
            "benefits",
            "images",
            "group",
            "rank",
            "custom_fields",
            "enrolment",
            "active_issual_id",
            "progress",
        ]
        read_only_fields = fields

    @extend_schema_field(GroupBriefSerializer(allow_null=True))
    def get_group(self, badge: Badge) -> dict | None:
        return active_group(badge)

    @extend_schema_field(EnrolmentStateSerializer(allow_null=True))
    def get_enrolment(self, badge: Badge) -> dict | None:
        """Enrol & Issue badges only: the customer's enrolment that counts, or NOT_ENROLLED."""
        if badge.issue_type != IssueType.ENROL_ISSUE:
            return None
        now = self.context["now"]
        found = selectors.customer_enrolment(badge, now)
        return {
            "status": found.status_at(now) if found else "NOT_ENROLLED",
            "enrolment": EnrolmentSerializer(found, context=self.context).data if found else None,
        }

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_active_issual_id(self, badge: Badge) -> str | None:
        """The issuance the customer holds now, if any."""
        held = badge.customer_active_issuances
        return str(held[0].issual_id) if held else None

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_progress(self, badge: Badge) -> None:
        """Progress toward a target comes with workflow rules (SPEC 12); null until then."""
        return None


class TriggeredBySerializer(serializers.Serializer):
    module = serializers.ChoiceField(choices=Module.choices)
    reference = serializers.CharField(max_length=200)

    def to_internal_value(self, data) -> TriggeredBy:
        return TriggeredBy(**super().to_internal_value(data))


class IssueRequestSerializer(serializers.Serializer):
    customers = CUSTOMER_IDS
    event_date = OrgDateTimeField(required=False, allow_null=True)
    request_id = serializers.CharField(max_length=255)
    triggered_by = TriggeredBySerializer(required=False, allow_null=True)
    source = serializers.ChoiceField(
        choices=[IssuanceSource.API, IssuanceSource.EVENT, IssuanceSource.MEMBERCARE],
        default=IssuanceSource.API,
    )
    dry_run = serializers.BooleanField(default=False)

    def order(self) -> IssueOrder:
        data = self.validated_data
        return IssueOrder(
            request_id=data["request_id"],
            event_date=data.get("event_date"),
            triggered_by=data.get("triggered_by"),
            source=data["source"],
            dry_run=data["dry_run"],
        )


class EnrolRequestSerializer(serializers.Serializer):
    customers = CUSTOMER_IDS
    enrol_event_date = OrgDateTimeField(required=False, allow_null=True)
    request_id = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class RevokeSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=500)


class CustomerRevokeSerializer(RevokeSerializer):
    customer_id = serializers.CharField(max_length=100)


class RefusalDetailsField(serializers.DictField):
    """Refusal details with their datetimes in the org's timezone."""

    def to_representation(self, value):
        return self._convert(value)

    def _convert(self, value):
        if isinstance(value, dict):
            return {k: self._convert(v) for k, v in value.items()}
        if isinstance(value, datetime):
            field = OrgDateTimeField()
            field.bind("details", self)
            return field.to_representation(value)
        return value


class IssueResultSerializer(serializers.Serializer):
    customer_id = serializers.CharField()
    status = serializers.ChoiceField(choices=["ISSUED", "REFUSED", "WOULD_ISSUE"])
    code = serializers.CharField(source="refusal.code", default=None)
    message = serializers.CharField(source="refusal.message", default=None)
    details = RefusalDetailsField(source="refusal.details", default=None)
    issuance = IssuanceSerializer(allow_null=True)
    replayed = serializers.BooleanField()

    def to_representation(self, outcome):
        body = super().to_representation(outcome)
        if outcome.status == "WOULD_ISSUE":
            body["issuance"] = {
                key: body["issuance"][key]
                for key in ("event_date", "issued_on", "expires_on", "benefits")
            }
        return body


class EnrolResultSerializer(serializers.Serializer):
    customer_id = serializers.CharField()
    status = serializers.ChoiceField(choices=["ENROLLED", "REFUSED"])
    code = serializers.CharField(source="refusal.code", default=None)
    message = serializers.CharField(source="refusal.message", default=None)
    enrolment = EnrolmentSerializer(allow_null=True)


class IssueResponseSerializer(serializers.Serializer):
    results = IssueResultSerializer(many=True)


class EnrolResponseSerializer(serializers.Serializer):
    results = EnrolResultSerializer(many=True)


class CustomerSerializer(serializers.ModelSerializer):
    customer_id = serializers.CharField(max_length=100)
    registered_on = OrgDateTimeField(required=False, allow_null=True)

    class Meta:
        model = Customer
        fields = ["customer_id", "registered_on"]
