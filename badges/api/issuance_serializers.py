"""Shapes of enrolment, issuance, revocation and customers (SPEC 17)."""

from datetime import datetime

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from badges.models import Customer, Enrolment, Issuance, IssuanceSource, IssuanceStatus, Module
from badges.services.customers import MAX_BATCH
from badges.services.issuance import IssueOrder, TriggeredBy

from .fields import OrgDateTimeField

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
    status = serializers.SerializerMethodField()
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

    @extend_schema_field(serializers.ChoiceField(choices=IssuanceStatus.choices))
    def get_status(self, issuance: Issuance) -> str:
        return issuance.status_at(self.context["now"])

    @extend_schema_field(serializers.DictField(allow_null=True))
    def get_triggered_by(self, issuance: Issuance) -> dict | None:
        return issuance.triggered_by


class CustomerBadgeSerializer(IssuanceSerializer):
    """An issuance as a customer's badge list shows it."""

    badge_name = serializers.CharField(source="badge.name", read_only=True)

    class Meta(IssuanceSerializer.Meta):
        fields = [*IssuanceSerializer.Meta.fields, "badge_name"]
        read_only_fields = fields


class EnrolmentSerializer(serializers.ModelSerializer):
    badge = serializers.UUIDField(source="badge_id", read_only=True)
    customer_id = serializers.CharField(source="customer.customer_id", read_only=True)
    enrol_event_date = OrgDateTimeField(read_only=True)
    enrolled_on = OrgDateTimeField(read_only=True)
    expires_on = OrgDateTimeField(read_only=True)
    status = serializers.SerializerMethodField()
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

    @extend_schema_field(serializers.ChoiceField(choices=IssuanceStatus.choices))
    def get_status(self, enrolment: Enrolment) -> str:
        return enrolment.status_at(self.context["now"])


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
