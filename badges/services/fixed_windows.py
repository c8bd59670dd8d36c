"""The lifecycle of fixed-window configs (SPEC 6): one config while the badge is upcoming; once
live, an ACTIVE config plus at most one UPCOMING one that starts when the current cycle ends.

Statuses are derived from the clock (``config_status``). A definition change persists them
before it writes, so that the stored ``status`` column, which carries the one-ACTIVE and
one-UPCOMING constraints, matches the derivation the change is based on; the rollover job
(``fixed_windows_roll_over_all``) persists them for everyone else to see.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from badges.cycles import Cycle, cycle_at
from badges.exceptions import Busy
from badges.models import (
    Badge,
    FixedWindowConfig,
    FixedWindowCycle,
    FixedWindowStatus,
    IssueExpiryType,
    IssueType,
    LimitScope,
)
from badges.services.locking import lock_badge
from badges.values import FixedWindow


def cycles_until(badge: Badge) -> datetime | None:
    """Cycles end at the badge end, except for ISSUE badges whose issuances never expire."""
    if badge.issue_type == IssueType.ISSUE and badge.issue_expiry_type == IssueExpiryType.NEVER:
        return None
    return badge.expires_on


def config_status(config: FixedWindowConfig, siblings: list[FixedWindowConfig], now: datetime):
    """Derive a config's status from the clock: UPCOMING before its start, EXPIRED once it has
    stopped applying (see ``config_ends_on``), ACTIVE in between. A late rollover job never
    changes an answer."""
    if config.starts_on > now:
        return FixedWindowStatus.UPCOMING
    ends_on = config_ends_on(config, siblings)
    if ends_on is not None and ends_on <= now:
        return FixedWindowStatus.EXPIRED
    return FixedWindowStatus.ACTIVE


def config_ends_on(config: FixedWindowConfig, siblings: list[FixedWindowConfig]):
    """When a config stops applying: its removal, its successor's start or the end of the
    badge's cycles (None for cycles without end)."""
    later = [
        other.starts_on
        for other in siblings
        if other.scope == config.scope and other.starts_on > config.starts_on
    ]
    candidates = [*later, config.ended_on, cycles_until(config.badge)]
    return min((c for c in candidates if c is not None), default=None)


def config_cycle_at(
    config: FixedWindowConfig, siblings: list[FixedWindowConfig], instant: datetime
) -> Cycle | None:
    """The config's cycle holding ``instant``, cut where the config stops applying."""
    return cycle_at(
        instant,
        window=config.as_value(),
        starts_on=config.starts_on,
        until=config_ends_on(config, siblings),
        tz=config.badge.org.tzinfo,
    )


@dataclass(frozen=True)
class ConfigState:
    """A config as a read shows it at one instant."""

    config: FixedWindowConfig
    status: FixedWindowStatus
    ends_on: datetime | None
    current_cycle: Cycle | None
    next_cycle: Cycle | None


def config_states(configs: list[FixedWindowConfig], now: datetime) -> list[ConfigState]:
    """The configs of one badge with their status, end, and current and next cycles at ``now``,
    in (scope, start) order. Query-free when each config's badge and org are loaded."""
    states = []
    for config in sorted(configs, key=lambda c: (c.scope, c.starts_on)):
        status = config_status(config, configs, now)
        current = next_cycle = None
        if status == FixedWindowStatus.ACTIVE:
            current = config_cycle_at(config, configs, now)
            if current is not None and current.end is not None:
                next_cycle = config_cycle_at(config, configs, current.end)
        elif status == FixedWindowStatus.UPCOMING:
            next_cycle = config_cycle_at(config, configs, config.starts_on)
        states.append(
            ConfigState(
                config=config,
                status=status,
                ends_on=config_ends_on(config, configs),
                current_cycle=current,
                next_cycle=next_cycle,
            )
        )
    return states


def _configs_of(badge: Badge) -> list[FixedWindowConfig]:
    configs = list(FixedWindowConfig.objects.filter(badge=badge).order_by("scope", "starts_on"))
    for config in configs:
        config.badge = badge
    return configs


def _persist_statuses(configs: list[FixedWindowConfig], states: dict[int, ConfigState]) -> None:
    """Store each config's derived status. Every changed config is first stored EXPIRED, then
    the new ACTIVE and UPCOMING ones are promoted, so no write ever holds two ACTIVE or two
    UPCOMING configs of one limit set, whatever the stored statuses were."""
    changed = {c.pk: states[c.pk].status for c in configs if states[c.pk].status != c.status}
    if not changed:
        return
    FixedWindowConfig.objects.filter(pk__in=list(changed)).update(status=FixedWindowStatus.EXPIRED)
    for target in (FixedWindowStatus.ACTIVE, FixedWindowStatus.UPCOMING):
        promoted = [pk for pk, status in changed.items() if status == target]
        if promoted:
            FixedWindowConfig.objects.filter(pk__in=promoted).update(status=target)
    for config in configs:
        config.status = states[config.pk].status


def fixed_windows_roll_over(*, badge: Badge, now: datetime) -> None:
    """Persist the derived status of the badge's configs and record the current and next cycles
    of those not yet expired. Idempotent: a second run at the same instant writes nothing."""
    configs = _configs_of(badge)
    states = {state.config.pk: state for state in config_states(configs, now)}
    not_expired = [c for c in configs if c.status != FixedWindowStatus.EXPIRED]
    _persist_statuses(configs, states)
    for config in not_expired:
        _record_cycles(states[config.pk], now)


def _record_cycles(state: ConfigState, now: datetime) -> None:
    """Record the config's current and next cycles; drop recorded cycles that have not begun and
    that it no longer has (a moved start, a successor taking over, a shortened badge)."""
    expected = {c.start: c.end for c in (state.current_cycle, state.next_cycle) if c is not None}
    recorded = {cycle.starts_on: cycle for cycle in state.config.cycles.all()}
    stale = [cycle.pk for start, cycle in recorded.items() if start > now and start not in expected]
    if stale:
        FixedWindowCycle.objects.filter(pk__in=stale).delete()
    changed = [
        FixedWindowCycle(config=state.config, starts_on=start, ends_on=end)
        for start, end in expected.items()
        if start not in recorded or recorded[start].ends_on != end
    ]
    if changed:
        FixedWindowCycle.objects.bulk_create(
            changed,
            update_conflicts=True,
            unique_fields=["config", "starts_on"],
            update_fields=["ends_on"],
        )


def fixed_windows_roll_over_all(*, now: datetime) -> int:
    """The rollover job: roll over every badge with a config not yet stored EXPIRED, each in
    its own transaction under the badge's lock. Safe to run twice at once and to re-run after
    a crash; a badge locked for longer than the lock timeout is left for the next run.
    Answers how many badges were rolled over."""
    badge_ids = (
        FixedWindowConfig.objects.exclude(status=FixedWindowStatus.EXPIRED)
        .order_by("badge_id")
        .values_list("badge_id", flat=True)
        .distinct()
    )
    rolled = 0
    for badge_id in list(badge_ids):
        try:
            with transaction.atomic():
                badge = Badge.objects.select_related("org").get(pk=badge_id)
                lock_badge(badge)
                fixed_windows_roll_over(badge=badge, now=now)
        except Busy:
            continue
        rolled += 1
    return rolled


def _create(
    badge: Badge,
    scope: LimitScope,
    window: FixedWindow,
    starts_on: datetime,
    siblings: list[FixedWindowConfig],
    now: datetime,
) -> None:
    config = FixedWindowConfig(
        badge=badge,
        scope=scope,
        max_earn_limit=window.max_earn_limit,
        duration_type=window.duration_type,
        refresh_rate=window.refresh_rate,
        week_start_day=window.week_start_day or "",
        starts_on=starts_on,
        created_on=now,
    )
    config.status = config_status(config, [*siblings, config], now)
    config.save()


def _set_limit(config: FixedWindowConfig, window: FixedWindow) -> None:
    if config.max_earn_limit != window.max_earn_limit:
        config.max_earn_limit = window.max_earn_limit
        config.save(update_fields=["max_earn_limit"])


def config_in_force(
    configs: list[FixedWindowConfig], scope: LimitScope, instant: datetime
) -> FixedWindowConfig | None:
    """The config of ``scope`` that governs event dates at ``instant``: the latest started one,
    unless it was removed by then."""
    started = [c for c in configs if c.scope == scope and c.starts_on <= instant]
    latest = max(started, key=lambda c: c.starts_on, default=None)
    return None if latest is None or latest.has_ended(instant) else latest


def fixed_window_apply(
    *, badge: Badge, scope: LimitScope, window: FixedWindow | None, now: datetime
) -> None:
    """Make ``window`` the fixed window of ``badge``'s ``scope`` limit set (SPEC 6 lifecycle).

    The config a change is weighed against is the one in force now or, once the badge's cycles
    have ended, the one in force at their end. Runs under the badge's lock.
    """
    every_scope = _configs_of(badge)
    _persist_statuses(every_scope, {s.config.pk: s for s in config_states(every_scope, now)})
    configs = [c for c in every_scope if c.scope == scope]
    if now < badge.start_on:
        FixedWindowConfig.objects.filter(pk__in=[c.pk for c in configs]).delete()
        if window is not None:
            _create(badge, scope, window, badge.start_on, [], now)
    else:
        _apply_to_started_badge(badge, scope, window, configs, now)
    fixed_windows_roll_over(badge=badge, now=now)


def _apply_to_started_badge(
    badge: Badge,
    scope: LimitScope,
    window: FixedWindow | None,
    configs: list[FixedWindowConfig],
    now: datetime,
) -> None:
    until = cycles_until(badge)
    last_moment = now if until is None or now < until else until - timedelta(microseconds=1)
    current = config_in_force(configs, scope, last_moment)
    upcoming = next((c for c in configs if c.starts_on > now), None)

    if upcoming is not None and window is not None and upcoming.as_value().same_cycles_as(window):
        _set_limit(upcoming, window)
        return
    if upcoming is not None:
        upcoming.delete()
        configs.remove(upcoming)
    if window is None:
        if current is not None:
            _remove(current, now)
    elif current is None:
        _create(badge, scope, window, _restart(badge, configs), configs, now)
    elif current.as_value().same_cycles_as(window):
        _set_limit(current, window)
    else:
        _create(badge, scope, window, _current_cycle_end(current, now), configs, now)


def _remove(current: FixedWindowConfig, now: datetime) -> None:
    """A removed window governs no event date from now on; one that never applied leaves no
    trace."""
    if current.starts_on >= now:
        current.delete()
        return
    current.ended_on = now
    current.status = FixedWindowStatus.EXPIRED
    current.save(update_fields=["ended_on", "status"])
    current.cycles.filter(starts_on__gte=now).delete()
    current.cycles.filter(Q(ends_on__isnull=True) | Q(ends_on__gt=now)).update(ends_on=now)


def _restart(badge: Badge, configs: list[FixedWindowConfig]) -> datetime:
    """A window added to a limit set without one covers the time since the last one was
    removed, or the whole badge period: retro issues of earlier event dates see it too."""
    return max((c.ended_on for c in configs if c.ended_on is not None), default=badge.start_on)


def _current_cycle_end(current: FixedWindowConfig, now: datetime) -> datetime:
    """The end of the config's cycle holding ``now``, as if its cycles ran on past the badge
    end: on an ended badge a cycle change is UPCOMING too (SPEC 6)."""
    cycle = cycle_at(
        now,
        window=current.as_value(),
        starts_on=current.starts_on,
        until=None,
        tz=current.badge.org.tzinfo,
    )
    return cycle.end


def fixed_windows_follow_start(*, badge: Badge) -> None:
    """While a badge is upcoming its single config starts with it: keep them together."""
    badge.fixed_window_configs.update(starts_on=badge.start_on)
    FixedWindowCycle.objects.filter(config__badge=badge).delete()
