"""When a failed webhook delivery is tried again (SPEC 13): the Standard Webhooks schedule.

The first attempt is made at once; after each failure the next waits for the schedule's delay,
scaled by a jitter factor the caller draws (so that the retries of many notifications that
failed together spread out), or longer when the receiver asked for it with ``Retry-After``.
After the last delay's attempt the notification has failed. Pure: no clock, no I/O.
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
MAX_DELAY = timedelta(hours=24)
JITTER_MIN, JITTER_MAX = 0.8, 1.2


def next_attempt_at(
    *,
    attempts_made: int,
    now: datetime,
    retry_after: timedelta | None = None,
    jitter: float,
    delays: Sequence[timedelta] = RETRY_DELAYS,
) -> datetime | None:
    """When to try again after ``attempts_made`` failed attempts, or None when none is left.
    ``retry_after`` (the receiver's ask) wins when longer than the jittered delay; no wait
    exceeds MAX_DELAY. ``delays`` is the schedule after the first attempt (an operator may
    set another, such as a shorter one for a staging receiver)."""
    if not JITTER_MIN <= jitter <= JITTER_MAX:
        raise ValueError(f"jitter must lie in [{JITTER_MIN}, {JITTER_MAX}], not {jitter}")
    if attempts_made < 1:
        raise ValueError("the first attempt is made at once, not scheduled")
    if attempts_made > len(delays):
        return None
    delay = delays[attempts_made - 1] * jitter
    if retry_after is not None and retry_after > delay:
        delay = retry_after
    return now + min(delay, MAX_DELAY)


def retry_after_delay(value: str | None, now: datetime) -> timedelta | None:
    """The wait a ``Retry-After`` header asks for, from ``now`` (aware): delta-seconds or an
    HTTP-date (RFC 9110 10.2.3), at most MAX_DELAY. None when missing, unreadable or not in
    the future."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        # Compared as text first: a long run of digits is a wait past any cap, not a number.
        seconds = int(value) if len(value) < 10 else MAX_DELAY.total_seconds()
        delay = timedelta(seconds=seconds)
    else:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        delay = (when if when.tzinfo else when.replace(tzinfo=UTC)) - now
    return min(delay, MAX_DELAY) if delay > timedelta(0) else None
