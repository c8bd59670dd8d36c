"""Rules, events and target progress in the admin. Rules are added and changed through the rule
services (the claim confirmed on the form); events, their outcomes and progress are read-only,
written only by processing. Loaded by ``BadgesConfig.ready()``: Django's autodiscovery imports
``badges.admin``, which may not reach this domain's services (import contracts)."""

from dataclasses import replace

from django import forms
from django.contrib import admin

from badges.events.models import Event, EventOutcome, Rule, TargetProgress
from badges.events.services import rules
from badges.exceptions import RuleViolation
from badges_project.admin import ReadOnlyAdmin, ReadOnlyInline, ServiceAdmin, ServiceForm

CHANGEABLE = ("name", "program", "condition", "is_active")
FIXED = (
    "org",
    "module",
    "event_type",
    "event_name",
    "action",
    "badge",
    "target_kind",
    "target_field",
    "target_value",
)
AUDIT = ("id", "created_on", "created_by", "updated_on", "updated_by")


class RuleAdminForm(ServiceForm):
    """Creates and changes a rule through the rule services, which check every rule and add
    the rule's claim to its badge once confirmed."""

    confirm_claim = forms.BooleanField(
        required=False,
        help_text="Saving adds the permanent claim (module, program, event type) to the badge "
        "when it does not hold it yet: tick to confirm.",
    )

    class Meta:
        model = Rule
        fields = [
            "org",
            "name",
            "module",
            "program",
            "event_type",
            "event_name",
            "action",
            "badge",
            "condition",
            "target_kind",
            "target_field",
            "target_value",
            "is_active",
        ]

    def save_through(self, data: dict, now) -> Rule:
        try:
            return self._saved(data, now)
        except RuleViolation as error:
            # The service names the target as one field; the form shows it at its kind.
            raise RuleViolation(
                *(
                    replace(v, field="target_kind") if v.field == "target" else v
                    for v in error.violations
                )
            ) from error

    def _saved(self, data: dict, now) -> Rule:
        confirm_claim = data.get("confirm_claim", False)
        if self.instance._state.adding:
            return rules.rule_create(
                org=data["org"],
                draft=rules.RuleDraft(
                    name=data["name"],
                    module=data["module"],
                    program=data["program"],
                    event_type=data["event_type"],
                    action=data["action"],
                    badge=data.get("badge"),
                    event_name=data.get("event_name", ""),
                    condition=data.get("condition"),
                    target=_target(data),
                    is_active=data.get("is_active", False),
                ),
                confirm_claim=confirm_claim,
                actor=self.actor,
                now=now,
            )
        changes = {name: data[name] for name in CHANGEABLE if name in self.changed_data}
        return rules.rule_update(
            rule=self.instance,
            changes=changes,
            confirm_claim=confirm_claim,
            actor=self.actor,
            now=now,
        )


def _target(data: dict) -> dict | None:
    """The target the three columns of the form describe, for the service to check."""
    if not data.get("target_kind"):
        return None
    return {
        "kind": data["target_kind"],
        "field": data.get("target_field") or None,
        "value": data.get("target_value"),
    }


@admin.register(Rule)
class RuleAdmin(ServiceAdmin):
    form = RuleAdminForm
    list_display = [
        "name",
        "org",
        "module",
        "program",
        "event_type",
        "action",
        "badge",
        "target_kind",
        "target_value",
        "is_active",
        "updated_on",
    ]
    list_filter = ["event_type", "action", "is_active", "module", "org"]
    list_select_related = ["org", "badge"]
    search_fields = ["name", "program", "=id"]
    autocomplete_fields = ["badge"]
    ordering = ["org", "name"]
    readonly_fields = list(AUDIT)

    def get_readonly_fields(self, request, obj=None):
        """A saved rule's identity is fixed (disable it and create another)."""
        return [*self.readonly_fields, *(FIXED if obj is not None else ())]


OUTCOME_FIELDS = [
    "position",
    "kind",
    "rule_name",
    "action",
    "badge",
    "matched",
    "seen",
    "result",
    "code",
    "message",
    "issuance",
    "next_eligible_at",
    "progress_total",
    "progress_target",
]


class OutcomeInline(ReadOnlyInline):
    model = EventOutcome
    fields = OUTCOME_FIELDS
    readonly_fields = OUTCOME_FIELDS
    ordering = ["position"]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("badge", "issuance")


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = [
        "received_on",
        "event_id",
        "event_type",
        "customer_id",
        "reference",
        "org",
        "status",
        "processed_on",
    ]
    list_filter = ["status", "event_type", "org"]
    list_select_related = ["org"]
    search_fields = ["=event_id", "=customer_id", "=reference", "=id"]
    show_full_result_count = False
    inlines = [OutcomeInline]


@admin.register(TargetProgress)
class TargetProgressAdmin(ReadOnlyAdmin):
    list_display = [
        "customer",
        "rule",
        "badge",
        "period_start",
        "period_end",
        "total",
        "target",
        "count",
        "crossed_on",
        "issuance",
        "refusal_code",
    ]
    list_filter = ["org"]
    list_select_related = ["customer", "rule", "badge", "issuance"]
    search_fields = ["=customer__customer_id", "rule__name"]
    show_full_result_count = False
