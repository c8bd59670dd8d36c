"""The Standard Webhooks schedule: after the first attempt, retries wait 5 s, 5 min, 30 min,
2 h, 5 h, 10 h and 10 h, each scaled by the caller's jitter; the eighth failure is the last.
A longer Retry-After wins, and no wait exceeds 24 hours."""

import math
from datetime import UTC, datetime, timedelta

import pytest

from badges.webhooks.schedule import MAX_ATTEMPTS, MAX_DELAY, RETRY_DELAYS, next_attempt_at

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
SCHEDULE = [
    (1, timedelta(seconds=5)),
    (2, timedelta(minutes=5)),
    (3, timedelta(minutes=30)),
    (4, timedelta(hours=2)),
    (5, timedelta(hours=5)),
    (6, timedelta(hours=10)),
    (7, timedelta(hours=10)),
]


@pytest.mark.parametrize(("attempts_made", "delay"), SCHEDULE)
def test_each_retry_waits_its_delay_in_order(attempts_made, delay):
    assert next_attempt_at(attempts_made=attempts_made, now=NOW, jitter=1.0) == NOW + delay


def test_the_schedule_is_seven_retries_so_eight_attempts():
    assert list(RETRY_DELAYS) == [delay for _, delay in SCHEDULE]
    assert MAX_ATTEMPTS == 8


@pytest.mark.parametrize("attempts_made", [8, 9, 100])
def test_no_attempt_is_left_after_the_eighth(attempts_made):
    assert next_attempt_at(attempts_made=attempts_made, now=NOW, jitter=1.0) is None


def test_following_the_schedule_makes_eight_attempts():
    attempts, when = 1, NOW
    while (when := next_attempt_at(attempts_made=attempts, now=when, jitter=1.0)) is not None:
        attempts += 1
    assert attempts == 8


@pytest.mark.parametrize("attempts_made", [0, -1])
def test_the_first_attempt_is_not_scheduled(attempts_made):
    with pytest.raises(ValueError, match="at once"):
        next_attempt_at(attempts_made=attempts_made, now=NOW, jitter=1.0)


@pytest.mark.parametrize("jitter", [0.8, 0.9, 1.1, 1.2])
@pytest.mark.parametrize(("attempts_made", "delay"), SCHEDULE)
def test_jitter_scales_the_delay(attempts_made, delay, jitter):
    assert next_attempt_at(attempts_made=attempts_made, now=NOW, jitter=jitter) == NOW + (
        delay * jitter
    )


@pytest.mark.parametrize("jitter", [0.5, 0.79, 1.21, 2.0, 0.0, -1.0, math.nan, math.inf])
def test_jitter_outside_0_8_to_1_2_is_refused(jitter):
    with pytest.raises(ValueError, match="jitter"):
        next_attempt_at(attempts_made=1, now=NOW, jitter=jitter)


def test_a_longer_retry_after_wins():
    retry_after = timedelta(minutes=2)
    assert next_attempt_at(attempts_made=1, now=NOW, retry_after=retry_after, jitter=1.0) == (
        NOW + retry_after
    )


@pytest.mark.parametrize("retry_after", [timedelta(seconds=1), timedelta(seconds=5)])
def test_a_retry_after_no_longer_than_the_delay_does_not(retry_after):
    assert next_attempt_at(
        attempts_made=1, now=NOW, retry_after=retry_after, jitter=1.0
    ) == NOW + timedelta(seconds=5)


def test_retry_after_is_weighed_against_the_jittered_delay():
    """5 s x 1.2 = 6 s: a 5.5 s ask is shorter, a 6.5 s one longer."""
    ask = timedelta(seconds=5.5)
    assert next_attempt_at(attempts_made=1, now=NOW, retry_after=ask, jitter=1.2) == (
        NOW + timedelta(seconds=6)
    )
    ask = timedelta(seconds=6.5)
    assert next_attempt_at(attempts_made=1, now=NOW, retry_after=ask, jitter=1.2) == NOW + ask


@pytest.mark.parametrize(
    ("retry_after", "wait"),
    [
        (timedelta(hours=24) - timedelta(seconds=1), timedelta(hours=24) - timedelta(seconds=1)),
        (timedelta(hours=24), timedelta(hours=24)),
        (timedelta(hours=24, seconds=1), timedelta(hours=24)),
        (timedelta(days=30), timedelta(hours=24)),
    ],
)
def test_no_wait_exceeds_24_hours(retry_after, wait):
    assert timedelta(hours=24) == MAX_DELAY
    assert next_attempt_at(attempts_made=7, now=NOW, retry_after=retry_after, jitter=1.2) == (
        NOW + wait
    )


def test_retry_after_does_not_extend_the_schedule():
    retry_after = timedelta(hours=1)
    assert next_attempt_at(attempts_made=8, now=NOW, retry_after=retry_after, jitter=1.0) is None
