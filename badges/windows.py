"""What a badge's fixed-window configs mean at an instant (SPEC 6), derived from the clock.

A config governs the issues processed while it is not removed, for event dates from its start
until its successor's start or the end of the badge's cycles (``config_in_force``). Its status
is derived, never trusted from storage: UPCOMING before its start, EXPIRED once it has stopped
applying, ACTIVE in between. No database here: every function works on configs whose badge and
org are loaded, so reads, limit checks and the admin derive the same answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from badges.choices import FixedWindowStatus, IssueExpiryType, IssueType, LimitScope
from badges.cycles import Cycle, cycle_at

if TYPE_CHECKING:
    from badges.models import Badge, FixedWindowConfig


def cycles_until(badge: Badge) -> datetime | None:
    """Cycles end at the badge end, except for ISSUE badges whose issuances never expire."""
    if badge.issue_type == IssueType.ISSUE and badge.issue_expiry_type == IssueExpiryType.NEVER:
        return None
    return badge.expires_on


def config_status(
    config: FixedWindowConfig, siblings: list[FixedWindowConfig], now: datetime
) -> FixedWindowStatus:
    """Derive a config's status from the clock: UPCOMING before its start, EXPIRED once it has
    stopped applying (removed, succeeded, or its cycles over), ACTIVE in between. A late
    rollover job never changes an answer."""
    if config.has_ended(now):
        return FixedWindowStatus.EXPIRED
    if config.starts_on > now:
        return FixedWindowStatus.UPCOMING
    ends_on = config_ends_on(config, siblings)
    if ends_on is not None and ends_on <= now:
        return FixedWindowStatus.EXPIRED
    return FixedWindowStatus.ACTIVE


def config_ends_on(config: FixedWindowConfig, siblings: list[FixedWindowConfig]) -> datetime | None:
    """The end of the event dates a config governs: its removal, its successor's start or the end
    of the badge's cycles (None for cycles without end); never before its own start."""
    later = [
        other.starts_on
        for other in siblings
        if other.scope == config.scope and other.starts_on > config.starts_on
    ]
    candidates = [*later, config.ended_on, cycles_until(config.badge)]
    ends_on = min((c for c in candidates if c is not None), default=None)
    return None if ends_on is None else max(ends_on, config.starts_on)


def config_in_force(
    configs: list[FixedWindowConfig], scope: LimitScope, event_date: datetime, now: datetime
) -> FixedWindowConfig | None:
    """The config of ``scope`` that governs an issue processed at ``now`` for ``event_date``:
    of those not removed by ``now``, the latest started by ``event_date``."""
    started = [
        c
        for c in configs
        if c.scope == scope and c.starts_on <= event_date and not c.has_ended(now)
    ]
    return max(started, key=lambda c: (c.starts_on, c.created_on), default=None)


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


def counted_span(badge: Badge, cycle: Cycle) -> Cycle:
    """The event dates a cycle counts: its own, and for the badge's first and last cycles also
    those before and after the badge's cycles (customer-care issues dated outside the period
    count in the nearest cycle, SPEC 7)."""
    until = cycles_until(badge)
    return Cycle(
        start=None if cycle.start <= badge.start_on else cycle.start,
        end=None if cycle.end is None or (until is not None and cycle.end >= until) else cycle.end,
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
    in (scope, start) order."""
    states = []
    for config in sorted(configs, key=lambda c: (c.scope, c.starts_on, c.created_on)):
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
