"""The rule forms read the page into what the rule services take: a ``RuleDraft`` to create,
the changed fields to edit. They only parse (a condition's value typed as text is a number
when it reads as one; ``in`` takes values separated by commas); every rule is the services'.
Their refusals land on the inputs they name, a condition's or a target's under its part."""

import json
import math
import re

from django import forms
from django.urls import reverse

from badges.choices import Module
from badges.events.choices import EventType, RuleAction, TargetKind
from badges.events.selectors import rule_badge_choices
from badges.events.services.rules import RuleDraft
from badges_project.ui.pages import PageForm, kept_as_stored, refusal_words

from .words import OPERATOR_WORDS

# A number as JSON writes one: what the API would receive as a number rather than as text.
JSON_NUMBER = re.compile(r"-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?")
# The inputs of a part of the rule, where the service's refusal of that part is shown.
PARTS = {
    "condition": ("condition_field", "condition_op", "condition_value"),
    "target": ("target_field", "target_value"),
}


def typed_value(text: str):
    """A value as typed: a number when the text is one as JSON writes it (and finite), else the
    text, trimmed."""
    text = text.strip()
    if JSON_NUMBER.fullmatch(text):
        value = json.loads(text)
        if not isinstance(value, float) or math.isfinite(value):
            return value
    return text


def value_text(value) -> str:
    """A stored condition value as the input shows it (the reverse of ``typed_value``)."""
    if isinstance(value, list):
        return ", ".join(value_text(v) for v in value)
    return value if isinstance(value, str) else json.dumps(value)


def condition_shown(condition: dict | None) -> dict:
    """The condition inputs' initial values for a stored condition."""
    if not condition:
        return {"condition_field": "", "condition_op": "", "condition_value": ""}
    return {
        "condition_field": condition["field"],
        "condition_op": condition["op"],
        "condition_value": value_text(condition["value"]),
    }


def text_input(label: str, help_text: str = "", **attrs) -> forms.CharField:
    """A text input that takes anything (an empty or long value is the service's refusal)."""
    return forms.CharField(
        required=False,
        strip=False,
        label=label,
        help_text=help_text,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", **attrs}),
    )


class RuleConditionForm(PageForm):
    """The name, the program and the condition: what a new rule and an edited one share."""

    name = text_input("Name", "Unique among the org's rules.", maxlength=100)
    program = text_input(
        "Program",
        "The loyalty program the rule serves, e.g. Supermarket program. The badge gets the "
        "permanent claim (module, program, event type).",
        maxlength=200,
    )
    condition_field = text_input(
        "Payload field", "e.g. amount, or customer.tier for a nested value.", maxlength=100
    )
    condition_op = forms.ChoiceField(
        required=False,
        label="Comparison",
        choices=[("", "No condition"), *OPERATOR_WORDS.items()],
    )
    condition_value = text_input(
        "Value", "A number is compared as a number. For “is one of”, separate values by commas."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.part_errors: dict[str, list[str]] = {}

    def __getitem__(self, name):
        """An input of a refused part is marked invalid and described by the part's error."""
        bound = super().__getitem__(name)
        part = next((p for p, names in PARTS.items() if name in names), None)
        attrs = bound.field.widget.attrs
        if part in self.part_errors and "is-invalid" not in attrs["class"]:
            attrs["class"] += " is-invalid"
            attrs["aria-invalid"] = "true"
            described = [f"err-{part}"]
            if bound.help_text:
                described.append(f"{bound.auto_id}_helptext")
            attrs["aria-describedby"] = " ".join(described)
        return bound

    def condition(self):
        """The condition typed, None when its three inputs are empty."""
        data = self.cleaned_data
        field, op, text = data["condition_field"], data["condition_op"], data["condition_value"]
        if not (field.strip() or op or text.strip()):
            return None
        if op == "in":
            value = [typed_value(part) for part in text.split(",") if part.strip()]
        else:
            value = typed_value(text)
        return {"field": field, "op": op, "value": value}

    def add_violations(self, violations) -> None:
        """Each refusal on its input; a condition's or a target's under that part's inputs."""
        for violation in violations:
            if violation.field in PARTS:
                self.part_errors.setdefault(violation.field, []).append(refusal_words(violation))
            elif violation.field in self.fields:
                self.add_error(violation.field, refusal_words(violation))
            else:
                self.add_error(None, refusal_words(violation))

    @property
    def refused(self) -> bool:
        return bool(self.errors or self.part_errors)


class RuleCreateForm(RuleConditionForm):
    """A new rule. The badge is chosen among those the module may pick (live, active, owned by
    it); the choices follow the module chosen."""

    field_order = ["name", "module", "program", "event_type", "event_name", "action", "badge"]

    module = forms.ChoiceField(
        choices=Module.choices,
        initial=Module.LOYALTY,
        label="Module",
        help_text="The loyalty-suite module the rule works for; it must own the badge.",
    )
    event_type = forms.ChoiceField(
        choices=[(value, value) for value in EventType.values],  # as events name their type
        initial=EventType.TRANSACTION_ADD,
        label="Event type",
        help_text="The event that sets the rule off.",
    )
    event_name = text_input("Event name", "The Behavioral event's name, e.g. app_review.")
    action = forms.ChoiceField(
        choices=[
            (RuleAction.ISSUE_BADGE, "Issue the badge"),
            (RuleAction.REVOKE_BADGE, "Revoke it"),
        ],
        initial=RuleAction.ISSUE_BADGE,
        label="Action",
        widget=forms.RadioSelect,
    )
    badge = forms.UUIDField(
        required=False,
        label="Badge",
        help_text="Live, active badges owned by the module.",
        widget=forms.Select,
    )
    target_kind = forms.ChoiceField(
        required=False,
        choices=[
            ("", "No target: every matching event"),
            (TargetKind.COUNT, "A number of matching events"),
            (TargetKind.SUM, "A sum of a payload field"),
        ],
        initial="",
        label="Target",
        widget=forms.RadioSelect,
    )
    target_value = text_input("Target value", "How many events, or the total the sum reaches.")
    target_field = text_input("Field to sum", "e.g. amount.", maxlength=100)

    def __init__(self, *args, org, now, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("action", "target_kind"):
            self.fields[name].widget.attrs["class"] = "form-check-input"
        chosen = (self.data if self.is_bound else self.initial).get("module")
        self.chosen_module = chosen if chosen in Module.values else Module.LOYALTY
        self.badges = list(rule_badge_choices(org=org, module=self.chosen_module, now=now))
        self.fields["badge"].widget.choices = [
            ("", "Choose a badge"),
            *((str(badge.pk), badge.name) for badge in self.badges),
        ]
        # Another module, other badges: htmx swaps in the badge input of the module chosen.
        self.fields["module"].widget.attrs.update(
            {
                "hx-get": reverse("rules-ui:badge-choices"),
                "hx-trigger": "change",
                "hx-target": "#badge-field",
                "hx-swap": "innerHTML",
                "hx-include": "#id_badge",
            }
        )
        if not self.is_bound:
            self.fields["name"].widget.attrs["autofocus"] = True

    def target(self):
        """The target chosen, read only for a rule that issues (the page hides it otherwise)."""
        data = self.cleaned_data
        if data["action"] != RuleAction.ISSUE_BADGE or not data["target_kind"]:
            return None
        target = {"kind": data["target_kind"], "value": typed_value(data["target_value"])}
        if data["target_kind"] == TargetKind.SUM:
            target["field"] = data["target_field"]
        return target

    def draft(self, badge) -> RuleDraft:
        data = self.cleaned_data
        behavioral = data["event_type"] == EventType.BEHAVIORAL
        return RuleDraft(
            name=data["name"],
            module=data["module"],
            program=data["program"],
            event_type=data["event_type"],
            event_name=data["event_name"] if behavioral else "",
            action=data["action"],
            badge=badge,
            condition=self.condition(),
            target=self.target(),
        )


class RuleEditForm(RuleConditionForm):
    """A saved rule's name, program, condition and activation; the rest is fixed."""

    is_active = forms.BooleanField(
        required=False,
        label="Active",
        help_text="A disabled rule is not a candidate for new events.",
    )

    def __init__(self, *args, rule, **kwargs):
        initial = {
            "name": rule.name,
            "program": rule.program,
            "is_active": rule.is_active,
            **condition_shown(rule.condition),
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.rule = rule

    def changes(self) -> dict:
        """What changed. A text shown and sent back untouched is the stored one, and so is a
        condition: the page shows it as text, which may read back otherwise (the number 5 set
        as the text "5" through the API, a boolean, text holding a comma)."""
        data, rule = self.cleaned_data, self.rule
        changes = {}
        for name in ("name", "program"):
            sent = kept_as_stored(data[name], getattr(rule, name))
            if sent != getattr(rule, name):
                changes[name] = sent
        shown = condition_shown(rule.condition)
        if any(data[name] != shown[name] for name in shown):
            changes["condition"] = self.condition()
        if data["is_active"] != rule.is_active:
            changes["is_active"] = data["is_active"]
        return changes
