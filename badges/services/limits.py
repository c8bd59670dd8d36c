"""Issue limits (SPEC 6): overall, rolling windows and fixed windows, per customer or per badge.

Counts come from a tally: the customer's issuances in memory, or the badge's issued count and
window counts bounded by their limit. A tally also counts the issuances made earlier in the same
batch, so one bulk request sees its own writes. Revoked issuances never count.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from badges.choices import LimitKind
from badges.cycles import Cycle
from badges.exceptions import Refusal
from badges.models import Badge, FixedWindowConfig, Issuance, LimitScope
from badges.periods import shift
from badges.selectors import in_span_q
from badges.windows import config_cycle_at, config_in_force, counted_span, cycles_until


@dataclass(frozen=True)
class Counted:
    """An issuance as the limits see it."""

    issued_on: datetime
    event_date: datetime


def window_start(now: datetime, value: int, unit: str, tz: ZoneInfo) -> datetime:
    """A rolling window counts issuances with ``issued_on`` after this instant."""
    return shift(now, -value, unit, tz)


def window_leaves(issued_on: datetime, value: int, unit: str, tz: ZoneInfo) -> datetime:
    """The first instant whose rolling window no longer holds an issuance made at ``issued_on``.

    Usually ``issued_on`` plus the window; for months that land on a missing day (Jan 31 + 1
    month) every instant of the shorter month still reaches back before it, so it is the next
    month's first midnight.
    """
    leaves = shift(issued_on, value, unit, tz)
    if window_start(leaves, value, unit, tz) >= issued_on:
        return leaves
    first_of_month = leaves.astimezone(tz).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return shift(first_of_month, 1, unit, tz)


@dataclass(frozen=True)
class FixedCycle:
    """The fixed-window config and cycle an issuance's event date falls in, and the event dates
    that cycle counts (``counted``, see ``counted_span``)."""

    config: FixedWindowConfig
    cycle: Cycle
    counted: Cycle


def fixed_cycle_for(
    badge: Badge,
    scope: LimitScope,
    event_date: datetime,
    now: datetime,
    *,
    clamp_to_period: bool = False,
) -> FixedCycle | None:
    """The config governing an issue processed at ``now`` for ``event_date``, and its cycle
    holding that date.

    ``clamp_to_period`` counts event dates outside the badge's cycles in the nearest one, the
    first or the last (SPEC 7, customer-care issues, which may be dated outside the period).
    """
    until = cycles_until(badge)
    if clamp_to_period:
        event_date = max(event_date, badge.start_on)
        if until is not None and event_date >= until:
            event_date = until - timedelta(microseconds=1)
    siblings = badge.rows("fixed_window_configs")
    config = config_in_force(siblings, scope, event_date, now)
    if config is None:
        return None
    config.badge = badge
    cycle = config_cycle_at(config, siblings, event_date)
    if cycle is None:
        return None
    return FixedCycle(config=config, cycle=cycle, counted=counted_span(badge, cycle))


@dataclass
class CustomerTally:
    """One customer's non-revoked issuances of the badge, kept in memory."""

    issuances: list[Counted] = field(default_factory=list)

    def overall(self) -> int:
        return len(self.issuances)

    def since(self, start: datetime, limit: int) -> int:
        return sum(1 for i in self.issuances if i.issued_on > start)

    def in_cycle(self, cycle: Cycle, limit: int) -> int:
        return sum(1 for i in self.issuances if i.event_date in cycle)

    def newest_since(self, start: datetime, n: int) -> list[datetime]:
        return sorted((i.issued_on for i in self.issuances if i.issued_on > start), reverse=True)[
            :n
        ]

    def short_of(self, limit: int) -> bool:
        """Whether every window is known to hold fewer than ``limit`` without counting it
        (never: counting in memory costs nothing)."""
        return False


@dataclass
class BadgeTally:
    """The badge's non-revoked issuances across customers, plus the ones this batch has made.

    The overall count comes from the badge's issued count (``issued``, read under its lock when
    ``held``; None when not read);
    windows are counted over their span only and never past their limit (a check only needs
    to know whether the limit is reached), through partial indexes that hold the counted rows.
    So no check reads more than a limit's worth of rows, whatever the badge's history; and a
    window whose limit is above the badge's whole count is not read at all.
    """

    badge: Badge
    held: bool = False
    issued: int | None = None
    added: list[Counted] = field(default_factory=list)
    _counts: dict = field(default_factory=dict)

    def _counted(self):
        return Issuance.objects.filter(badge=self.badge, revoked_on__isnull=True)

    def add(self, counted: Counted) -> None:
        self.added.append(counted)

    def _count(self, key, rows, limit: int) -> int:
        """``rows`` counted up to ``limit``, once per batch (the batch adds its own)."""
        if key not in self._counts:
            self._counts[key] = rows.order_by()[:limit].count()
        return self._counts[key]

    def overall(self) -> int:
        return self.issued + len(self.added)

    def since(self, start: datetime, limit: int) -> int:
        rows = self._counted().filter(issued_on__gt=start).values("issued_on")
        stored = self._count(("since", start), rows, limit)
        return stored + sum(1 for i in self.added if i.issued_on > start)

    def in_cycle(self, cycle: Cycle, limit: int) -> int:
        rows = self._counted().filter(in_span_q(cycle)).values("event_date")
        stored = self._count(("cycle", cycle), rows, limit)
        return stored + sum(1 for i in self.added if i.event_date in cycle)

    def short_of(self, limit: int) -> bool:
        """Whether every window is known to hold fewer than ``limit`` without counting it: a
        window's issuances are some of the badge's, so when the badge's whole count (read with
        this batch's) is below ``limit``, so is every window's."""
        return self.issued is not None and self.overall() < limit

    def newest_since(self, start: datetime, n: int) -> list[datetime]:
        stored = self._counted().filter(issued_on__gt=start).order_by("-issued_on")
        times = [i.issued_on for i in self.added if i.issued_on > start]
        times += stored.values_list("issued_on", flat=True)[:n]
        return sorted(times, reverse=True)[:n]


LIMIT_CODES = {
    LimitScope.CUSTOMER: "CUSTOMER_LIMIT_REACHED",
    LimitScope.BADGE: "BADGE_LIMIT_REACHED",
}
WHOSE = {LimitScope.CUSTOMER: "The customer", LimitScope.BADGE: "The badge"}


WINDOW_HOURS = {"DAYS": 24, "WEEKS": 168, "MONTHS": 730}


def _exceeded(badge: Badge, scope: LimitScope, tally, fixed: FixedCycle | None, now: datetime):
    """Every limit of ``scope`` that one more issuance would exceed (overall, then rolling windows
    shortest first, then the fixed window), each as (message, details) with the time it reopens
    in ``details["next_eligible_at"]``."""
    tz = badge.org.tzinfo
    overall = (
        badge.customer_overall_limit if scope == LimitScope.CUSTOMER else badge.badge_overall_limit
    )
    if overall is not None and (count := tally.overall()) >= overall:
        yield (
            f"the overall limit of {overall}",
            {"kind": LimitKind.OVERALL, "limit": overall, "count": count, "next_eligible_at": None},
        )
    windows = sorted(
        (w for w in badge.rows("rolling_limits") if w.scope == scope),
        key=lambda w: WINDOW_HOURS[w.unit] * w.value,
    )
    for window in windows:
        if tally.short_of(window.limit):
            continue
        start = window_start(now, window.value, window.unit, tz)
        count = tally.since(start, window.limit)
        if count >= window.limit:
            # The window reopens when its limit-th newest issuance leaves it.
            oldest = tally.newest_since(start, window.limit)[-1]
            yield (
                f"the limit of {window.limit} in {window.value} {window.unit.lower()}",
                {
                    "kind": LimitKind.ROLLING,
                    "limit": window.limit,
                    "window": {"value": window.value, "unit": window.unit},
                    "count": count,
                    "next_eligible_at": window_leaves(oldest, window.value, window.unit, tz),
                },
            )
    if fixed is not None and not tally.short_of(fixed.config.max_earn_limit):
        limit = fixed.config.max_earn_limit
        count = tally.in_cycle(fixed.counted, limit)
        if count >= limit:
            yield (
                f"the limit of {limit} per {fixed.config.refresh_rate} "
                f"{fixed.config.duration_type.lower()}",
                {
                    "kind": LimitKind.FIXED_WINDOW,
                    "limit": limit,
                    "window": {
                        "value": fixed.config.refresh_rate,
                        "unit": fixed.config.duration_type,
                    },
                    "cycle": {"start": fixed.cycle.start, "end": fixed.cycle.end},
                    "count": count,
                    "next_eligible_at": fixed.cycle.end,
                },
            )


def limit_refusal(
    *,
    badge: Badge,
    scope: LimitScope,
    tally,
    fixed: FixedCycle | None,
    now: datetime,
) -> Refusal | None:
    """Refuse when one more issuance would exceed a limit of ``scope``.

    The refusal names the first limit exceeded; ``next_eligible_at`` is when every exceeded
    limit of the scope has reopened (None when one never does).
    """
    exceeded = list(_exceeded(badge, scope, tally, fixed, now))
    if not exceeded:
        return None
    message, details = exceeded[0]
    reopen = [d["next_eligible_at"] for _, d in exceeded]
    return Refusal(
        LIMIT_CODES[scope],
        f"{WHOSE[scope]} has reached {message}.",
        {
            "scope": scope.value,
            **details,
            "next_eligible_at": None if None in reopen else max(reopen),
        },
    )


def has_badge_limits(badge: Badge) -> bool:
    return (
        badge.badge_overall_limit is not None
        or any(w.scope == LimitScope.BADGE for w in badge.rows("rolling_limits"))
        or any(c.scope == LimitScope.BADGE for c in badge.rows("fixed_window_configs"))
    )
