"""SPEC 7: retroactive enrolment and issue, one test per row of its table and per rule above it.

The badge of seeds 002/003 runs Oct 1-15 in an org on Asia/Kolkata time; enrolments and
issuances are valid 2 days; the retro window is 30 days.
"""

import itertools
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from badges.models import Issuance, IssueType
from badges.services.definitions import badge_update
from badges.services.enrolment import EnrolOrder, enrol
from badges.services.issuance import IssueOrder, issue
from tests.factories import (
    BadgeFactory,
    CustomerFactory,
    FixedWindowConfigFactory,
    IssuanceFactory,
    OrganizationFactory,
    RollingLimitFactory,
)

pytestmark = pytest.mark.django_db

KOLKATA = ZoneInfo("Asia/Kolkata")


def oct_(day: int, hour: int = 12, minute: int = 0) -> datetime:
    return datetime(2026, 10, day, hour, minute, tzinfo=KOLKATA)


LIVE = oct_(13)  # the badge is live
ENDED = oct_(20)  # the badge has ended


@pytest.fixture
def org():
    return OrganizationFactory(timezone="Asia/Kolkata", retro_max_allowed_age_days=30)


def october_badge(org, issue_type, **fields):
    extra = (
        {"enrolment_expiry_type": "RELATIVE", "enrolment_expiry_value": 2}
        | {"enrolment_expiry_unit": "DAYS"}
        if issue_type == IssueType.ENROL_ISSUE
        else {}
    )
    return BadgeFactory(
        org=org,
        issue_type=issue_type,
        start_on=oct_(1, 0),
        expires_on=oct_(16, 0),
        issue_expiry_type="RELATIVE",
        issue_expiry_value=2,
        issue_expiry_unit="DAYS",
        **extra,
        **fields,
    )


@pytest.fixture
def enrol_issue_badge(org):
    return october_badge(org, IssueType.ENROL_ISSUE)


@pytest.fixture
def issue_badge(org):
    return october_badge(org, IssueType.ISSUE)


def enrol_at(badge, now, event_date, customer="c-1"):
    [outcome] = enrol(
        badge=badge,
        customer_ids=[customer],
        now=now,
        order=EnrolOrder(enrol_event_date=event_date),
    )
    assert outcome.refusal is None, outcome.refusal
    return outcome.enrolment


REQUEST_IDS = itertools.count()


def issue_at(badge, now, event_date, customer="c-1", **order):
    request_id = f"r-{next(REQUEST_IDS)}"
    [outcome] = issue(
        badge=badge,
        customer_ids=[customer],
        order=IssueOrder(request_id=request_id, event_date=event_date, **order),
        now=now,
    )
    return outcome


def code(outcome) -> str | None:
    return outcome.refusal.code if outcome.refusal else None


# The table, row by row -----------------------------------------------------------------------


@pytest.mark.parametrize("issue_type", [IssueType.ENROL_ISSUE, IssueType.ISSUE])
def test_upcoming_badge_of_any_type_gets_no_retro_handling(org, issue_type):
    badge = october_badge(org, issue_type)
    assert code(issue_at(badge, oct_(1, 0) - timedelta(days=1), oct_(1, 0))) == "BADGE_UPCOMING"
    [enrolled] = enrol(badge=badge, customer_ids=["c-1"], now=oct_(1, 0) - timedelta(days=1))
    assert enrolled.refusal.code in {"BADGE_UPCOMING", "BADGE_NOT_ENROLLABLE"}


def test_live_enrol_issue_issues_inside_an_enrolment_not_yet_expired(enrol_issue_badge):
    enrol_at(enrol_issue_badge, oct_(12), oct_(12, 9))
    outcome = issue_at(enrol_issue_badge, LIVE, oct_(12, 10))
    assert outcome.status == "ISSUED"
    assert outcome.issuance.event_date == oct_(12, 10)


def test_live_enrol_issue_gives_an_expired_enrolment_no_retro_handling(enrol_issue_badge):
    enrol_at(enrol_issue_badge, oct_(5), oct_(5, 9))  # valid until Oct 7 09:00
    assert code(issue_at(enrol_issue_badge, LIVE, oct_(6))) == "ENROLMENT_EXPIRED"

    enrol_at(enrol_issue_badge, LIVE, oct_(12))  # enrolled again: normal rules from now on
    assert code(issue_at(enrol_issue_badge, LIVE, oct_(6))) == "ENROLMENT_EXPIRED"
    assert issue_at(enrol_issue_badge, LIVE, oct_(13, 9)).status == "ISSUED"


def test_live_issue_badge_issues_retro_events_directly(issue_badge):
    outcome = issue_at(issue_badge, LIVE, oct_(3))
    assert outcome.status == "ISSUED"
    assert (outcome.issuance.issued_on, outcome.issuance.event_date) == (LIVE, oct_(3))


def test_ended_enrol_issue_issues_inside_an_enrolment_that_has_expired_since(enrol_issue_badge):
    enrol_at(enrol_issue_badge, oct_(10), oct_(10, 9))  # valid until Oct 12 09:00
    assert issue_at(enrol_issue_badge, ENDED, oct_(11)).status == "ISSUED"
    assert code(issue_at(enrol_issue_badge, ENDED, oct_(14), "c-1")) == "ENROLMENT_EXPIRED"


def test_ended_enrol_issue_without_enrolment_enrols_first_then_issues(enrol_issue_badge):
    assert code(issue_at(enrol_issue_badge, ENDED, oct_(11))) == "NOT_ENROLLED"

    [outside] = enrol(
        badge=enrol_issue_badge,
        customer_ids=["c-1"],
        now=ENDED,
        order=EnrolOrder(enrol_event_date=oct_(17)),
    )
    assert outside.refusal.code == "EVENT_DATE_OUTSIDE_BADGE_PERIOD"
    enrolment = enrol_at(enrol_issue_badge, ENDED, oct_(10))
    assert enrolment.expires_on == oct_(12)

    assert code(issue_at(enrol_issue_badge, ENDED, oct_(9))) == "NOT_ENROLLED", "before it"
    assert code(issue_at(enrol_issue_badge, ENDED, oct_(12, 13))) == "ENROLMENT_EXPIRED"
    assert issue_at(enrol_issue_badge, ENDED, oct_(11)).status == "ISSUED"


def test_ended_issue_badge_issues_directly_inside_the_period_and_the_retro_window(org, issue_badge):
    assert issue_at(issue_badge, ENDED, oct_(15)).status == "ISSUED"
    assert code(issue_at(issue_badge, ENDED, oct_(16, 1), "c-2")) == (
        "EVENT_DATE_OUTSIDE_BADGE_PERIOD"
    )
    org.retro_max_allowed_age_days = 5
    org.save()
    assert code(issue_at(issue_badge, ENDED, oct_(14), "c-3")) == "RETRO_WINDOW_EXCEEDED"


# The rules above the table -------------------------------------------------------------------


def test_event_date_decides_eligibility_and_processing_time_the_expiry(issue_badge):
    outcome = issue_at(issue_badge, ENDED, oct_(15, 23))
    assert outcome.issuance.issued_on == ENDED
    assert outcome.issuance.expires_on == oct_(22), "2 days from processing, not from the event"


def test_the_orgs_timezone_decides_what_today_is(org, issue_badge):
    """01:00 on Oct 10 in Kolkata is still Oct 9 in UTC: an event at 23:00 on Oct 9 (Kolkata) is
    retroactive, one at 00:30 on Oct 10 is not, and only retro issues wait for registration."""
    org.retro_delay_since_registration_hours = 24
    org.save()
    now = oct_(10, 1)
    for customer in ("late", "today"):
        CustomerFactory(org=org, customer_id=customer, registered_on=oct_(9, 22))
    assert code(issue_at(issue_badge, now, oct_(9, 23), "late")) == "REGISTRATION_DELAY"
    assert issue_at(issue_badge, now, oct_(10, 0, 30), "today").status == "ISSUED"


def test_an_event_at_local_midnight_today_is_not_retroactive(org, issue_badge):
    """Today starts at 00:00 Kolkata time: an event then is today's (no registration delay),
    one a microsecond earlier is yesterday's and retroactive."""
    org.retro_delay_since_registration_hours = 24
    org.save()
    for customer in ("yesterday", "today"):
        CustomerFactory(org=org, customer_id=customer, registered_on=oct_(9, 22))
    now, midnight = oct_(10, 1), oct_(10, 0)
    yesterday = issue_at(issue_badge, now, midnight - timedelta(microseconds=1), "yesterday")
    assert code(yesterday) == "REGISTRATION_DELAY"
    assert issue_at(issue_badge, now, midnight, "today").status == "ISSUED"


def test_the_retro_window_counts_back_from_now_in_whole_days(org, issue_badge):
    org.retro_max_allowed_age_days = 5
    org.save()
    now = oct_(18)
    assert code(issue_at(issue_badge, now, now - timedelta(days=5, seconds=1))) == (
        "RETRO_WINDOW_EXCEEDED"
    )
    assert issue_at(issue_badge, now, now - timedelta(days=5), "c-2").status == "ISSUED"


def test_extending_the_badge_end_extends_the_retro_window(org, issue_badge):
    """Retro issue of an ended badge is possible until its end plus the window."""
    org.retro_max_allowed_age_days = 5
    org.save()
    assert code(issue_at(issue_badge, oct_(21, 1), oct_(15, 23))) == "RETRO_WINDOW_EXCEEDED"

    badge = badge_update(badge=issue_badge, actor=None, now=oct_(19), expires_on=oct_(20, 0))
    assert issue_at(badge, oct_(24), oct_(19, 12), "c-2").status == "ISSUED"


def test_retro_issue_waits_for_the_registration_delay(org, issue_badge):
    org.retro_delay_since_registration_hours = 48
    org.save()
    CustomerFactory(org=org, customer_id="new", registered_on=oct_(19))
    refused = issue_at(issue_badge, ENDED, oct_(14), "new")
    assert refused.refusal.code == "REGISTRATION_DELAY"
    assert refused.refusal.details["next_eligible_at"] == oct_(21)
    assert issue_at(issue_badge, oct_(21), oct_(14), "new").status == "ISSUED"


def test_retro_issue_is_refused_until_the_last_instant_of_the_registration_delay(org, issue_badge):
    """Registered Oct 18 09:30 with a 48-hour delay: refused up to Oct 20 09:29:59.999999 (the
    refusal names Oct 20 09:30), issued from Oct 20 09:30 on, not an hour sooner or later."""
    org.retro_delay_since_registration_hours = 48
    org.save()
    CustomerFactory(org=org, customer_id="new", registered_on=oct_(18, 9, 30))
    ready = oct_(20, 9, 30)
    for now in (ready - timedelta(hours=1), ready - timedelta(microseconds=1)):
        refused = issue_at(issue_badge, now, oct_(14), "new")
        assert code(refused) == "REGISTRATION_DELAY", now
        assert refused.refusal.details == {"next_eligible_at": ready}
    assert issue_at(issue_badge, ready, oct_(14), "new").status == "ISSUED"


def test_fixed_windows_are_checked_at_the_event_dates_cycle(org, issue_badge):
    FixedWindowConfigFactory(badge=issue_badge, max_earn_limit=1, duration_type="DAYS")
    customer = CustomerFactory(org=org, customer_id="c-1")
    IssuanceFactory(
        badge=issue_badge,
        customer=customer,
        event_date=oct_(10),
        issued_on=oct_(10),
        expires_on=oct_(10, 13),
    )
    refused = issue_at(issue_badge, ENDED, oct_(12))
    assert refused.refusal.details["kind"] == "FIXED_WINDOW"
    assert refused.refusal.details["cycle"] == {"start": oct_(10, 0), "end": oct_(13, 0)}
    assert issue_at(issue_badge, ENDED, oct_(13)).status == "ISSUED", "the next cycle is free"


def test_a_fixed_window_does_not_count_issuances_dated_in_a_later_cycle(org, issue_badge):
    """1 per 3 days (Oct 1-3, 4-6, ...): an issuance dated Oct 5 fills Oct 4-6 only, so an
    event dated Oct 2 is still issued."""
    FixedWindowConfigFactory(badge=issue_badge, max_earn_limit=1, duration_type="DAYS")
    customer = CustomerFactory(org=org, customer_id="c-1")
    IssuanceFactory(
        badge=issue_badge,
        customer=customer,
        event_date=oct_(5),
        issued_on=oct_(5),
        expires_on=oct_(5, 13),
    )
    assert issue_at(issue_badge, ENDED, oct_(2)).status == "ISSUED"
    assert code(issue_at(issue_badge, ENDED + timedelta(days=3), oct_(4))) == (
        "CUSTOMER_LIMIT_REACHED"
    )


def test_rolling_windows_count_back_from_the_processing_time(org, issue_badge):
    """Seeds: rolling windows are not handled retroactively. An issuance processed on Oct 10 is
    outside a 3-day window on Oct 20, whatever the event dates."""
    RollingLimitFactory(badge=issue_badge, limit=1, value=3, unit="DAYS")
    customer = CustomerFactory(org=org, customer_id="c-1")
    IssuanceFactory(
        badge=issue_badge,
        customer=customer,
        event_date=oct_(11),
        issued_on=oct_(10),
        expires_on=oct_(10, 13),
    )
    assert issue_at(issue_badge, ENDED, oct_(11)).status == "ISSUED"
    refused = issue_at(issue_badge, ENDED + timedelta(days=2), oct_(12))
    assert refused.refusal.details["kind"] == "ROLLING"
    assert Issuance.objects.count() == 2
