"""Processing an event (SPEC 12): every candidate rule's outcome, written with what it did.

One transaction per event, under the customer's row lock, so that one customer's events are
decided one at a time (their targets count in event-date order, whatever order they come in).
Issues go through the issuance service with a request id derived from (event, rule): a task run
twice, or an event processed twice, issues once. A dry run is the same code in a transaction
that is rolled back, so that its answer is what the real run would do.
"""

from dataclasses import dataclass
from datetime import datetime

from django.db import OperationalError, transaction

from badges.choices import IssueSource
from badges.events.choices import (
    DRY_RUN_RESULTS,
    EventStatus,
    EventType,
    OutcomeResult,
    RuleAction,
    TargetKind,
)
from badges.events.conditions import Seen, condition_read, evaluate, field_read, number
from badges.events.models import Event, EventOutcome, Rule
from badges.events.services.intake import EventBody, check_event, event_first_posted, event_new
from badges.events.services.outcomes import issue_outcome, rule_outcome
from badges.events.services.returns import return_outcomes
from badges.events.services.target_progress import period_closes, target_outcome
from badges.exceptions import Busy, RuleViolation
from badges.models import Customer, Organization
from badges.services.customers import customer_register
from badges.services.issuance import IssueOrder, TriggeredBy, issuances_revoke_active, issue
from badges.services.locking import customers_locked

ERROR_MAX_LENGTH = 500


@dataclass
class Processed:
    """An event and its outcomes; ``dry_run`` when nothing was written."""

    event: Event
    outcomes: list[EventOutcome]
    dry_run: bool = False
    replayed: bool = False


def candidate_rules(event: Event) -> list[Rule]:
    """The org's active rules of the event's type (and name, for Behavioral), by name."""
    rules = Rule.objects.filter(org_id=event.org_id, event_type=event.event_type, is_active=True)
    if event.event_type == EventType.BEHAVIORAL:
        rules = rules.filter(event_name=event.event_name)
    return list(rules.select_related("badge", "badge__org").order_by("name", "id"))


def seen_stored(condition_field: str | None, seen: Seen) -> dict | None:
    if condition_field is None:
        return None
    return {"field": condition_field, "present": seen.present, "value": seen.value}


def triggered_by(rule: Rule, event: Event) -> TriggeredBy:
    """The rule's module and the event's reference (its event_id when it has none)."""
    return TriggeredBy(module=rule.module, reference=event.reference or event.event_id)


def _issue(rule: Rule, event: Event, customer: Customer, now: datetime, seen: dict) -> EventOutcome:
    order = IssueOrder(
        request_id=f"event:{event.pk}:rule:{rule.pk}",
        event_date=event.event_date,
        triggered_by=triggered_by(rule, event),
        source=IssueSource.EVENT,
        claimed_for=rule.program,
    )
    [outcome] = issue(badge=rule.badge, customer_ids=[customer.customer_id], order=order, now=now)
    return issue_outcome(rule, outcome, issued="Issued.", matched=True, seen=seen)


def _revoke(
    rule: Rule, event: Event, customer: Customer, now: datetime, seen: dict
) -> EventOutcome:
    revoked = issuances_revoke_active(
        badge=rule.badge,
        customer=customer,
        reason=f"Rule '{rule.name}' on event {event.event_id}"[:ERROR_MAX_LENGTH],
        now=now,
    )
    if not revoked:
        return rule_outcome(
            rule,
            matched=True,
            seen=seen,
            result=OutcomeResult.SKIPPED,
            code="NOT_HELD",
            message="The customer holds no issuance of the badge to revoke.",
        )
    return rule_outcome(
        rule,
        matched=True,
        seen=seen,
        result=OutcomeResult.REVOKED,
        message=f"Revoked {len(revoked)} issuance(s).",
        issuance=revoked[0],
        details={"revoked": [str(i.issual_id) for i in revoked]},
    )


def _decided(rule: Rule, event: Event, customer: Customer, now: datetime) -> EventOutcome:
    condition = condition_read(rule.condition)
    seen = evaluate(condition, event.payload)
    stored = seen_stored(condition.field if condition else None, seen)
    if not seen.matched:
        return rule_outcome(
            rule,
            matched=False,
            seen=stored,
            result=OutcomeResult.SKIPPED,
            code=seen.code,
            message=seen.message,
        )
    if rule.target_kind:
        amount = _amount(rule, event)
        if isinstance(amount, EventOutcome):
            return amount
        return target_outcome(rule, event, customer, amount, now, seen=stored)
    if rule.action == RuleAction.REVOKE_BADGE:
        return _revoke(rule, event, customer, now, stored)
    return _issue(rule, event, customer, now, stored)


def _amount(rule: Rule, event: Event):
    """What the event adds to the target: 1 for a count, the field's value for a sum (a
    number, not negative: returns take progress back only through their own events)."""
    if rule.target_kind == TargetKind.COUNT:
        return 1
    present, value = field_read(event.payload, rule.target_field)
    amount = number(value) if present and not isinstance(value, bool) else None
    if amount is not None and amount >= 0:
        return amount
    code, message = (
        ("FIELD_MISSING", f"The payload has no '{rule.target_field}' to sum.")
        if not present
        else ("FIELD_NOT_NUMBER", f"'{rule.target_field}' is not a number of 0 or more.")
    )
    return rule_outcome(
        rule,
        matched=True,
        seen={"field": rule.target_field, "present": present, "value": value},
        result=OutcomeResult.SKIPPED,
        code=code,
        message=message,
    )


def _guarded(rule: Rule, event: Event, customer: Customer, now: datetime) -> EventOutcome:
    """One rule's outcome in a savepoint of its own: a rule that fails is an ERROR outcome and
    the others still run. Waiting on locks and database failures end the whole run (the task
    retries the event)."""
    try:
        with transaction.atomic():
            return _decided(rule, event, customer, now)
    except (Busy, OperationalError):
        raise
    except RuleViolation as violation:
        first = violation.violations[0]
        return rule_outcome(
            rule, matched=True, result=OutcomeResult.ERROR, code=first.code, message=first.message
        )
    except Exception as error:  # one broken rule must not hide the others' outcomes
        return rule_outcome(
            rule,
            matched=True,
            result=OutcomeResult.ERROR,
            code="RULE_FAILED",
            message=f"{type(error).__name__}: {error}"[:ERROR_MAX_LENGTH],
        )


def _customer(event: Event, now: datetime) -> Customer:
    """The event's customer, created on first use (or registered, for CustomerRegistration)
    and locked: one customer's events are processed one at a time."""
    if event.event_type == EventType.CUSTOMER_REGISTRATION:
        customer_register(
            org=event.org, customer_id=event.customer_id, registered_on=event.event_date, now=now
        )
    [customer] = customers_locked(org=event.org, customer_ids=[event.customer_id], created_on=now)
    return customer


def outcomes_decided(event: Event, now: datetime) -> list[EventOutcome]:
    """Run every candidate rule, then what the event type does of itself (close target periods,
    revoke on return), and write the outcomes."""
    customer = _customer(event, now)
    outcomes = [_guarded(rule, event, customer, now) for rule in candidate_rules(event)]
    if event.event_type == EventType.TARGET_PERIOD_ELAPSES:
        outcomes.extend(period_closes(event, customer, now))
    outcomes.extend(return_outcomes(event, customer, now))
    for position, outcome in enumerate(outcomes):
        outcome.event, outcome.position = event, position
    EventOutcome.objects.bulk_create(outcomes)
    return outcomes


def event_process(*, event_pk, now: datetime) -> Event | None:
    """Process a PENDING event once; a processed or failed one is left as it is."""
    with transaction.atomic():
        event = (
            Event.objects.select_for_update(of=("self",))
            .select_related("org")
            .filter(pk=event_pk)
            .first()
        )
        if event is None or event.status != EventStatus.PENDING:
            return event
        outcomes_decided(event, now)
        event.status, event.processed_on = EventStatus.PROCESSED, now
        event.save(update_fields=["status", "processed_on"])
    return event


def event_failed(*, event_pk, error: str, now: datetime) -> None:
    """Record that processing failed for good (the outcomes of the failed run were rolled
    back with it)."""
    Event.objects.filter(pk=event_pk, status=EventStatus.PENDING).update(
        status=EventStatus.FAILED, processed_on=now, error=error[:ERROR_MAX_LENGTH]
    )


class _RolledBack(Exception):
    def __init__(self, processed: Processed):
        self.processed = processed


def event_dry_run(*, org: Organization, body: EventBody, now: datetime) -> Processed:
    """What posting the event would do now, writing nothing: a repeat answers the first event
    (EVENT_ID_REUSED for another body), a new one its outcomes as the real run would decide
    them (ISSUED and REVOKED said WOULD_ISSUE and WOULD_REVOKE, with no issuance)."""
    check_event(body, now)
    first = event_first_posted(org, body)
    if first is not None:
        return Processed(first, list(first.outcomes.all()), dry_run=True, replayed=True)
    try:
        with transaction.atomic():
            event = event_new(org, body, now)
            event.save(force_insert=True)
            outcomes = outcomes_decided(event, now)
            event.status, event.processed_on = EventStatus.PROCESSED, now
            raise _RolledBack(Processed(event, [_as_dry(o) for o in outcomes], dry_run=True))
    except _RolledBack as rolled_back:
        return rolled_back.processed


def _as_dry(outcome: EventOutcome) -> EventOutcome:
    outcome.result = DRY_RUN_RESULTS.get(outcome.result, outcome.result)
    outcome.issuance = None
    outcome.pk = None
    return outcome


def events_pending(*, received_before: datetime, limit: int) -> list:
    """Events still PENDING that were received before ``received_before``, oldest first: their
    queued processing was lost (a broker outage) or is failing."""
    return list(
        Event.objects.filter(status=EventStatus.PENDING, received_on__lt=received_before)
        .order_by("received_on")
        .values_list("pk", flat=True)[:limit]
    )
