"""The lifecycle of fixed-window configs (SPEC 6): one config while the badge is upcoming; once
live, an ACTIVE config plus at most one UPCOMING one that starts when the current cycle ends."""

from datetime import datetime, timedelta

from badges.cycles import cycle_at
from badges.models import (
    Badge,
    FixedWindowConfig,
    FixedWindowStatus,
    IssueExpiryType,
    IssueType,
    LimitScope,
)
from badges.values import FixedWindow


def cycles_until(badge: Badge) -> datetime | None:
    """Cycles end at the badge end, except for ISSUE badges whose issuances never expire."""
    if badge.issue_type == IssueType.ISSUE and badge.issue_expiry_type == IssueExpiryType.NEVER:
        return None
    return badge.expires_on


def config_status(config: FixedWindowConfig, siblings: list[FixedWindowConfig], now: datetime):
    """Derive a config's status from the clock: a late rollover job never changes an answer."""
    if config.has_ended(now):
        return FixedWindowStatus.EXPIRED
    if config.starts_on > now:
        return FixedWindowStatus.UPCOMING
    superseded = any(
        other.starts_on > config.starts_on and other.starts_on <= now
        for other in siblings
        if other.scope == config.scope and other.pk != config.pk
    )
    return FixedWindowStatus.EXPIRED if superseded else FixedWindowStatus.ACTIVE


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


def _create(badge: Badge, scope: LimitScope, window: FixedWindow, starts_on: datetime, now):
    FixedWindowConfig.objects.create(
        badge=badge,
        scope=scope,
        max_earn_limit=window.max_earn_limit,
        duration_type=window.duration_type,
        refresh_rate=window.refresh_rate,
        week_start_day=window.week_start_day or "",
        starts_on=starts_on,
        created_on=now,
    )


def _set_limit(config: FixedWindowConfig, window: FixedWindow) -> None:
    if config.max_earn_limit != window.max_earn_limit:
        config.max_earn_limit = window.max_earn_limit
        config.save(update_fields=["max_earn_limit"])


def fixed_window_apply(
    *, badge: Badge, scope: LimitScope, window: FixedWindow | None, now: datetime
) -> None:
    """Make ``window`` the fixed window of ``badge``'s ``scope`` limit set from now on."""
    configs = list(badge.fixed_window_configs.filter(scope=scope).order_by("starts_on"))
    if now < badge.start_on:
        FixedWindowConfig.objects.filter(pk__in=[c.pk for c in configs]).delete()
        if window is not None:
            _create(badge, scope, window, badge.start_on, now)
        return

    statuses = {c.pk: config_status(c, configs, now) for c in configs}
    active = next((c for c in configs if statuses[c.pk] == FixedWindowStatus.ACTIVE), None)
    upcoming = next((c for c in configs if statuses[c.pk] == FixedWindowStatus.UPCOMING), None)

    if upcoming is not None and window is not None and upcoming.as_value().same_cycles_as(window):
        _set_limit(upcoming, window)
        return
    if upcoming is not None:
        upcoming.delete()
    if window is None:
        if active is not None:
            active.ended_on = now
            active.save(update_fields=["ended_on"])
    elif active is None:
        _create(badge, scope, window, now, now)
    elif active.as_value().same_cycles_as(window):
        _set_limit(active, window)
    else:
        _create(badge, scope, window, _current_cycle_end(badge, active, now), now)


def _current_cycle_end(badge: Badge, active: FixedWindowConfig, now: datetime) -> datetime:
    until = cycles_until(badge)
    instant = now if until is None else min(now, until - timedelta(microseconds=1))
    cycle = cycle_at(
        instant,
        window=active.as_value(),
        starts_on=active.starts_on,
        until=until,
        tz=badge.org.tzinfo,
    )
    return cycle.end if cycle is not None and cycle.end is not None else now


def fixed_windows_follow_start(*, badge: Badge) -> None:
    """While a badge is upcoming its single config starts with it: keep them together."""
    badge.fixed_window_configs.update(starts_on=badge.start_on)
