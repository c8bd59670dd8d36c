"""The outcome rows processing writes: a rule's snapshot with what happened to it."""

from badges.events.choices import OutcomeKind, OutcomeResult
from badges.events.models import EventOutcome, Rule
from badges.services.idempotency import details_stored

MESSAGE_MAX_LENGTH = 500


def rule_outcome(rule: Rule, *, kind: str = OutcomeKind.RULE, **values) -> EventOutcome:
    """An outcome row of ``rule``, with the rule as it is now (its snapshot)."""
    return EventOutcome(
        kind=kind,
        rule=rule,
        rule_name=rule.name,
        action=rule.action,
        badge=rule.badge,
        condition=rule.condition,
        target=rule.target,
        **values,
    )


def issue_outcome(rule: Rule, outcome, *, issued: str, **values) -> EventOutcome:
    """An outcome row for what an issue call answered: ISSUED (saying ``issued``) with the
    issuance, or REFUSED with the refusal's code, details and next eligible time."""
    if outcome.status == "ISSUED":
        return rule_outcome(
            rule,
            result=OutcomeResult.ISSUED,
            message="Issued before, for this event." if outcome.replayed else issued,
            issuance=outcome.issuance,
            **values,
        )
    refusal = outcome.refusal
    return rule_outcome(
        rule,
        result=OutcomeResult.REFUSED,
        code=refusal.code,
        message=refusal.message[:MESSAGE_MAX_LENGTH],
        next_eligible_at=refusal.details.get("next_eligible_at"),
        details=details_stored(refusal.details),
        **values,
    )
