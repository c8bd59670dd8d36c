"""Shapes of events, their outcomes and target progress (SPEC 12, 17).

Bodies are read for their shape only: what an event may be is the intake service's rule,
answered with its codes (the limits below are its, stated for the schema).
"""

from datetime import datetime

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from badges.api.serializers.issuance import CustomerIdField, IssuanceSerializer
from badges.events.choices import (
    DRY_RUN_RESULTS,
    EventStatus,
    EventType,
    OutcomeResult,
    RuleAction,
    TargetKind,
)
from badges.events.models import Event, EventOutcome, TargetProgress
from badges.events.services.intake import EVENT_NAME_MAX_LENGTH, REFERENCE_MAX_LENGTH
from badges.services.idempotency import INSTANT_KEYS
from badges.values import CLIENT_ID_PATTERN, REQUEST_ID_MAX_LENGTH, blank_field_pattern
from badges_project.api.fields import (
    AmountField,
    JsonBooleanField,
    OrgDateTimeField,
    ServiceCheckedString,
    ServiceCheckedText,
    instant_shown,
)

from .rule_serializers import ConditionReadField, JsonObjectField, TargetReadField

RESULTS = [*OutcomeResult.values, *DRY_RUN_RESULTS.values()]
PAYLOAD_SCHEMA = {
    "type": "object",
    "additionalProperties": {},
    "description": "The event's fields that conditions and targets read (`amount`, ...). At "
    "most 16 kB; PAYLOAD_INVALID for what no database stores (the NUL character, an integer "
    "beyond 64 bits, ...). A ReturnBill carries `return_type` (FULL or PARTIAL) and "
    "`original_reference`; a ReturnTargetCompleted the target's `rule` id; a "
    "TargetPeriodElapses may name the `program` whose periods it closes.",
}


@extend_schema_field(PAYLOAD_SCHEMA)
class PayloadReadField(serializers.ReadOnlyField):
    """An event's payload, as posted."""


class EventPostSerializer(serializers.Serializer):
    event_id = ServiceCheckedText(
        max_length=REQUEST_ID_MAX_LENGTH,
        pattern=CLIENT_ID_PATTERN,
        help_text="The client's id of the event (EVENT_ID_INVALID): a repeat with the same body "
        "answers the first event; with another body it is EVENT_ID_REUSED.",
    )
    event_type = serializers.ChoiceField(choices=EventType.choices)
    event_name = ServiceCheckedString(
        required=False,
        allow_blank=True,
        schema={
            "type": "string",
            "pattern": blank_field_pattern(EVENT_NAME_MAX_LENGTH),
            "description": "A Behavioral event's name (EVENT_NAME_REQUIRED); none for other "
            "types (EVENT_NAME_NOT_ALLOWED).",
        },
    )
    customer_id = CustomerIdField(help_text="A string; a whole number is read as its text.")
    event_date = OrgDateTimeField(
        help_text="When it happened; at most 24 hours ahead (EVENT_DATE_IN_FUTURE)."
    )
    reference = ServiceCheckedString(
        required=False,
        allow_blank=True,
        schema={
            "type": "string",
            "maxLength": REFERENCE_MAX_LENGTH,
            "description": "A bill number or the like: what issuances are triggered by "
            "(REFERENCE_INVALID).",
        },
    )
    payload = JsonObjectField(required=False, schema=PAYLOAD_SCHEMA)
    dry_run = JsonBooleanField(
        required=False, help_text="Answer what the event would do, and write nothing."
    )


class SeenSerializer(serializers.Serializer):
    """What a condition (or a SUM target) read in the payload."""

    field = serializers.CharField()
    present = serializers.BooleanField()
    value = serializers.JSONField(allow_null=True)


class ProgressSerializer(serializers.Serializer):
    total = AmountField()
    target = AmountField()


@extend_schema_field({"type": "object", "additionalProperties": {}})
class DetailsField(serializers.Field):
    """A refusal's details (which limit, its window or cycle, when eligible again) or what a
    revocation revoked; instants in the org's timezone."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, details):
        zone = self.context["org"].tzinfo
        return _instants_shown(details, zone)


def _instants_shown(value, zone, key: str | None = None):
    if isinstance(value, dict):
        return {k: _instants_shown(v, zone, k) for k, v in value.items()}
    if key in INSTANT_KEYS and isinstance(value, str):
        return instant_shown(datetime.fromisoformat(value), zone)
    return value


def _blank_as_none(value: str) -> str | None:
    return value or None


class OutcomeSerializer(serializers.ModelSerializer):
    """What one rule did with the event (kind RULE), a revocation on return (RETURN), or a
    target period the event closed (PERIOD_CLOSE), with the rule as it was then."""

    rule = serializers.UUIDField(source="rule_id", allow_null=True)
    rule_name = serializers.SerializerMethodField()
    action = serializers.SerializerMethodField()
    badge = serializers.UUIDField(source="badge_id", allow_null=True)
    condition = ConditionReadField()
    target = TargetReadField()
    seen = SeenSerializer(allow_null=True)
    result = serializers.ChoiceField(
        choices=RESULTS,
        help_text="WOULD_ISSUE and WOULD_REVOKE in a dry run's answer, for ISSUED and REVOKED.",
    )
    code = serializers.SerializerMethodField()
    issuance = IssuanceSerializer(
        allow_null=True, help_text="The issuance made or revoked, as it stands now."
    )
    issual_id = serializers.UUIDField(source="issuance_id", allow_null=True)
    next_eligible_at = OrgDateTimeField(allow_null=True)
    details = DetailsField()
    progress = serializers.SerializerMethodField()

    class Meta:
        model = EventOutcome
        fields = [
            "position",
            "kind",
            "rule",
            "rule_name",
            "action",
            "badge",
            "condition",
            "target",
            "matched",
            "seen",
            "result",
            "code",
            "message",
            "issuance",
            "issual_id",
            "next_eligible_at",
            "details",
            "progress",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_rule_name(self, outcome: EventOutcome) -> str | None:
        return _blank_as_none(outcome.rule_name)

    @extend_schema_field(serializers.ChoiceField(choices=RuleAction.choices, allow_null=True))
    def get_action(self, outcome: EventOutcome) -> str | None:
        return _blank_as_none(outcome.action)

    @extend_schema_field(
        serializers.CharField(
            allow_null=True,
            help_text="Why it did not issue or revoke: the issue's refusal code (SPEC 17), "
            "or the rule's own (FIELD_MISSING, FIELD_NOT_NUMBER, CONDITION_NOT_MET, NOT_HELD, "
            "TARGET_REACHED, PERIOD_CLOSED, EVENT_DATE_OUTSIDE_BADGE_PERIOD, "
            "REVOKE_ON_RETURN_OFF, PARTIAL_RETURN, NOTHING_TO_REVOKE, RULE_FAILED); null "
            "when none.",
        )
    )
    def get_code(self, outcome: EventOutcome) -> str | None:
        return _blank_as_none(outcome.code)

    @extend_schema_field(
        ProgressSerializer(
            allow_null=True, help_text="A target's total and value after this event."
        )
    )
    def get_progress(self, outcome: EventOutcome) -> dict | None:
        if outcome.progress_total is None:
            return None
        return ProgressSerializer(
            {"total": outcome.progress_total, "target": outcome.progress_target}
        ).data


class EventSerializer(serializers.ModelSerializer):
    """An event as posted, with where its processing stands."""

    event_date = OrgDateTimeField()
    payload = PayloadReadField()
    status = serializers.ChoiceField(choices=EventStatus.choices)
    received_on = OrgDateTimeField()
    processed_on = OrgDateTimeField(allow_null=True)

    class Meta:
        model = Event
        fields = [
            "id",
            "event_id",
            "event_type",
            "event_name",
            "customer_id",
            "event_date",
            "reference",
            "payload",
            "status",
            "received_on",
            "processed_on",
            "error",
        ]
        read_only_fields = fields


class EventDetailSerializer(EventSerializer):
    """An event with its outcomes, in the order they were decided."""

    outcomes = OutcomeSerializer(many=True, source="outcome_rows")

    class Meta(EventSerializer.Meta):
        fields = [*EventSerializer.Meta.fields, "outcomes"]
        read_only_fields = fields


class EventPostedSerializer(EventDetailSerializer):
    """The answer to a post: the event with its outcomes (none yet while PENDING). On a dry
    run (context ``dry_run``), what the event would do, with ``id`` null; or, when this
    event_id was posted before (context ``stored``), that event and its outcomes."""

    id = serializers.SerializerMethodField()
    dry_run = serializers.SerializerMethodField()

    class Meta(EventDetailSerializer.Meta):
        fields = [*EventDetailSerializer.Meta.fields, "dry_run"]
        read_only_fields = fields

    @extend_schema_field(
        serializers.UUIDField(
            allow_null=True, help_text="Null on a dry run of an event_id not posted before."
        )
    )
    def get_id(self, event: Event) -> str | None:
        return str(event.pk) if self.context["stored"] else None

    @extend_schema_field(serializers.BooleanField())
    def get_dry_run(self, event: Event) -> bool:
        return self.context["dry_run"]


class TargetProgressSerializer(serializers.ModelSerializer):
    """A customer's progress toward one rule's target in one period."""

    rule = serializers.UUIDField(source="rule_id")
    rule_name = serializers.CharField(source="rule.name")
    badge = serializers.UUIDField(source="badge_id")
    badge_name = serializers.CharField(source="badge.name")
    kind = serializers.ChoiceField(choices=TargetKind.choices, source="rule.target_kind")
    field = serializers.SerializerMethodField()
    target = AmountField()
    total = AmountField()
    period_start = OrgDateTimeField()
    period_end = OrgDateTimeField(
        allow_null=True, help_text="When a TargetPeriodElapses closed it; null while open."
    )
    reached = serializers.BooleanField()
    crossed_on = OrgDateTimeField(
        allow_null=True, help_text="The event date of the event that reached the target."
    )
    issual_id = serializers.UUIDField(source="issuance_id", allow_null=True)
    refusal_code = serializers.SerializerMethodField()

    class Meta:
        model = TargetProgress
        fields = [
            "rule",
            "rule_name",
            "badge",
            "badge_name",
            "kind",
            "field",
            "target",
            "total",
            "count",
            "period_start",
            "period_end",
            "reached",
            "crossed_on",
            "issual_id",
            "refusal_code",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.CharField(allow_null=True, help_text="The field a SUM adds up.")
    )
    def get_field(self, row: TargetProgress) -> str | None:
        return _blank_as_none(row.rule.target_field)

    @extend_schema_field(
        serializers.CharField(
            allow_null=True,
            help_text="Why reaching the target issued nothing (the issue's refusal code).",
        )
    )
    def get_refusal_code(self, row: TargetProgress) -> str | None:
        return _blank_as_none(row.refusal_code)
