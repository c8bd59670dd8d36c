"""Plain value types that every face hands to the services (no ORM, no request)."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Expiry:
    """An enrolment or issue expiry: RELATIVE (value, unit), FIXED_DATE (date), BADGE_END, NEVER."""

    type: str
    value: int | None = None
    unit: str | None = None
    date: datetime | None = None


@dataclass(frozen=True)
class RollingWindow:
    """At most ``limit`` issuances in the last ``value`` ``unit``s."""

    limit: int
    value: int
    unit: str


@dataclass(frozen=True)
class FixedWindow:
    """At most ``max_earn_limit`` issuances per cycle of ``refresh_rate`` ``duration_type``s."""

    max_earn_limit: int
    duration_type: str
    refresh_rate: int
    week_start_day: str | None = None

    def same_cycles_as(self, other: "FixedWindow") -> bool:
        return (self.duration_type, self.refresh_rate, self.week_start_day) == (
            other.duration_type,
            other.refresh_rate,
            other.week_start_day,
        )


@dataclass(frozen=True)
class LimitSet:
    """One limit set (customer or badge): overall, rolling windows and one fixed window."""

    overall: int | None = None
    rolling: tuple[RollingWindow, ...] = ()
    fixed_window: FixedWindow | None = None


@dataclass(frozen=True)
class Benefit:
    type: str
    reference_id: str
    name: str
    details: dict[str, Any] = field(default_factory=dict)
