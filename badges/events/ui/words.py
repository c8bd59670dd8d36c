"""Rules, conditions, targets and outcomes in the words the pages show them."""

import json
from typing import Any

from badges.events.choices import EventType, OutcomeKind, OutcomeResult, RuleAction, TargetKind
from badges.ui.display import amount_words

OPERATOR_WORDS = {
    "eq": "equals",
    "ne": "is not",
    "gt": "is more than",
    "gte": "is at least",
    "lt": "is less than",
    "lte": "is at most",
    "in": "is one of",
}
ACTION_WORDS = {RuleAction.ISSUE_BADGE: "Issue", RuleAction.REVOKE_BADGE: "Revoke"}
KIND_WORDS = {
    OutcomeKind.RETURN: "Revoked on return",
    OutcomeKind.PERIOD_CLOSE: "Target period closed",
}
RESULT_WORDS = {
    OutcomeResult.ISSUED: "Issued",
    OutcomeResult.REVOKED: "Revoked",
    OutcomeResult.REFUSED: "Refused",
    OutcomeResult.PROGRESS: "Progress",
    OutcomeResult.SKIPPED: "Skipped",
    OutcomeResult.ERROR: "Error",
}


def value_words(value: Any) -> str:
    """A condition's or a payload's value: text in quotes, anything else as JSON writes it."""
    if isinstance(value, str):
        return f"“{value}”"
    return json.dumps(value, ensure_ascii=False)


def condition_words(condition: dict | None) -> str:
    """``{"field": "amount", "op": "gte", "value": 500}`` is "amount is at least 500"."""
    if not condition:
        return "Every event of the type"
    op, value = condition["op"], condition["value"]
    shown = (
        ", ".join(value_words(v) for v in value)
        if op == "in" and isinstance(value, list)
        else value_words(value)
    )
    return f"{condition['field']} {OPERATOR_WORDS.get(op, op)} {shown}"


def seen_words(seen: dict | None) -> str:
    """What a condition (or a sum) read in the payload: "amount: 600", or that it was missing
    ("no amount in the payload")."""
    if not seen:
        return ""
    if not seen.get("present"):
        return f"no {seen['field']} in the payload"
    return f"{seen['field']}: {value_words(seen.get('value'))}"


def target_words(target: dict | None) -> str:
    """``{"kind": "SUM", "field": "amount", "value": 500}`` is "Sum of amount reaching 500"."""
    if not target:
        return "None"
    value = amount_words(target["value"])
    if target["kind"] == TargetKind.COUNT:
        return f"{value} matching event{'' if value == '1' else 's'}"
    return f"Sum of {target['field']} reaching {value}"


def event_type_words(event_type: str, event_name: str = "") -> str:
    """An event type, with its event name for Behavioral ones: "Behavioral: app_review"."""
    if event_type == EventType.BEHAVIORAL and event_name:
        return f"{event_type}: {event_name}"
    return event_type
