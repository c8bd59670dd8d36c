"""Factories and helpers of the events domain's tests: rules through the service (with their
claim confirmed), events posted and processed as the task would."""

from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from badges.events.choices import EventType, RuleAction
from badges.events.services.intake import EventBody, event_submit
from badges.events.services.processing import event_process
from badges.events.services.rules import RuleDraft, rule_create
from badges.models import Badge


def rule_for(
    badge: Badge,
    *,
    name: str = "Big spender",
    event_type: str = EventType.TRANSACTION_ADD,
    action: str = RuleAction.ISSUE_BADGE,
    condition=None,
    target=None,
    program: str = "Supermarket program",
    module: str = "LOYALTY",
    event_name: str = "",
    now: datetime | None = None,
):
    return rule_create(
        org=badge.org,
        draft=RuleDraft(
            name=name,
            module=module,
            program=program,
            event_type=event_type,
            action=action,
            badge=badge,
            event_name=event_name,
            condition=condition,
            target=target,
        ),
        confirm_claim=True,
        now=now or timezone.now(),
    )


def body(
    event_id: str,
    *,
    customer_id: str = "c-42",
    event_type: str = EventType.TRANSACTION_ADD,
    event_date: datetime | None = None,
    reference: str = "",
    payload: dict | None = None,
    event_name: str = "",
) -> EventBody:
    return EventBody(
        event_id=event_id,
        event_type=event_type,
        customer_id=customer_id,
        event_date=event_date or timezone.now(),
        reference=reference,
        payload=payload if payload is not None else {},
        event_name=event_name,
    )


def processed(org, event_body: EventBody, *, now: datetime | None = None):
    """Post the event and process it as the task would (tests run no on-commit hooks)."""
    now = now or timezone.now()
    event, _ = event_submit(org=org, body=event_body, now=now)
    return event_process(event_pk=event.pk, now=now)


def amounts(*values) -> list[Decimal]:
    return [Decimal(str(v)) for v in values]
