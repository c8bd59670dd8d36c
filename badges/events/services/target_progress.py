"""Targets (SPEC 12): a customer's progress toward a rule's target, and the issue it earns.

Each matching event is stored as a contribution; then the rule's periods for the customer are
recomputed from all its contributions in event-date order (``badges.events.targets``) and the
stored progress made to agree: a period whose crossing event is new is issued (with that
event's date, under a request id derived from it), and one whose crossing moved, because an
event dated earlier arrived late or a period was closed late, has its issuance revoked and the
new crossing issued. So every arrival order ends with the issuances date order gives.
"""

from datetime import datetime, timedelta
from decimal import Decimal

from badges.choices import IssueSource
from badges.events.choices import OutcomeKind, OutcomeResult
from badges.events.models import Event, EventOutcome, Rule, TargetContribution, TargetProgress
from badges.events.services.outcomes import issue_outcome, rule_outcome
from badges.events.targets import Contribution, Period, period_at, periods
from badges.models import Customer
from badges.services.issuance import IssueOrder, TriggeredBy, issuance_revoke, issue

_INSTANT = timedelta(microseconds=1)
RECOUNTED = "Target recounted: an event dated earlier, or a period closed, moved what reached it."


def _progress_rows(rule: Rule, customer: Customer) -> dict[datetime, TargetProgress]:
    rows = TargetProgress.objects.filter(rule=rule, customer=customer).select_related("issuance")
    return {row.period_start: row for row in rows}


def _periods(rule: Rule, customer: Customer) -> list[Period]:
    contributions, closes = [], []
    for row in TargetContribution.objects.filter(rule=rule, customer=customer):
        if row.closes:
            closes.append(row.event_date)
        else:
            contributions.append(
                Contribution(row.event_date, row.event_key, row.amount, key=row.event_id)
            )
    return periods(contributions, closes, rule.target_value)


def _withdrawn(row: TargetProgress, now: datetime) -> None:
    """The crossing this row recorded no longer reaches the target: revoke what it issued."""
    if row.issuance is not None and row.issuance.revoked_on is None:
        issuance_revoke(issuance=row.issuance, reason=RECOUNTED, now=now)
    row.crossing_event, row.crossed_on, row.issuance = None, None, None
    row.refusal_code = row.refusal_message = ""


def _issued(rule: Rule, customer: Customer, row: TargetProgress, crossing, now: datetime):
    """Issue the period's badge with the crossing event's date; the issue call's outcome."""
    event = Event.objects.get(pk=crossing.key)
    order = IssueOrder(
        request_id=f"target:{rule.pk}:{row.period_start.isoformat()}:{event.pk}",
        event_date=event.event_date,
        triggered_by=TriggeredBy(module=rule.module, reference=event.reference or event.event_id),
        source=IssueSource.EVENT,
        claimed_for=rule.program,
    )
    [outcome] = issue(badge=rule.badge, customer_ids=[customer.customer_id], order=order, now=now)
    row.crossing_event, row.crossed_on = event, event.event_date
    if outcome.status == "ISSUED":
        row.issuance = outcome.issuance
    else:
        row.refusal_code, row.refusal_message = outcome.refusal.code, outcome.refusal.message
    return outcome


def progress_reconciled(rule: Rule, customer: Customer, now: datetime) -> dict:
    """Make the stored progress of (rule, customer) what its contributions say; the issue
    calls made, by period start, and the periods."""
    badge = rule.badge
    # Closes are only ever added, so every period start stored is still one: each row is
    # found again below.
    rows = _progress_rows(rule, customer)
    issued = {}
    all_periods = _periods(rule, customer)
    for period in all_periods:
        start = period.start or badge.start_on
        row = rows.get(start) or TargetProgress(
            org_id=rule.org_id, rule=rule, badge=badge, customer=customer, period_start=start
        )
        crossing_pk = period.crossing.key if period.crossing else None
        if row.crossing_event_id is not None and row.crossing_event_id != crossing_pk:
            _withdrawn(row, now)
        row.period_end, row.total, row.count = period.end, period.total, period.count
        row.target, row.updated_on = rule.target_value, now
        if crossing_pk is not None and row.crossing_event_id is None:
            issued[start] = _issued(rule, customer, row, period.crossing, now)
        row.save()
    return {"issued": issued, "periods": all_periods}


def _contributed(rule, event, customer, amount, *, closes: bool = False) -> None:
    TargetContribution.objects.get_or_create(
        rule=rule,
        customer=customer,
        event=event,
        defaults={
            "event_date": event.event_date,
            "event_key": event.event_id,
            "amount": Decimal(amount),
            "closes": closes,
        },
    )


def _progress_values(rule: Rule, period: Period) -> dict:
    return {"progress_total": period.total, "progress_target": rule.target_value}


def target_outcome(
    rule: Rule, event: Event, customer: Customer, amount, now: datetime, *, seen
) -> EventOutcome:
    """Count the event toward the target; ISSUED or REFUSED when it (or the recount it caused)
    reached the target, PROGRESS otherwise."""
    badge = rule.badge
    if not badge.start_on <= event.event_date < badge.expires_on:
        return rule_outcome(
            rule,
            matched=True,
            seen=seen,
            result=OutcomeResult.SKIPPED,
            code="EVENT_DATE_OUTSIDE_BADGE_PERIOD",
            message="Only events dated in the badge's period count toward its target.",
        )
    _contributed(rule, event, customer, amount)
    reconciled = progress_reconciled(rule, customer, now)
    period = period_at(reconciled["periods"], event.event_date)
    values = _progress_values(rule, period)
    for outcome in reconciled["issued"].values():
        return issue_outcome(
            rule,
            outcome,
            issued="Target reached: issued with the event date of the event that reached it.",
            matched=True,
            seen=seen,
            **values,
        )
    reached = period.crossing is not None
    return rule_outcome(
        rule,
        matched=True,
        seen=seen,
        result=OutcomeResult.PROGRESS,
        code="TARGET_REACHED" if reached else "",
        message=f"{_number(period.total)} of {_number(rule.target_value)}"
        + (" (reached before)" if reached else ""),
        **values,
    )


def _number(value: Decimal) -> str:
    return format(value.normalize(), "f")


def period_closes(event: Event, customer: Customer, now: datetime) -> list[EventOutcome]:
    """A TargetPeriodElapses closes, at its event date, the customer's current period of the
    org's active target rules (of ``payload.program`` when it names one)."""
    rules = Rule.objects.filter(org_id=event.org_id, is_active=True).exclude(target_kind="")
    program = event.payload.get("program")
    if isinstance(program, str) and program.strip():
        rules = rules.filter(program=program.strip())
    outcomes = []
    for rule in rules.select_related("badge").order_by("name", "id"):
        _contributed(rule, event, customer, 0, closes=True)
        reconciled = progress_reconciled(rule, customer, now)
        closed = period_at(reconciled["periods"], event.event_date - _INSTANT)
        outcomes.append(
            rule_outcome(
                rule,
                kind=OutcomeKind.PERIOD_CLOSE,
                matched=True,
                result=OutcomeResult.PROGRESS,
                code="PERIOD_CLOSED",
                message=f"Period closed at {_number(closed.total)} of "
                f"{_number(rule.target_value)}.",
                **_progress_values(rule, closed),
            )
        )
    return outcomes
