"""Pure: a target's progress and the event that reaches it, in event-date order (SPEC 12).

A target rule's contributions (one per matching event) are split into periods by the
``TargetPeriodElapses`` events that close them: a period runs from one close (or the badge's
start) up to the next close, half-open, so a contribution dated at a close's instant opens the
next period. Inside a period contributions are summed in event-date order, ties broken by the
client's ``event_id``; the crossing is the first contribution whose running total reaches the
target. Arrival order never enters: the same contributions give the same periods, totals and
crossings, however late some of them came.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True)
class Contribution:
    """One matching event's part: its date, the client's id (the tie-break), and what it
    adds (1 for a count, the field's value for a sum)."""

    event_date: datetime
    event_id: str
    amount: Decimal
    key: object = None

    @property
    def order(self) -> tuple:
        return (self.event_date, self.event_id)


@dataclass
class Period:
    """One period of a target for one customer: from ``start`` (None: the badge's start) to
    ``end`` (None: open), its total and the contribution that reached the target."""

    start: datetime | None
    end: datetime | None
    total: Decimal = Decimal(0)
    count: int = 0
    crossing: Contribution | None = None


def periods(
    contributions: list[Contribution], closes: list[datetime], target: Decimal
) -> list[Period]:
    """Every period (the first always, one more after each close), with totals and crossings."""
    bounds = sorted(set(closes))
    starts = [None, *bounds]
    result = [
        Period(start=start, end=bounds[index] if index < len(bounds) else None)
        for index, start in enumerate(starts)
    ]
    for contribution in sorted(contributions, key=lambda c: c.order):
        index = sum(1 for close in bounds if close <= contribution.event_date)
        period = result[index]
        period.total += contribution.amount
        period.count += 1
        if period.crossing is None and period.total >= target:
            period.crossing = contribution
    return result


def period_at(all_periods: list[Period], instant: datetime) -> Period:
    """The period an instant falls in (the first has no start: it holds every earlier one)."""
    return next(p for p in reversed(all_periods) if p.start is None or p.start <= instant)
