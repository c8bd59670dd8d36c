"""Values in words, as the badge pages show them (SPEC 8: issue expiry in words)."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from badges.ui.display import (
    expiry_words,
    fixed_window_words,
    instant_words,
    rolling_words,
)
from badges.values import Expiry, FixedWindow, RollingWindow

KOLKATA = ZoneInfo("Asia/Kolkata")


@pytest.mark.parametrize(
    "expiry, words",
    [
        (Expiry(type="RELATIVE", value=1, unit="DAYS"), "1 day after issue"),
        (Expiry(type="RELATIVE", value=2, unit="WEEKS"), "2 weeks after issue"),
        (Expiry(type="RELATIVE", value=1, unit="MONTHS"), "1 month after issue"),
        (Expiry(type="BADGE_END"), "When the badge ends"),
        (Expiry(type="NEVER"), "Never expires"),
        (
            Expiry(type="FIXED_DATE", date=datetime(2026, 12, 31, 18, 30, tzinfo=UTC)),
            "On 1 Jan 2027, 00:00",  # midnight in the org's timezone
        ),
        (None, "—"),
    ],
)
def test_issue_expiry_in_words(expiry, words):
    assert expiry_words(expiry, KOLKATA, "issue") == words


def test_an_instant_is_shown_in_the_orgs_timezone():
    assert instant_words(datetime(2026, 11, 27, 8, 35, tzinfo=UTC), KOLKATA) == "27 Nov 2026, 14:05"
    assert instant_words(None, KOLKATA) == ""


def test_limits_in_words():
    assert rolling_words(RollingWindow(limit=2, value=7, unit="DAYS")) == "2 in any 7 days"
    assert (
        rolling_words(RollingWindow(limit=1000, value=1, unit="MONTHS")) == "1,000 in any 1 month"
    )
    assert fixed_window_words(FixedWindow(5, "WEEKS", 1, "MONDAY")) == (
        "5 per week, weeks start on Monday"
    )
    assert fixed_window_words(FixedWindow(5, "DAYS", 3)) == "5 per 3 days"
