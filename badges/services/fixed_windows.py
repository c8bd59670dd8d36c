"""The lifecycle of fixed-window configs (SPEC 6): one config while the badge is upcoming; once
live, an ACTIVE config plus at most one UPCOMING one that starts when the current cycle ends.

What a config means at an instant is derived in ``badges.windows``. A definition change persists
the derived statuses before it writes, so that the stored ``status`` column, which carries the
one-ACTIVE and one-UPCOMING constraints, matches the derivation the change is based on; the
rollover job (``fixed_windows_roll_over_all``) persists them for everyone else to see.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q

from badges.cycles import cycle_at
from badges.exceptions import Busy
from badges.models import (
    Badge,
    FixedWindowConfig,
    FixedWindowCycle,
    FixedWindowStatus,
    LimitScope,
)
from badges.services.locking import badge_locked
from badges.values import FixedWindow
from badges.windows import (
    ConfigState,
    config_in_force,
    config_states,
    config_status,
    cycles_until,
)

logger = logging.getLogger(__name__)


def _configs_of(badge: Badge) -> list[FixedWindowConfig]:
    configs = list(FixedWindowConfig.objects.filter(badge=badge).order_by("scope", "starts_on"))
    for config in configs:
        config.badge = badge
    return configs


def _not_before_last_change(configs: list[FixedWindowConfig], now: datetime) -> datetime:
    """Configs are weighed no earlier than the newest was made: a caller whose clock lags (a
    request that waited for the badge lock, another host) never sees a world that had not yet
    decided what it has already stored."""
    return max([now, *(c.created_on for c in configs)])


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
    now = _not_before_last_change(configs, now)
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


@dataclass(frozen=True)
class RolloverRun:
    """What one run of the rollover job did."""

    rolled: int = 0
    busy: int = 0
    failed: int = 0


def fixed_windows_roll_over_all(*, clock: Callable[[], datetime]) -> RolloverRun:
    """The rollover job: roll over every badge with a config not yet stored EXPIRED, each in its
    own transaction under the badge's lock, at the time read from ``clock`` once the lock is
    held. Safe to run twice at once and to re-run after a crash; a badge locked for longer than
    the lock timeout is left for the next run, and one badge's failure stops no other."""
    badge_ids = list(
        FixedWindowConfig.objects.exclude(status=FixedWindowStatus.EXPIRED)
        .order_by("badge_id")
        .values_list("badge_id", flat=True)
        .distinct()
    )
    rolled = busy = failed = 0
    for badge_id in badge_ids:
        try:
            with transaction.atomic():
                badge = badge_locked(badge_id)
                if badge is not None:
                    fixed_windows_roll_over(badge=badge, now=clock())
                    rolled += 1
        except Busy:
            busy += 1
        except Exception:
            logger.exception("Fixed-window rollover failed for badge %s", badge_id)
            failed += 1
    return RolloverRun(rolled=rolled, busy=busy, failed=failed)


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


def fixed_window_apply(
    *, badge: Badge, scope: LimitScope, window: FixedWindow | None, now: datetime
) -> None:
    """Make ``window`` the fixed window of ``badge``'s ``scope`` limit set (SPEC 6 lifecycle).

    The config a change is weighed against is the one in force now or, once the badge's cycles
    have ended, the one in force at their end. Runs under the badge's lock.
    """
    every_scope = _configs_of(badge)
    now = _not_before_last_change(every_scope, now)
    _persist_statuses(every_scope, {s.config.pk: s for s in config_states(every_scope, now)})
    configs = [c for c in every_scope if c.scope == scope and not c.has_ended(now)]
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
    """``configs``: the scope's configs not removed, in start order.

    Of the configs starting after the weighed instant, the newest is the one the limit set shows
    and the one a change replaces or updates. There are more only when the badge's cycles ended
    before configs that began while its issues never expired: they govern nothing now, and are
    ended so that the limit set reads back as written."""
    until = cycles_until(badge)
    weighed_at = now if until is None or now < until else until - timedelta(microseconds=1)
    current = config_in_force(configs, scope, weighed_at, now)
    *begun_after_the_end, upcoming = [c for c in configs if c.starts_on > weighed_at] or [None]
    if begun_after_the_end:
        _remove(begun_after_the_end, now)
        configs = [c for c in configs if c not in begun_after_the_end]

    if upcoming is not None and window is not None and upcoming.as_value().same_cycles_as(window):
        _set_limit(upcoming, window)
        return
    if upcoming is not None:
        upcoming.delete()
        configs.remove(upcoming)
    if window is None:
        _remove(configs, now)
    elif current is None:
        _create(badge, scope, window, badge.start_on, configs, now)
    elif current.as_value().same_cycles_as(window):
        _set_limit(current, window)
    else:
        _create(badge, scope, window, _current_cycle_end(current, now), configs, now)


def _remove(configs: list[FixedWindowConfig], now: datetime) -> None:
    """Removing the fixed window lifts it for every issue processed from now on, whatever its
    event date: each config of the limit set is ended now, its running cycle cut."""
    for config in configs:
        config.ended_on = now
        config.status = FixedWindowStatus.EXPIRED
        config.save(update_fields=["ended_on", "status"])
        config.cycles.filter(starts_on__gte=now).delete()
        config.cycles.filter(Q(ends_on__isnull=True) | Q(ends_on__gt=now)).update(ends_on=now)


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
