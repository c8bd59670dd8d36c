"""Shapes of workflow rules (SPEC 12, 17).

Bodies are read for their shape only: what a name, a condition or a target may be is the rule
services' rule, answered with their codes (the limits below are theirs, stated for the schema).
The one lookup here is a rule's badge, found in the acting org only (any other id is
BADGE_NOT_FOUND, whether or not another org has it).
"""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from badges.choices import Module
from badges.events.choices import (
    EventType,
    RuleAction,
    TargetKind,
)
from badges.events.conditions import FIELD_MAX_LENGTH, OPERATORS
from badges.events.models import Rule
from badges.events.services.intake import EVENT_NAME_MAX_LENGTH
from badges.events.services.rules import NAME_MAX_LENGTH, PROGRAM_MAX_LENGTH, TARGET_MAX
from badges.selectors import badges_of
from badges.values import blank_field_pattern, stripped_text_pattern
from badges_project.api.fields import (
    JsonBooleanField,
    JsonTyped,
    JsonUUIDField,
    OrgDateTimeField,
    ServiceCheckedString,
    service_checked_name,
)

CONDITION_SCHEMA = {
    "type": "object",
    "description": "A test of one payload field: `{field, op, value}`. `gt`, `gte`, `lt` and "
    "`lte` compare numbers; `eq` and `ne` text, a number or a boolean; `in` any of a list of "
    "1 to 100 of those. CONDITION_INVALID otherwise.",
    "properties": {
        "field": {
            "type": "string",
            "minLength": 1,
            "maxLength": FIELD_MAX_LENGTH,
            "description": "A payload field; dots reach nested values (`customer.tier`).",
        },
        "op": {"type": "string", "enum": list(OPERATORS)},
        "value": {"description": "What the field is compared with."},
    },
    "required": ["field", "op", "value"],
    "additionalProperties": False,
}
TARGET_VALUE_SCHEMA = {
    "type": "number",
    "minimum": 0,
    "exclusiveMinimum": True,
    "maximum": int(TARGET_MAX),
    "exclusiveMaximum": True,
}
TARGET_SCHEMA = {
    "type": "object",
    "description": "Issue once the customer's matching events reach `value` in the badge's "
    "period: COUNT counts them, SUM adds up their payload `field` (a whole number for COUNT, "
    "at most 6 decimals for SUM). Only an ISSUE_BADGE rule has one; TARGET_INVALID, "
    "TARGET_NEEDS_ISSUE otherwise.",
    "properties": {
        "kind": {"type": "string", "enum": TargetKind.values},
        "field": {
            "type": "string",
            "nullable": True,
            "pattern": stripped_text_pattern(FIELD_MAX_LENGTH, blank=True),
            "description": "The payload field a SUM adds up; none for a COUNT.",
        },
        "value": TARGET_VALUE_SCHEMA,
    },
    "required": ["kind", "value"],
    "additionalProperties": False,
}


class JsonObjectField(JsonTyped, serializers.JSONField):
    """A JSON object, as sent (its content is a service's rule)."""

    json_types = (dict,)


class OrgBadgeField(JsonUUIDField):
    """A badge of the acting org, by id; any other id is BADGE_NOT_FOUND, never telling
    whether another org has that badge."""

    default_error_messages = {"badge_not_found": "The org has no badge with this id."}

    def to_internal_value(self, data):
        key = super().to_internal_value(data)
        badge = badges_of(org=self.context["org"]).filter(pk=key).first()
        if badge is None:
            self.fail("badge_not_found")
        return badge


class RuleWriteSerializer(serializers.Serializer):
    """A rule as sent: create takes every field; an update the fields sent (name, program,
    condition and is_active change; the others, once saved, only stay as they are)."""

    name = service_checked_name(
        NAME_MAX_LENGTH, "1 to 100 characters once trimmed; unique in the org."
    )
    module = serializers.ChoiceField(choices=Module.choices)
    program = service_checked_name(
        PROGRAM_MAX_LENGTH,
        "The program the rule serves (a reference, 1 to 200 characters once trimmed): with the "
        "module and event type, the claim the rule adds to its badge.",
    )
    event_type = serializers.ChoiceField(choices=EventType.choices)
    event_name = ServiceCheckedString(
        required=False,
        allow_blank=True,
        schema={
            "type": "string",
            "pattern": blank_field_pattern(EVENT_NAME_MAX_LENGTH),
            "description": "The name of a Behavioral event (EVENT_NAME_REQUIRED); empty for "
            "other types (EVENT_NAME_NOT_ALLOWED).",
        },
    )
    action = serializers.ChoiceField(choices=RuleAction.choices)
    badge = OrgBadgeField(
        help_text="A live, active badge of the org owned by `module` (RULE_BADGE_NOT_ELIGIBLE)."
    )
    condition = JsonObjectField(required=False, allow_null=True, schema=CONDITION_SCHEMA)
    target = JsonObjectField(required=False, allow_null=True, schema=TARGET_SCHEMA)
    is_active = JsonBooleanField(required=False)
    confirm_claim = JsonBooleanField(
        required=False,
        write_only=True,
        help_text="Confirms the permanent claim (module, program, event type) that saving adds "
        "to the badge when it does not hold it yet (CLAIM_CONFIRMATION_REQUIRED without it).",
    )


TARGET_READ_SCHEMA = {
    "type": "object",
    "nullable": True,
    "description": TARGET_SCHEMA["description"],
    "properties": {
        "kind": {"type": "string", "enum": TargetKind.values},
        "field": {"type": "string", "nullable": True},
        "value": {"type": "number", "description": "An integer when whole."},
    },
    "required": ["kind", "field", "value"],
}


@extend_schema_field(CONDITION_SCHEMA | {"nullable": True})
class ConditionReadField(serializers.ReadOnlyField):
    """A rule's condition, or null (every event of the type matches)."""


@extend_schema_field(TARGET_READ_SCHEMA)
class TargetReadField(serializers.ReadOnlyField):
    """A rule's target ``{kind, field, value}``, or null."""


class RuleSerializer(serializers.ModelSerializer):
    """A rule as every read shows it."""

    badge = serializers.UUIDField(source="badge_id")
    condition = ConditionReadField()
    target = TargetReadField()
    created_on = OrgDateTimeField()
    created_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )
    updated_on = OrgDateTimeField()
    updated_by = serializers.SlugRelatedField(
        slug_field="username", read_only=True, allow_null=True
    )

    class Meta:
        model = Rule
        fields = [
            "id",
            "name",
            "module",
            "program",
            "event_type",
            "event_name",
            "action",
            "badge",
            "condition",
            "target",
            "is_active",
            "created_on",
            "created_by",
            "updated_on",
            "updated_by",
        ]
        read_only_fields = fields
