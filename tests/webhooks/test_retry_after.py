"""A Retry-After header is read as RFC 9110 writes it, delta-seconds or an HTTP-date, relative to
now; anything else, and any wait not in the future, is no ask at all. Asks past 24 hours are 24."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from badges.webhooks.schedule import MAX_DELAY, retry_after_delay

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def http_date(instant: datetime) -> str:
    return format_datetime(instant, usegmt=True)


@pytest.mark.parametrize(
    ("value", "delay"),
    [
        ("1", timedelta(seconds=1)),
        ("120", timedelta(seconds=120)),
        (" 30 ", timedelta(seconds=30)),
        ("0120", timedelta(seconds=120)),
        ("86399", timedelta(seconds=86399)),
        ("86400", MAX_DELAY),
        ("86401", MAX_DELAY),
        ("999999999", MAX_DELAY),
        ("9" * 5000, MAX_DELAY),
    ],
)
def test_delta_seconds(value, delay):
    assert retry_after_delay(value, NOW) == delay


@pytest.mark.parametrize(
    ("offset", "delay"),
    [
        (timedelta(seconds=1), timedelta(seconds=1)),
        (timedelta(minutes=2), timedelta(minutes=2)),
        (timedelta(hours=24), MAX_DELAY),
        (timedelta(days=3), MAX_DELAY),
    ],
)
def test_an_http_date_is_a_wait_from_now(offset, delay):
    assert retry_after_delay(http_date(NOW + offset), NOW) == delay


@pytest.mark.parametrize(
    "value",
    [
        "Friday, 27-Nov-26 12:02:00 GMT",  # RFC 850
        "Fri Nov 27 12:02:00 2026",  # asctime, read as GMT
    ],
)
def test_the_obsolete_http_date_forms_are_read_too(value):
    assert retry_after_delay(value, NOW) == timedelta(minutes=2)


@pytest.mark.parametrize("value", [None, "", "   ", "0", "soon", "-5", "1.5", "2 minutes", "١٢٠"])
def test_missing_garbage_or_no_wait_is_none(value):
    assert retry_after_delay(value, NOW) is None


@pytest.mark.parametrize("offset", [timedelta(0), -timedelta(seconds=1), -timedelta(days=1)])
def test_a_date_not_in_the_future_is_none(offset):
    assert retry_after_delay(http_date(NOW + offset), NOW) is None


@pytest.mark.parametrize(
    "value", ["Fri, 27 Nov 2026 25:02:00 GMT", "Fri, 99 Nov 2026 12:02:00 GMT", "Fri, 27 Nov"]
)
def test_an_impossible_date_is_none(value):
    assert retry_after_delay(value, NOW) is None
