"""Shapes of enrolment, issuance and revocation (SPEC 4, 5, 17).

The bodies are read for their shape only; what a value may be (how many customers, which
ids, a request id, a reason) is the services' rule, answered with the services' codes.
"""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from badges.choices import (
    ENROL_REFUSALS,
    ISSUE_REFUSALS,
    EnrolmentStatus,
    IssuanceSource,
    IssuanceStatus,
    IssueSource,
    LimitKind,
    LimitScope,
    Module,
    TimeUnit,
)
from badges.models import Enrolment, Issuance
from badges.services.customers import MAX_BATCH
from badges.services.enrolment import EnrolOrder
from badges.services.issuance import IssueOrder, TriggeredBy
from badges.values import (
    CLIENT_ID_PATTERN,
    CUSTOMER_ID_MAX_LENGTH,
    REASON_MAX_LENGTH,
    REQUEST_ID_MAX_LENGTH,
)
from badges_project.api.fields import (
    JsonBooleanField,
    OrgDateTimeField,
    ServiceCheckedText,
    StatusAtField,
    TrimmedText,
    ValueSerializer,
    instant_shown,
)

from .badges import BenefitSerializer
from .shown import ShownPage, granted_benefits_shown, issuance_shown

CUSTOMER_ID_SCHEMA = {
    "type": "string",
    "minLength": 1,
    "maxLength": CUSTOMER_ID_MAX_LENGTH,
    "pattern": CLIENT_ID_PATTERN,
}
WHOLE_NUMBER_ID = {"type": "integer", "minimum": -(2**63), "maximum": 2**63 - 1}


@extend_schema_field({"oneOf": [CUSTOMER_ID_SCHEMA, WHOLE_NUMBER_ID]})
class CustomerIdField(serializers.Field):
    """A customer id as sent: a string, or a whole number read as a string."""

    default_error_messages = {"invalid": "A customer id is a string (or a whole number)."}

    def to_internal_value(self, data) -> str:
        if isinstance(data, str):
            return data
        if isinstance(data, int) and not isinstance(data, bool) and -(2**63) <= data < 2**63:
            return str(data)
        self.fail("invalid")


@extend_schema_field(
    {
        "type": "array",
        "items": {"oneOf": [CUSTOMER_ID_SCHEMA, WHOLE_NUMBER_ID]},
        "minItems": 1,
        "maxItems": MAX_BATCH,
    }
)
class CustomerIdsField(serializers.ListField):
    """The customers of a batch (how many and which ids: CUSTOMERS_REQUIRED,
    TOO_MANY_CUSTOMERS, CUSTOMER_ID_INVALID, from the services)."""

    child = CustomerIdField()


def request_id_field(**kwargs) -> ServiceCheckedText:
    return ServiceCheckedText(max_length=REQUEST_ID_MAX_LENGTH, pattern=CLIENT_ID_PATTERN, **kwargs)


class TriggeredBySerializer(ValueSerializer):
    """The module and reference (a program, a bill) an issue is made for."""

    module = serializers.ChoiceField(choices=Module.choices)
    reference = TrimmedText(max_length=200)

    def to_internal_value(self, data) -> TriggeredBy:
        return TriggeredBy(**super().to_internal_value(data))


class IssuanceSerializer(serializers.ModelSerializer):
    badge = serializers.UUIDField(source="badge_id", read_only=True)
    customer_id = serializers.CharField(source="customer.customer_id", read_only=True)
    event_date = OrgDateTimeField(read_only=True)
    issued_on = OrgDateTimeField(read_only=True)
    expires_on = OrgDateTimeField(read_only=True, allow_null=True)
    status = StatusAtField(IssuanceStatus.choices)
    source = serializers.ChoiceField(choices=IssuanceSource.choices, read_only=True)
    triggered_by = TriggeredBySerializer(read_only=True, allow_null=True)
    benefits = BenefitSerializer(many=True, read_only=True)
    revoked_on = OrgDateTimeField(read_only=True, allow_null=True)

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
        list_serializer_class = ShownPage

    shown = staticmethod(issuance_shown)

    def to_representation(self, issuance: Issuance) -> dict:
        """What the fields above declare, built directly (``shown.issuance_shown``)."""
        return self.shown(issuance, self.context["org"].tzinfo, self.context["now"])


class IssuancePreviewSerializer(serializers.Serializer):
    """What a dry run would issue: the dates and the benefits it would grant."""

    event_date = OrgDateTimeField(read_only=True)
    issued_on = OrgDateTimeField(read_only=True)
    expires_on = OrgDateTimeField(read_only=True, allow_null=True)
    benefits = BenefitSerializer(many=True, read_only=True)


class EnrolmentSerializer(serializers.ModelSerializer):
    badge = serializers.UUIDField(source="badge_id", read_only=True)
    customer_id = serializers.CharField(source="customer.customer_id", read_only=True)
    enrol_event_date = OrgDateTimeField(read_only=True)
    enrolled_on = OrgDateTimeField(read_only=True)
    expires_on = OrgDateTimeField(read_only=True)
    status = StatusAtField(EnrolmentStatus.choices)
    revoked_on = OrgDateTimeField(read_only=True, allow_null=True)

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


class IssueRequestSerializer(serializers.Serializer):
    customers = CustomerIdsField()
    event_date = OrgDateTimeField(required=False, allow_null=True)
    request_id = request_id_field(
        help_text="Makes the request safe to retry: a repeat for the same badge and customer "
        "answers the first outcome (`replayed: true`) and writes nothing."
    )
    triggered_by = TriggeredBySerializer(required=False, allow_null=True)
    source = serializers.ChoiceField(choices=IssueSource.choices, default=IssueSource.API)
    dry_run = JsonBooleanField(default=False)
    reason = ServiceCheckedText(
        max_length=REASON_MAX_LENGTH,
        pattern=CLIENT_ID_PATTERN,
        empty=True,
        required=False,
        help_text="Why the issue is made (customer care records one); kept on the issuance. "
        "ISSUE_REASON_INVALID when blank, over 500 characters or holding NUL; empty for none.",
    )

    def order(self) -> IssueOrder:
        data = self.validated_data
        return IssueOrder(
            request_id=data["request_id"],
            event_date=data.get("event_date"),
            triggered_by=data.get("triggered_by"),
            source=data["source"],
            dry_run=data["dry_run"],
            reason=data.get("reason", ""),
        )


class EnrolRequestSerializer(serializers.Serializer):
    customers = CustomerIdsField()
    enrol_event_date = OrgDateTimeField(required=False, allow_null=True)
    request_id = request_id_field(
        required=False,
        empty=True,
        help_text="Recorded on the enrolments made; a repeat finds them (ALREADY_ENROLLED).",
    )

    def order(self) -> EnrolOrder:
        data = self.validated_data
        return EnrolOrder(
            enrol_event_date=data.get("enrol_event_date"), request_id=data.get("request_id", "")
        )


class RevokeSerializer(serializers.Serializer):
    reason = ServiceCheckedText(max_length=REASON_MAX_LENGTH, pattern=CLIENT_ID_PATTERN)


class CustomerRevokeSerializer(RevokeSerializer):
    customer_id = ServiceCheckedText(max_length=CUSTOMER_ID_MAX_LENGTH, pattern=CLIENT_ID_PATTERN)


class WindowSerializer(serializers.Serializer):
    value = serializers.IntegerField()
    unit = serializers.ChoiceField(choices=TimeUnit.choices)


class CycleSpanSerializer(serializers.Serializer):
    start = OrgDateTimeField()
    end = OrgDateTimeField(allow_null=True)


class RefusalDetailsSerializer(serializers.Serializer):
    """Which limit blocked (limit refusals only) and when the customer could be issued again
    (``next_eligible_at``; null when never). Only the keys that apply are present."""

    scope = serializers.ChoiceField(choices=LimitScope.choices, required=False)
    kind = serializers.ChoiceField(choices=LimitKind.choices, required=False)
    limit = serializers.IntegerField(required=False)
    window = WindowSerializer(required=False)
    cycle = CycleSpanSerializer(required=False)
    count = serializers.IntegerField(required=False)
    next_eligible_at = OrgDateTimeField(required=False, allow_null=True)


class IssuanceOutcomeField(serializers.Field):
    """The issuance made (ISSUED), what would be issued (WOULD_ISSUE), or null (REFUSED)."""

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)
        self.issued = IssuanceSerializer()
        self.preview = IssuancePreviewSerializer()

    def bind(self, field_name, parent):
        super().bind(field_name, parent)
        self.issued.bind(field_name, self)
        self.preview.bind(field_name, self)

    def to_representation(self, outcome) -> dict | None:
        """The declared fields, walked by DRF: the reference the answer built directly
        (``IssueResponseSerializer``) is held equal to."""
        if outcome.issuance is None:
            return None
        if outcome.status == "WOULD_ISSUE":
            return self.preview.to_representation(outcome.issuance)
        return serializers.ModelSerializer.to_representation(self.issued, outcome.issuance)


class IssuanceOutcomeSchema(OpenApiSerializerFieldExtension):
    target_class = IssuanceOutcomeField

    def map_serializer_field(self, auto_schema, direction):
        return {
            "anyOf": [
                auto_schema.resolve_serializer(IssuanceSerializer, direction).ref,
                auto_schema.resolve_serializer(IssuancePreviewSerializer, direction).ref,
            ],
            "nullable": True,
        }


class IssueResultSerializer(serializers.Serializer):
    customer_id = serializers.CharField()
    status = serializers.ChoiceField(choices=["ISSUED", "REFUSED", "WOULD_ISSUE"])
    code = serializers.ChoiceField(
        choices=ISSUE_REFUSALS, source="refusal.code", default=None, allow_null=True
    )
    message = serializers.CharField(source="refusal.message", default=None, allow_null=True)
    details = RefusalDetailsSerializer(source="refusal.details", default=None, allow_null=True)
    issuance = IssuanceOutcomeField()
    replayed = serializers.BooleanField()


class EnrolResultSerializer(serializers.Serializer):
    customer_id = serializers.CharField()
    status = serializers.ChoiceField(choices=["ENROLLED", "REFUSED"])
    code = serializers.ChoiceField(
        choices=ENROL_REFUSALS, source="refusal.code", default=None, allow_null=True
    )
    message = serializers.CharField(source="refusal.message", default=None, allow_null=True)
    enrolment = EnrolmentSerializer(allow_null=True)


class IssueResponseSerializer(serializers.Serializer):
    results = IssueResultSerializer(many=True)

    def to_representation(self, instance) -> dict:
        """What ``results`` declares, built directly: every issue call answers with this, and
        DRF's field machinery cost more than the rest of the answer
        (``tests/api/test_issue_answer.py`` holds the two equal)."""
        zone, now = self.context["org"].tzinfo, self.context["now"]
        return {"results": [_result_shown(o, zone, now) for o in instance["results"]]}


def _result_shown(outcome, zone, now) -> dict:
    refusal = outcome.refusal
    return {
        "customer_id": outcome.customer_id,
        "status": outcome.status,
        "code": refusal.code if refusal else None,
        "message": refusal.message if refusal else None,
        "details": _details_shown(refusal.details, zone) if refusal else None,
        "issuance": _outcome_issuance_shown(outcome, zone, now),
        "replayed": bool(outcome.replayed),
    }


def _details_shown(details: dict, zone) -> dict:
    """Only the keys present, except ``next_eligible_at``, always there (null when absent, as
    its declared field, which allows null, answers)."""
    shown = {}
    details = {"next_eligible_at": None, **details}
    for key in ("scope", "kind", "limit", "window", "cycle", "count", "next_eligible_at"):
        if key not in details:
            continue
        value = details[key]
        if key in ("limit", "count"):
            value = int(value)
        elif key == "window":
            value = {"value": int(value["value"]), "unit": str(value["unit"])}
        elif key == "cycle":
            value = {k: instant_shown(value[k], zone) for k in ("start", "end")}
        elif key == "next_eligible_at":
            value = instant_shown(value, zone)
        else:
            value = str(value)
        shown[key] = value
    return shown


def _outcome_issuance_shown(outcome, zone, now) -> dict | None:
    issuance = outcome.issuance
    if issuance is None:
        return None
    if outcome.status == "WOULD_ISSUE":
        return {
            "event_date": instant_shown(issuance.event_date, zone),
            "issued_on": instant_shown(issuance.issued_on, zone),
            "expires_on": instant_shown(issuance.expires_on, zone),
            "benefits": granted_benefits_shown(issuance.benefits),
        }
    return issuance_shown(issuance, zone, now)


class EnrolResponseSerializer(serializers.Serializer):
    results = EnrolResultSerializer(many=True)
