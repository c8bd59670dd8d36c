"""Revocation on returns (SPEC 12): with the org's ``revoke_on_return`` on, a full ReturnBill
revokes what the returned bill's events issued through rules without a target, and a
ReturnTargetCompleted what the named target rule issued to the customer; a partial return
revokes nothing. Every case is an outcome of the event, including "nothing to do" and why.
"""

import uuid
from datetime import datetime

from badges.events.choices import EventType, OutcomeKind, OutcomeResult, ReturnType
from badges.events.models import Event, EventOutcome, TargetProgress
from badges.models import Customer, Issuance
from badges.services.issuance import issuance_revoke

RETURNS = (EventType.RETURN_BILL, EventType.RETURN_TARGET_COMPLETED)


def _skipped(code: str, message: str) -> list[EventOutcome]:
    return [
        EventOutcome(
            kind=OutcomeKind.RETURN,
            matched=False,
            result=OutcomeResult.SKIPPED,
            code=code,
            message=message,
        )
    ]


def _bill_issuances(event: Event, customer: Customer) -> list[Issuance]:
    """The customer's unrevoked issuances that rules without a target made on events of the
    returned bill."""
    reference = event.payload["original_reference"].strip()
    made = EventOutcome.objects.filter(
        kind=OutcomeKind.RULE,
        result=OutcomeResult.ISSUED,
        target__isnull=True,
        event__org_id=event.org_id,
        event__customer_id=customer.customer_id,
        event__reference=reference,
    ).values("issuance")
    return list(
        Issuance.objects.filter(issual_id__in=made, revoked_on__isnull=True).order_by("issued_on")
    )


def _target_issuances(event: Event, customer: Customer) -> list[Issuance]:
    """The customer's unrevoked issuances earned by reaching the named rule's target."""
    # The customer is the org's, so only the org's rules have progress rows with them.
    made = TargetProgress.objects.filter(
        rule_id=_uuid_or_none(event.payload["rule"]), customer=customer
    ).values("issuance")
    return list(
        Issuance.objects.filter(issual_id__in=made, revoked_on__isnull=True).order_by("issued_on")
    )


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value.strip())
    except ValueError:
        return None


def return_outcomes(event: Event, customer: Customer, now: datetime) -> list[EventOutcome]:
    if event.event_type not in RETURNS:
        return []
    if not event.org.revoke_on_return:
        return _skipped(
            "REVOKE_ON_RETURN_OFF", "The org does not revoke badges on returns (revoke_on_return)."
        )
    if event.event_type == EventType.RETURN_BILL:
        if event.payload.get("return_type") != ReturnType.FULL:
            return _skipped("PARTIAL_RETURN", "A partial return revokes nothing.")
        issuances = _bill_issuances(event, customer)
        reason = f"Bill {event.payload['original_reference'].strip()} returned"
    else:
        issuances = _target_issuances(event, customer)
        reason = f"Target of rule {event.payload['rule'].strip()} returned"
    if not issuances:
        return _skipped("NOTHING_TO_REVOKE", "No badge issued for it is held unrevoked.")
    outcomes = []
    for issuance in issuances:
        issuance_revoke(issuance=issuance, reason=f"{reason} (event {event.event_id})", now=now)
        outcomes.append(
            EventOutcome(
                kind=OutcomeKind.RETURN,
                badge_id=issuance.badge_id,
                matched=True,
                result=OutcomeResult.REVOKED,
                message=reason + ".",
                issuance=issuance,
            )
        )
    return outcomes
