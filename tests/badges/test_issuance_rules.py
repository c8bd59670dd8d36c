"""SPEC 5: the checks of an issue, in order, with their refusal codes, and what an issuance
records. Through the issuance service, with the clock passed in."""

import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from badges.exceptions import RuleViolation
from badges.models import Customer, Issuance, IssueRequest, LimitScope
from badges.services.issuance import IssueOrder, TriggeredBy, issuance_revoke, issue
from tests.factories import (
    BadgeBenefitFactory,
    BadgeClaimFactory,
    BadgeFactory,
    CustomerFactory,
    EnrolmentFactory,
    FixedWindowConfigFactory,
    IssuanceFactory,
    OrganizationFactory,
    RollingLimitFactory,
)

pytestmark = pytest.mark.django_db

DAY = timedelta(days=1)
REQUEST_IDS = itertools.count()


def sept(day, hour=12) -> datetime:
    return datetime(2026, 9, day, hour, tzinfo=UTC)


@pytest.fixture
def org():
    return OrganizationFactory(timezone="UTC")


@pytest.fixture
def september_badge(org):
    """Seed 000: available Sept 1-30, issuances expire 2 weeks after they are issued."""
    return BadgeFactory(
        org=org,
        start_on=datetime(2026, 9, 1, tzinfo=UTC),
        expires_on=datetime(2026, 10, 1, tzinfo=UTC),
        issue_expiry_type="RELATIVE",
        issue_expiry_value=2,
        issue_expiry_unit="WEEKS",
    )


def daily_badge(org, **fields):
    """A September badge whose issuances last a day, so limits bite before overlaps."""
    return BadgeFactory(
        org=org, start_on=sept(1), expires_on=sept(30), issued_for_a_day=True, **fields
    )


def issue_one(badge, now, customer="c-1", request_id=None, **order):
    order.setdefault("event_date", None)
    [outcome] = issue(
        badge=badge,
        customer_ids=[customer],
        order=IssueOrder(request_id=request_id or f"r-{next(REQUEST_IDS)}", **order),
        now=now,
    )
    return outcome


def code(outcome) -> str | None:
    return outcome.refusal.code if outcome.refusal else None


def test_worked_example_of_seed_000(september_badge):
    first = issue_one(september_badge, sept(2))
    assert first.status == "ISSUED"
    assert first.issuance.expires_on == sept(16)
    assert code(issue_one(september_badge, sept(10))) == "OVERLAPPING_ISSUANCE"
    third = issue_one(september_badge, sept(17))
    assert third.status == "ISSUED"
    assert third.issuance.expires_on == datetime(2026, 10, 1, 12, tzinfo=UTC)
    assert first.issuance.issual_id != third.issuance.issual_id
    assert Issuance.objects.count() == 2


def test_validity_is_half_open(september_badge):
    issue_one(september_badge, sept(2))
    assert issue_one(september_badge, sept(16)).status == "ISSUED"


def test_a_new_issuance_may_end_exactly_when_a_held_one_starts(org, september_badge):
    """Half-open at both ends: issued Sept 3 for 2 weeks, it ends Sept 17, when an imported
    issuance starts; a day later it would overlap it."""
    customer = CustomerFactory(org=org, customer_id="c-1")
    IssuanceFactory(badge=september_badge, customer=customer, source="IMPORT", issued_on=sept(17))
    assert code(issue_one(september_badge, sept(4))) == "OVERLAPPING_ISSUANCE"
    assert issue_one(september_badge, sept(3)).status == "ISSUED"


def test_an_overlap_with_a_never_expiring_issuance_never_reopens(org, september_badge):
    customer = CustomerFactory(org=org, customer_id="c-1")
    IssuanceFactory(badge=september_badge, customer=customer, issued_on=sept(2), expires_on=sept(4))
    IssuanceFactory(badge=september_badge, customer=customer, source="IMPORT", issued_on=sept(6))
    refused = issue_one(september_badge, sept(3))
    assert code(refused) == "OVERLAPPING_ISSUANCE"
    assert refused.refusal.details == {"next_eligible_at": None}


def test_an_issuance_records_what_happened(september_badge):
    BadgeBenefitFactory(badge=september_badge, reference_id="P-100", name="100 points")
    BadgeClaimFactory(badge=september_badge, module="LOYALTY", reference="Program")
    outcome = issue_one(
        september_badge,
        sept(5),
        request_id="req-1",
        event_date=sept(4),
        triggered_by=TriggeredBy("LOYALTY", "Program"),
        source="EVENT",
    )
    issuance = Issuance.objects.get(issual_id=outcome.issuance.issual_id)
    assert (issuance.event_date, issuance.issued_on) == (sept(4), sept(5))
    assert issuance.expires_on == sept(19), "expiry counts from processing, not the event"
    assert issuance.triggered_by == {"module": "LOYALTY", "reference": "Program"}
    assert (issuance.source, issuance.request_id) == ("EVENT", "req-1")
    assert issuance.benefits == [
        {"type": "POINTS", "reference_id": "P-100", "name": "100 points", "details": {}}
    ]
    assert issuance.status_at(sept(5)) == "ACTIVE"
    assert issuance.status_at(sept(19)) == "EXPIRED"
    assert Customer.objects.get().customer_id == "c-1"


@pytest.mark.parametrize(
    ("expiry", "expected"),
    [
        ({"issue_expiry_type": "NEVER"}, None),
        ({"issue_expiry_type": "BADGE_END"}, datetime(2026, 10, 1, tzinfo=UTC)),
        (
            {
                "issue_expiry_type": "FIXED_DATE",
                "issue_expiry_date": datetime(2026, 12, 31, tzinfo=UTC),
            },
            datetime(2026, 12, 31, tzinfo=UTC),
        ),
        (
            {"issue_expiry_type": "RELATIVE", "issue_expiry_value": 3, "issue_expiry_unit": "DAYS"},
            sept(8),
        ),
        (
            {
                "issue_expiry_type": "RELATIVE",
                "issue_expiry_value": 1,
                "issue_expiry_unit": "MONTHS",
            },
            datetime(2026, 10, 5, 12, tzinfo=UTC),
        ),
    ],
)
def test_expiry_of_every_issue_expiry_type(org, expiry, expected):
    badge = BadgeFactory(
        org=org,
        start_on=datetime(2026, 9, 1, tzinfo=UTC),
        expires_on=datetime(2026, 10, 1, tzinfo=UTC),
        **expiry,
    )
    assert issue_one(badge, sept(5)).issuance.expires_on == expected


def test_a_month_expiry_runs_into_the_next_year(org):
    badge = BadgeFactory(
        org=org,
        start_on=datetime(2026, 12, 1, tzinfo=UTC),
        expires_on=datetime(2027, 2, 1, tzinfo=UTC),
        issue_expiry_type="RELATIVE",
        issue_expiry_value=1,
        issue_expiry_unit="MONTHS",
    )
    issued = issue_one(badge, datetime(2026, 12, 15, 12, tzinfo=UTC))
    assert issued.issuance.expires_on == datetime(2027, 1, 15, 12, tzinfo=UTC)


def test_a_month_expiry_keeps_the_wall_clock_time_in_the_orgs_timezone():
    """Kolkata: issued Jan 31 03:00 local (Jan 30 in UTC), a 1-month expiry is Feb 28 03:00
    local, a calendar month on the org's clock."""
    kolkata = ZoneInfo("Asia/Kolkata")
    badge = BadgeFactory(
        org=OrganizationFactory(timezone="Asia/Kolkata"),
        start_on=datetime(2026, 1, 1, tzinfo=UTC),
        expires_on=datetime(2026, 12, 1, tzinfo=UTC),
        issue_expiry_type="RELATIVE",
        issue_expiry_value=1,
        issue_expiry_unit="MONTHS",
    )
    issued = issue_one(badge, datetime(2026, 1, 31, 3, tzinfo=kolkata))
    assert issued.issuance.expires_on == datetime(2026, 2, 28, 3, tzinfo=kolkata)


def test_never_expiring_badge_is_held_once_until_revoked(org):
    badge = BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30))
    first = issue_one(badge, sept(2))
    assert code(issue_one(badge, sept(20))) == "OVERLAPPING_ISSUANCE"
    issuance_revoke(issuance=first.issuance, reason="Returned", now=sept(21))
    assert issue_one(badge, sept(22)).status == "ISSUED"


# Refusals, in the order of SPEC 5 ------------------------------------------------------------


def test_inactive_badge_is_refused_before_upcoming(org):
    badge = BadgeFactory(org=org, start_on=sept(10), expires_on=sept(30), is_active=False)
    assert code(issue_one(badge, sept(5))) == "BADGE_INACTIVE"


def test_upcoming_badge_is_refused(org):
    badge = BadgeFactory(org=org, start_on=sept(10), expires_on=sept(30))
    assert code(issue_one(badge, sept(5), event_date=sept(11))) == "BADGE_UPCOMING"


def test_a_module_uses_a_badge_only_after_claiming_it(september_badge):
    loyalty = TriggeredBy("LOYALTY", "Supermarket program")
    assert code(issue_one(september_badge, sept(3), triggered_by=loyalty)) == "BADGE_NOT_CLAIMED"
    BadgeClaimFactory(badge=september_badge, module="LOYALTY", reference="Other program")
    assert code(issue_one(september_badge, sept(3), triggered_by=loyalty)) == "BADGE_NOT_CLAIMED"
    BadgeClaimFactory(badge=september_badge, module="LOYALTY", reference="Supermarket program")
    assert issue_one(september_badge, sept(3), triggered_by=loyalty).status == "ISSUED"


def test_staff_and_customer_care_need_no_claim(september_badge):
    assert issue_one(september_badge, sept(3), customer="a").status == "ISSUED"
    care = issue_one(
        september_badge,
        sept(3),
        customer="b",
        source="MEMBERCARE",
        triggered_by=TriggeredBy("LOYALTY", "Desk"),
    )
    assert care.status == "ISSUED"


def test_event_date_may_be_at_most_24_hours_ahead(september_badge):
    now = sept(3)
    assert issue_one(september_badge, now, "a", event_date=now + DAY).status == "ISSUED"
    late = issue_one(september_badge, now, "b", event_date=now + DAY + timedelta(seconds=1))
    assert code(late) == "EVENT_DATE_IN_FUTURE"


def test_event_date_must_lie_in_the_badge_period(september_badge):
    before = issue_one(september_badge, sept(3), event_date=datetime(2026, 8, 31, tzinfo=UTC))
    assert code(before) == "EVENT_DATE_OUTSIDE_BADGE_PERIOD"
    after_end = datetime(2026, 10, 2, tzinfo=UTC)
    assert code(issue_one(september_badge, after_end)) == "EVENT_DATE_OUTSIDE_BADGE_PERIOD"


def test_the_badge_period_holds_event_dates_from_its_start_to_just_before_its_end(org):
    badge = BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30))
    now = sept(29, 13)
    for customer, event_date, expected in (
        ("a", sept(1) - timedelta(microseconds=1), "EVENT_DATE_OUTSIDE_BADGE_PERIOD"),
        ("b", sept(1), None),
        ("c", sept(30) - timedelta(microseconds=1), None),
        ("d", sept(30), "EVENT_DATE_OUTSIDE_BADGE_PERIOD"),
    ):
        assert code(issue_one(badge, now, customer, event_date=event_date)) == expected, customer


def test_retro_issue_is_limited_to_the_retro_window(org, september_badge):
    org.retro_max_allowed_age_days = 5
    org.save()
    assert code(issue_one(september_badge, sept(20), "a", event_date=sept(14))) == (
        "RETRO_WINDOW_EXCEEDED"
    )
    assert issue_one(september_badge, sept(20), "b", event_date=sept(16)).status == "ISSUED"


def test_retro_issue_waits_for_the_registration_delay(org, september_badge):
    org.retro_delay_since_registration_hours = 48
    org.save()
    CustomerFactory(org=org, customer_id="new", registered_on=sept(19))
    refused = issue_one(september_badge, sept(20), "new", event_date=sept(18))
    assert code(refused) == "REGISTRATION_DELAY"
    assert refused.refusal.details["next_eligible_at"] == sept(21)
    today = issue_one(september_badge, sept(20), "new", request_id="today")
    assert today.status == "ISSUED", "a same-day event is not retroactive"


def test_a_customer_with_no_known_registration_counts_as_registered_long_ago(org, september_badge):
    org.retro_delay_since_registration_hours = 10_000
    org.save()
    assert issue_one(september_badge, sept(20), event_date=sept(18)).status == "ISSUED"


def test_enrol_issue_badge_needs_a_covering_enrolment(org):
    badge = BadgeFactory(org=org, enrol_issue=True, start_on=sept(1), expires_on=sept(30))
    assert code(issue_one(badge, sept(5))) == "NOT_ENROLLED"
    customer = CustomerFactory(org=org, customer_id="c-1")
    EnrolmentFactory(badge=badge, customer=customer, enrol_event_date=sept(6), expires_on=sept(8))
    assert code(issue_one(badge, sept(7), event_date=sept(5, 23))) == "NOT_ENROLLED"
    assert issue_one(badge, sept(7)).status == "ISSUED"
    assert code(issue_one(badge, sept(9), request_id="x")) == "ENROLMENT_EXPIRED"


def test_a_live_badge_needs_an_enrolment_that_has_not_expired_by_the_processing_time(org):
    """Enrolled for Sept 6 09:00 until Sept 8 09:00: an event inside it is issued up to the last
    instant before Sept 8 09:00 and refused from then on."""
    badge = BadgeFactory(org=org, enrol_issue=True, start_on=sept(1), expires_on=sept(30))
    customer = CustomerFactory(org=org, customer_id="c-1")
    EnrolmentFactory(
        badge=badge, customer=customer, enrol_event_date=sept(6, 9), expires_on=sept(8, 9)
    )
    CustomerFactory(org=org, customer_id="c-2")
    EnrolmentFactory(
        badge=badge,
        customer=Customer.objects.get(customer_id="c-2"),
        enrol_event_date=sept(6, 9),
        expires_on=sept(8, 9),
    )
    assert code(issue_one(badge, sept(8, 9), "c-1", event_date=sept(7))) == "ENROLMENT_EXPIRED"
    last = sept(8, 9) - timedelta(microseconds=1)
    assert issue_one(badge, last, "c-2", event_date=sept(7)).status == "ISSUED"


def test_an_event_from_the_enrolment_event_date_on_is_past_an_expired_enrolment(org):
    """An expired enrolment from Sept 6 09:00: an event dated exactly then is ENROLMENT_EXPIRED,
    one a microsecond earlier NOT_ENROLLED."""
    badge = BadgeFactory(org=org, enrol_issue=True, start_on=sept(1), expires_on=sept(30))
    customer = CustomerFactory(org=org, customer_id="c-1")
    EnrolmentFactory(
        badge=badge, customer=customer, enrol_event_date=sept(6, 9), expires_on=sept(8, 9)
    )
    at = issue_one(badge, sept(9), event_date=sept(6, 9))
    assert code(at) == "ENROLMENT_EXPIRED"
    before = issue_one(badge, sept(9), event_date=sept(6, 9) - timedelta(microseconds=1))
    assert code(before) == "NOT_ENROLLED"


def test_an_enrolment_counts_only_for_its_own_badge_and_customer(org):
    badge = BadgeFactory(org=org, enrol_issue=True, start_on=sept(1), expires_on=sept(30))
    other = BadgeFactory(org=org, enrol_issue=True, start_on=sept(1), expires_on=sept(30))
    customer = CustomerFactory(org=org, customer_id="c-1")
    EnrolmentFactory(badge=other, customer=customer, enrol_event_date=sept(6), expires_on=sept(8))
    EnrolmentFactory(
        badge=badge,
        customer=CustomerFactory(org=org, customer_id="c-2"),
        enrol_event_date=sept(6),
        expires_on=sept(8),
    )
    assert code(issue_one(badge, sept(7), "c-1")) == "NOT_ENROLLED"


def test_revoked_enrolment_does_not_count(org):
    badge = BadgeFactory(org=org, enrol_issue=True, start_on=sept(1), expires_on=sept(30))
    EnrolmentFactory(
        badge=badge,
        customer__customer_id="c-1",
        enrol_event_date=sept(6),
        expires_on=sept(8),
        revoked_on=sept(6, 13),
    )
    assert code(issue_one(badge, sept(7))) == "NOT_ENROLLED"


def test_every_refusal_explains_itself_in_a_human_message(org, september_badge):
    org.retro_max_allowed_age_days = 5
    org.retro_delay_since_registration_hours = 48
    org.save()
    CustomerFactory(org=org, customer_id="new", registered_on=sept(19))
    enrol_issue = BadgeFactory(org=org, enrol_issue=True, start_on=sept(1), expires_on=sept(30))
    EnrolmentFactory(
        badge=enrol_issue,
        customer=CustomerFactory(org=org, customer_id="lapsed"),
        enrol_event_date=sept(6),
        expires_on=sept(8),
    )
    issue_one(september_badge, sept(19), "holder")
    inactive = BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30), is_active=False)
    upcoming = BadgeFactory(org=org, start_on=sept(25), expires_on=sept(30))
    loyalty = TriggeredBy("LOYALTY", "Program")
    outcomes = {
        "inactive": issue_one(inactive, sept(20)),
        "upcoming": issue_one(upcoming, sept(20)),
        "claim": issue_one(september_badge, sept(20), triggered_by=loyalty),
        "future": issue_one(september_badge, sept(20), event_date=sept(22)),
        "outside": issue_one(september_badge, sept(20), event_date=sept(1) - DAY),
        "retro": issue_one(september_badge, sept(20), event_date=sept(14)),
        "registration": issue_one(september_badge, sept(20), "new", event_date=sept(18)),
        "not enrolled": issue_one(enrol_issue, sept(20)),
        "lapsed": issue_one(enrol_issue, sept(20), "lapsed", event_date=sept(18)),
        "overlap": issue_one(september_badge, sept(20), "holder"),
    }
    assert {name: (code(o), o.refusal.message) for name, o in outcomes.items()} == {
        "inactive": ("BADGE_INACTIVE", "The badge is inactive."),
        "upcoming": ("BADGE_UPCOMING", "The badge has not started yet."),
        "claim": ("BADGE_NOT_CLAIMED", "LOYALTY has not claimed this badge for 'Program'."),
        "future": (
            "EVENT_DATE_IN_FUTURE",
            "The event date is more than 24 hours in the future.",
        ),
        "outside": (
            "EVENT_DATE_OUTSIDE_BADGE_PERIOD",
            "The event date is outside the badge's period.",
        ),
        "retro": ("RETRO_WINDOW_EXCEEDED", "Retroactive handling is allowed up to 5 days back."),
        "registration": (
            "REGISTRATION_DELAY",
            "Retroactive handling waits 48 hours after registration.",
        ),
        "not enrolled": ("NOT_ENROLLED", "The customer is not enrolled for this event date."),
        "lapsed": ("ENROLMENT_EXPIRED", "The customer's enrolment does not cover the event date."),
        "overlap": (
            "OVERLAPPING_ISSUANCE",
            "The customer already holds this badge during part of the new issuance's validity.",
        ),
    }


def test_overlap_refusal_says_when_the_customer_is_eligible_again(september_badge):
    issue_one(september_badge, sept(2))
    refused = issue_one(september_badge, sept(10))
    assert refused.refusal.details == {"next_eligible_at": sept(16)}


def test_an_empty_validity_overlaps_nothing(org):
    """An issuance that expires when it is issued (here the badge's end, reached by a retro
    issue at that instant) holds nothing, so it neither blocks nor is blocked."""
    badge = BadgeFactory(
        org=org, start_on=sept(1), expires_on=sept(30), issue_expiry_type="BADGE_END"
    )
    customer = CustomerFactory(org=org, customer_id="c-1")
    IssuanceFactory(badge=badge, customer=customer, source="IMPORT", issued_on=sept(2))
    empty = issue_one(badge, sept(30), event_date=sept(29))
    assert empty.status == "ISSUED"
    assert empty.issuance.issued_on == empty.issuance.expires_on == sept(30)

    never = BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30))
    IssuanceFactory(
        badge=never, customer=customer, source="IMPORT", issued_on=sept(10), expires_on=sept(10)
    )
    assert issue_one(never, sept(5)).status == "ISSUED", "the empty import blocks nothing"


def test_revoked_issuances_do_not_count_for_overlap_or_limits(september_badge):
    september_badge.customer_overall_limit = 1
    september_badge.save()
    first = issue_one(september_badge, sept(2))
    issuance_revoke(issuance=first.issuance, reason="Mistake", now=sept(3))
    assert issue_one(september_badge, sept(4)).status == "ISSUED"


# Limits (SPEC 6) -----------------------------------------------------------------------------


def test_customer_overall_limit(org):
    badge = daily_badge(
        org,
        customer_overall_limit=2,
    )
    assert issue_one(badge, sept(2)).status == "ISSUED"
    assert issue_one(badge, sept(4)).status == "ISSUED"
    refused = issue_one(badge, sept(6))
    assert code(refused) == "CUSTOMER_LIMIT_REACHED"
    assert refused.refusal.details == {
        "scope": "CUSTOMER",
        "kind": "OVERALL",
        "limit": 2,
        "count": 2,
        "next_eligible_at": None,
    }
    assert issue_one(badge, sept(6), customer="other").status == "ISSUED"


def test_customer_rolling_windows_count_back_from_processing_time(org):
    badge = daily_badge(org)
    RollingLimitFactory(badge=badge, scope=LimitScope.CUSTOMER, limit=2, value=5, unit="DAYS")
    assert issue_one(badge, sept(2)).status == "ISSUED"
    assert issue_one(badge, sept(4)).status == "ISSUED"
    refused = issue_one(badge, sept(6))
    assert code(refused) == "CUSTOMER_LIMIT_REACHED"
    assert refused.refusal.details["kind"] == "ROLLING"
    assert refused.refusal.details["window"] == {"value": 5, "unit": "DAYS"}
    assert refused.refusal.details["next_eligible_at"] == sept(7)
    assert code(issue_one(badge, sept(7) - timedelta(seconds=1))) == "CUSTOMER_LIMIT_REACHED"
    assert issue_one(badge, sept(7)).status == "ISSUED"


def test_several_rolling_windows_coexist(org):
    badge = daily_badge(org)
    RollingLimitFactory(badge=badge, limit=1, value=2, unit="DAYS")
    RollingLimitFactory(badge=badge, limit=2, value=1, unit="WEEKS")
    assert issue_one(badge, sept(2, 12)).status == "ISSUED"
    refused = issue_one(badge, sept(3, 13))
    assert refused.refusal.details["window"] == {"value": 2, "unit": "DAYS"}
    assert issue_one(badge, sept(4, 13)).status == "ISSUED"
    refused = issue_one(badge, sept(6, 14))
    assert refused.refusal.details["window"] == {"value": 1, "unit": "WEEKS"}
    assert refused.refusal.details["next_eligible_at"] == sept(9, 12)


def test_rolling_months_reach_back_to_the_same_wall_clock_time(org):
    badge = BadgeFactory(
        org=org,
        start_on=datetime(2026, 1, 1, tzinfo=UTC),
        expires_on=datetime(2026, 12, 1, tzinfo=UTC),
        issue_expiry_type="RELATIVE",
        issue_expiry_value=1,
        issue_expiry_unit="DAYS",
    )
    RollingLimitFactory(badge=badge, limit=1, value=1, unit="MONTHS")
    assert issue_one(badge, datetime(2026, 1, 15, 9, tzinfo=UTC)).status == "ISSUED"
    refused = issue_one(badge, datetime(2026, 2, 15, 8, tzinfo=UTC))
    assert refused.refusal.details["next_eligible_at"] == datetime(2026, 2, 15, 9, tzinfo=UTC)
    assert issue_one(badge, datetime(2026, 2, 15, 9, tzinfo=UTC)).status == "ISSUED"


def test_a_month_window_reopens_on_the_first_when_the_day_does_not_exist(org):
    """Jan 31 + 1 month: every instant of February reaches back before Jan 31."""
    badge = BadgeFactory(
        org=org,
        start_on=datetime(2026, 1, 1, tzinfo=UTC),
        expires_on=datetime(2026, 12, 1, tzinfo=UTC),
        issue_expiry_type="RELATIVE",
        issue_expiry_value=1,
        issue_expiry_unit="DAYS",
    )
    RollingLimitFactory(badge=badge, limit=1, value=1, unit="MONTHS")
    issue_one(badge, datetime(2026, 1, 31, 9, tzinfo=UTC))
    refused = issue_one(badge, datetime(2026, 2, 28, 23, tzinfo=UTC))
    assert refused.refusal.details["next_eligible_at"] == datetime(2026, 3, 1, tzinfo=UTC)
    assert issue_one(badge, datetime(2026, 3, 1, tzinfo=UTC)).status == "ISSUED"


def test_badge_limits_count_across_customers(org):
    badge = BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30), badge_overall_limit=2)
    assert issue_one(badge, sept(2), "a").status == "ISSUED"
    assert issue_one(badge, sept(2), "b").status == "ISSUED"
    refused = issue_one(badge, sept(2), "c")
    assert code(refused) == "BADGE_LIMIT_REACHED"
    assert refused.refusal.details["scope"] == "BADGE"


def test_badge_rolling_limit(org):
    badge = BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30))
    RollingLimitFactory(badge=badge, scope=LimitScope.BADGE, limit=2, value=1, unit="DAYS")
    issue_one(badge, sept(2, 8), "a")
    issue_one(badge, sept(2, 9), "b")
    refused = issue_one(badge, sept(2, 10), "c")
    assert code(refused) == "BADGE_LIMIT_REACHED"
    assert refused.refusal.details["next_eligible_at"] == sept(3, 8)
    assert issue_one(badge, sept(3, 8), "c").status == "ISSUED"


def test_a_fixed_window_cycle_counts_its_last_instant_and_not_its_end(org):
    """Cycles are half-open: with 1 per day, an issuance dated the last microsecond of Sept 4
    fills Sept 4's cycle, one dated Sept 5 00:00 (that cycle's end) leaves it free."""
    badge = daily_badge(org)
    FixedWindowConfigFactory(badge=badge, max_earn_limit=1, duration_type="DAYS", refresh_rate=1)
    end = datetime(2026, 9, 5, tzinfo=UTC)
    for customer, event_date in (("last", end - timedelta(microseconds=1)), ("end", end)):
        IssuanceFactory(
            badge=badge,
            customer=CustomerFactory(org=org, customer_id=customer),
            event_date=event_date,
            issued_on=sept(5, 1),
            expires_on=sept(5, 2),
        )
    now, in_sept_4 = sept(5, 6), sept(4, 12)
    refused = issue_one(badge, now, "last", event_date=in_sept_4)
    assert code(refused) == "CUSTOMER_LIMIT_REACHED"
    assert refused.refusal.details["cycle"] == {"start": sept(4, 0), "end": end}
    assert issue_one(badge, now, "end", event_date=in_sept_4).status == "ISSUED"
    starts_sept_5 = issue_one(badge, sept(6, 12), "end", event_date=end + timedelta(hours=1))
    assert code(starts_sept_5) == "CUSTOMER_LIMIT_REACHED", "it fills the cycle it starts"


def test_revoked_issuances_do_not_count_for_badge_wide_rolling_windows(org):
    badge = BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30))
    RollingLimitFactory(badge=badge, scope=LimitScope.BADGE, limit=1, value=1, unit="DAYS")
    first = issue_one(badge, sept(2, 8), "a")
    assert code(issue_one(badge, sept(2, 9), "b")) == "BADGE_LIMIT_REACHED"
    issuance_revoke(issuance=first.issuance, reason="Returned", now=sept(2, 10))
    assert issue_one(badge, sept(2, 11), "b").status == "ISSUED"


def test_a_badge_wide_window_reopens_when_its_oldest_non_revoked_issuance_leaves(org):
    """Of a at 08:00, b at 09:00 (revoked) and c at 10:00, a is the oldest of the two that
    count: the day window reopens at 08:00 the next day, not when b would have left it."""
    badge = BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30))
    RollingLimitFactory(badge=badge, scope=LimitScope.BADGE, limit=2, value=1, unit="DAYS")
    issue_one(badge, sept(2, 8), "a")
    second = issue_one(badge, sept(2, 9), "b")
    issuance_revoke(issuance=second.issuance, reason="Returned", now=sept(2, 9))
    assert issue_one(badge, sept(2, 10), "c").status == "ISSUED"
    refused = issue_one(badge, sept(2, 11), "d")
    assert refused.refusal.details["count"] == 2
    assert refused.refusal.details["next_eligible_at"] == sept(3, 8)


def test_revoked_issuances_do_not_count_for_a_badge_wide_fixed_window(org):
    badge = BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30))
    FixedWindowConfigFactory(
        badge=badge, scope=LimitScope.BADGE, max_earn_limit=1, duration_type="DAYS", refresh_rate=1
    )
    first = issue_one(badge, sept(2, 8), "a")
    assert code(issue_one(badge, sept(2, 9), "b")) == "BADGE_LIMIT_REACHED"
    issuance_revoke(issuance=first.issuance, reason="Returned", now=sept(2, 10))
    assert issue_one(badge, sept(2, 11), "b").status == "ISSUED"


def test_month_windows_reach_back_to_the_same_wall_clock_time_in_the_orgs_timezone():
    """Kolkata: issued Feb 1 03:00 (Jan 31 21:30 UTC), a 1-month window holds it until Mar 1
    03:00 local, the same local time a calendar month later (not a month later in UTC)."""
    kolkata = ZoneInfo("Asia/Kolkata")
    org = OrganizationFactory(timezone="Asia/Kolkata")
    badge = BadgeFactory(
        org=org,
        start_on=datetime(2026, 1, 1, tzinfo=UTC),
        expires_on=datetime(2026, 12, 1, tzinfo=UTC),
        issue_expiry_type="RELATIVE",
        issue_expiry_value=1,
        issue_expiry_unit="DAYS",
    )
    RollingLimitFactory(badge=badge, limit=1, value=1, unit="MONTHS")
    assert issue_one(badge, datetime(2026, 2, 1, 3, tzinfo=kolkata)).status == "ISSUED"
    leaves = datetime(2026, 3, 1, 3, tzinfo=kolkata)
    refused = issue_one(badge, leaves - timedelta(microseconds=1))
    assert code(refused) == "CUSTOMER_LIMIT_REACHED"
    assert refused.refusal.details["next_eligible_at"] == leaves
    assert issue_one(badge, leaves).status == "ISSUED"


@pytest.mark.parametrize(
    ("zone", "issued_on", "reopens"),
    [
        # Jan 31 + 1 month: no Feb 31; reopens at local midnight, seconds and all.
        ("Asia/Kolkata", (2026, 1, 31, 3, 30, 15, 250_000), (2026, 3, 1)),
        # Oct 31 + 1 month: no Nov 31; the clocks go back on Nov 1 in between.
        ("America/New_York", (2026, 10, 31, 10, 0, 0, 0), (2026, 12, 1)),
    ],
)
def test_a_month_window_reopens_at_local_midnight_on_the_first_when_the_day_does_not_exist(
    zone, issued_on, reopens
):
    tz = ZoneInfo(zone)
    org = OrganizationFactory(timezone=zone)
    badge = BadgeFactory(
        org=org,
        start_on=datetime(2026, 1, 1, tzinfo=UTC),
        expires_on=datetime(2027, 1, 1, tzinfo=UTC),
        issue_expiry_type="RELATIVE",
        issue_expiry_value=1,
        issue_expiry_unit="DAYS",
    )
    RollingLimitFactory(badge=badge, limit=1, value=1, unit="MONTHS")
    assert issue_one(badge, datetime(*issued_on, tzinfo=tz)).status == "ISSUED"
    midnight = datetime(*reopens, tzinfo=tz)
    refused = issue_one(badge, midnight - timedelta(microseconds=1))
    assert code(refused) == "CUSTOMER_LIMIT_REACHED"
    assert refused.refusal.details["next_eligible_at"] == midnight
    assert issue_one(badge, midnight).status == "ISSUED"


def test_badge_wide_windows_count_only_this_badges_issuances(org):
    badge = BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30))
    other = BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30))
    RollingLimitFactory(badge=badge, scope=LimitScope.BADGE, limit=1, value=1, unit="DAYS")
    FixedWindowConfigFactory(
        badge=badge, scope=LimitScope.BADGE, max_earn_limit=1, duration_type="DAYS", refresh_rate=1
    )
    assert issue_one(other, sept(2, 8), "a").status == "ISSUED"
    assert issue_one(badge, sept(2, 9), "b").status == "ISSUED"
    assert code(issue_one(badge, sept(2, 10), "c")) == "BADGE_LIMIT_REACHED"
    # A day later this badge's window is empty again, though it holds enough to be counted,
    # and the other badge's issuance of today still does not count.
    assert issue_one(other, sept(3, 12), "d").status == "ISSUED"
    assert issue_one(badge, sept(3, 13), "e").status == "ISSUED"


def test_several_badge_wide_rolling_windows_are_each_counted(org):
    """2 a day and 3 a week across customers: on Sept 8 the day holds one, the week three."""
    badge = BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30))
    RollingLimitFactory(badge=badge, scope=LimitScope.BADGE, limit=2, value=1, unit="DAYS")
    RollingLimitFactory(badge=badge, scope=LimitScope.BADGE, limit=3, value=1, unit="WEEKS")
    for customer, day in (("a", 5), ("b", 6), ("c", 8)):
        assert issue_one(badge, sept(day, 8), customer).status == "ISSUED"
    refused = issue_one(badge, sept(8, 9), "d")
    assert code(refused) == "BADGE_LIMIT_REACHED"
    assert refused.refusal.details["window"] == {"value": 1, "unit": "WEEKS"}
    assert refused.refusal.details["next_eligible_at"] == sept(12, 8)


def test_a_badge_wide_window_is_counted_no_further_than_its_limit(org):
    """A check reads at most a limit's worth of rows: a refusal counts up to the limit, however
    many issuances the window holds (here 3 imported against a limit of 2)."""
    badge = BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30))
    RollingLimitFactory(badge=badge, scope=LimitScope.BADGE, limit=2, value=1, unit="DAYS")
    for hour in (8, 9, 10):
        IssuanceFactory(badge=badge, source="IMPORT", issued_on=sept(2, hour))
    refused = issue_one(badge, sept(2, 11), "new")
    assert code(refused) == "BADGE_LIMIT_REACHED"
    assert refused.refusal.details["count"] == 2
    assert refused.refusal.details["next_eligible_at"] == sept(3, 9)


def test_a_bulk_issue_counts_its_own_issuances_against_badge_wide_rolling_windows(org):
    badge = BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30))
    RollingLimitFactory(badge=badge, scope=LimitScope.BADGE, limit=2, value=1, unit="DAYS")
    outcomes = issue(
        badge=badge,
        customer_ids=["a", "b", "c", "d"],
        order=IssueOrder(request_id="bulk"),
        now=sept(2, 10),
    )
    assert [code(o) for o in outcomes] == [None, None, "BADGE_LIMIT_REACHED", "BADGE_LIMIT_REACHED"]
    refused = outcomes[2].refusal
    assert refused.details["count"] == 2
    assert refused.details["next_eligible_at"] == sept(3, 10)


def test_a_rolling_window_refusal_explains_itself(org):
    badge = daily_badge(org)
    RollingLimitFactory(badge=badge, limit=1, value=5, unit="DAYS")
    issue_one(badge, sept(2))
    refused = issue_one(badge, sept(4))
    assert refused.refusal.message == "The customer has reached the limit of 1 in 5 days."
    assert refused.refusal.details == {
        "scope": "CUSTOMER",
        "kind": "ROLLING",
        "limit": 1,
        "window": {"value": 5, "unit": "DAYS"},
        "count": 1,
        "next_eligible_at": sept(7),
    }


def test_a_fixed_window_refusal_explains_itself(org):
    """1 per 3 days: the cycle holding Sept 4 runs Sept 4-6 (cycles start at midnight Sept 1)."""
    badge = daily_badge(org)
    FixedWindowConfigFactory(badge=badge, max_earn_limit=1, duration_type="DAYS", refresh_rate=3)
    issue_one(badge, sept(4, 8))
    refused = issue_one(badge, sept(6, 9))
    assert refused.refusal.message == "The customer has reached the limit of 1 per 3 days."
    assert refused.refusal.details == {
        "scope": "CUSTOMER",
        "kind": "FIXED_WINDOW",
        "limit": 1,
        "window": {"value": 3, "unit": "DAYS"},
        "cycle": {"start": sept(4, 0), "end": sept(7, 0)},
        "count": 1,
        "next_eligible_at": sept(7, 0),
    }


def test_a_refusal_names_the_shortest_exceeded_window_and_waits_for_the_longest(org):
    badge = daily_badge(org)
    RollingLimitFactory(badge=badge, limit=1, value=3, unit="DAYS")
    RollingLimitFactory(badge=badge, limit=1, value=2, unit="DAYS")
    issue_one(badge, sept(2))
    refused = issue_one(badge, sept(3, 13))
    assert refused.refusal.details["window"] == {"value": 2, "unit": "DAYS"}
    assert refused.refusal.details["next_eligible_at"] == sept(5)


def test_next_eligible_at_is_none_when_an_exceeded_limit_never_reopens(org):
    badge = daily_badge(org, customer_overall_limit=1)
    RollingLimitFactory(badge=badge, limit=1, value=1, unit="WEEKS")
    issue_one(badge, sept(2))
    refused = issue_one(badge, sept(4))
    assert refused.refusal.details["kind"] == "OVERALL"
    assert refused.refusal.details["next_eligible_at"] is None


def test_a_window_holding_more_than_its_limit_reopens_when_its_limit_th_newest_leaves(org):
    """Two imported issuances (Sept 2 and 4) in a 1-a-week window: it reopens a week after the
    newest, Sept 11, not a week after the oldest."""
    badge = daily_badge(org)
    RollingLimitFactory(badge=badge, limit=1, value=1, unit="WEEKS")
    customer = CustomerFactory(org=org, customer_id="c-1")
    for day in (2, 4):
        IssuanceFactory(
            badge=badge,
            customer=customer,
            source="IMPORT",
            issued_on=sept(day),
            expires_on=sept(day, 13),
        )
    refused = issue_one(badge, sept(6))
    assert refused.refusal.details["count"] == 2
    assert refused.refusal.details["next_eligible_at"] == sept(11)


def test_a_badge_wide_fixed_window_is_counted_no_further_than_its_limit(org):
    badge = BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30))
    FixedWindowConfigFactory(
        badge=badge, scope=LimitScope.BADGE, max_earn_limit=2, duration_type="DAYS", refresh_rate=1
    )
    for hour in (8, 9, 10):
        IssuanceFactory(badge=badge, source="IMPORT", issued_on=sept(2, hour))
    refused = issue_one(badge, sept(2, 11), "new")
    assert code(refused) == "BADGE_LIMIT_REACHED"
    assert refused.refusal.details["count"] == 2


def test_a_fixed_window_governs_event_dates_from_its_first_instant(org):
    """The config starts with the badge, Sept 1 12:00: an event dated exactly then is counted in
    the first cycle (Sept 1 12:00 to Sept 4 00:00)."""
    badge = daily_badge(org)
    FixedWindowConfigFactory(badge=badge, max_earn_limit=1, duration_type="DAYS", refresh_rate=3)
    assert issue_one(badge, sept(2), event_date=sept(2)).status == "ISSUED"
    refused = issue_one(badge, sept(3, 13), event_date=badge.start_on)
    assert code(refused) == "CUSTOMER_LIMIT_REACHED"
    assert refused.refusal.details["cycle"] == {"start": sept(1), "end": sept(4, 0)}


def test_a_removed_fixed_window_stops_limiting_issues_processed_from_its_removal(org):
    badge = daily_badge(org)
    FixedWindowConfigFactory(
        badge=badge, max_earn_limit=1, duration_type="DAYS", refresh_rate=5, ended_on=sept(4)
    )
    assert issue_one(badge, sept(2)).status == "ISSUED"
    last = issue_one(badge, sept(4) - timedelta(microseconds=1), event_date=sept(3))
    assert code(last) == "CUSTOMER_LIMIT_REACHED"
    assert issue_one(badge, sept(4), event_date=sept(3)).status == "ISSUED"


def test_a_removed_badge_wide_fixed_window_stops_limiting_issues_processed_from_its_removal(org):
    badge = daily_badge(org)
    FixedWindowConfigFactory(
        badge=badge,
        scope=LimitScope.BADGE,
        max_earn_limit=1,
        duration_type="DAYS",
        refresh_rate=5,
        ended_on=sept(4),
    )
    assert issue_one(badge, sept(2), "a").status == "ISSUED"
    last = issue_one(badge, sept(4) - timedelta(microseconds=1), "b", event_date=sept(3))
    assert code(last) == "BADGE_LIMIT_REACHED"
    assert issue_one(badge, sept(4), "b", event_date=sept(3)).status == "ISSUED"


def test_a_bulk_issue_counts_its_own_issuances_against_a_badge_wide_fixed_window(org):
    badge = BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30))
    FixedWindowConfigFactory(
        badge=badge, scope=LimitScope.BADGE, max_earn_limit=2, duration_type="DAYS", refresh_rate=1
    )
    outcomes = issue(
        badge=badge,
        customer_ids=["a", "b", "c", "d"],
        order=IssueOrder(request_id="bulk"),
        now=sept(2, 10),
    )
    assert [code(o) for o in outcomes] == [None, None, "BADGE_LIMIT_REACHED", "BADGE_LIMIT_REACHED"]
    assert outcomes[2].refusal.details["count"] == 2


def test_customer_limit_is_checked_before_the_badge_limit(org):
    badge = daily_badge(
        org,
        customer_overall_limit=1,
        badge_overall_limit=1,
    )
    issue_one(badge, sept(2))
    assert code(issue_one(badge, sept(5))) == "CUSTOMER_LIMIT_REACHED"


def test_imported_issuances_count_for_limits(org):
    badge = BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30), badge_overall_limit=1)
    IssuanceFactory(badge=badge, source="IMPORT", issued_on=sept(1), expires_on=sept(2))
    assert code(issue_one(badge, sept(3))) == "BADGE_LIMIT_REACHED"


# Idempotency ---------------------------------------------------------------------------------


def test_a_replayed_request_id_answers_the_original_issuance(september_badge):
    first = issue_one(september_badge, sept(2), request_id="pos-1")
    again = issue_one(september_badge, sept(3), request_id="pos-1")
    assert (again.status, again.replayed) == ("ISSUED", True)
    assert again.issuance.issual_id == first.issuance.issual_id
    assert Issuance.objects.count() == 1


def test_a_replayed_refusal_stays_the_same_refusal(org):
    badge = BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30), badge_overall_limit=1)
    first = issue_one(badge, sept(2), "a")
    refused = issue_one(badge, sept(2), "b", request_id="pos-2")
    assert code(refused) == "BADGE_LIMIT_REACHED"
    issuance_revoke(issuance=first.issuance, reason="Returned", now=sept(3))
    again = issue_one(badge, sept(4), "b", request_id="pos-2")
    assert (code(again), again.replayed, again.status) == ("BADGE_LIMIT_REACHED", True, "REFUSED")
    assert again.refusal.message == refused.refusal.message


def test_a_replay_answers_for_the_same_customer_with_the_same_refusal_details(org):
    badge = BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30), badge_overall_limit=1)
    first = issue_one(badge, sept(2), "a", request_id="pos-7")
    refused = issue_one(badge, sept(2), "b", request_id="pos-8")
    replays = (
        issue_one(badge, sept(3), "a", request_id="pos-7"),
        issue_one(badge, sept(3), "b", request_id="pos-8"),
    )
    assert [(o.customer_id, o.status, o.replayed) for o in replays] == [
        ("a", "ISSUED", True),
        ("b", "REFUSED", True),
    ]
    assert replays[0].issuance.issual_id == first.issuance.issual_id
    assert replays[1].refusal == refused.refusal
    assert replays[1].refusal.details == {
        "scope": "BADGE",
        "kind": "OVERALL",
        "limit": 1,
        "count": 1,
        "next_eligible_at": None,
    }


def test_a_reused_request_id_is_refused_for_that_customer_and_says_why(september_badge):
    issue_one(september_badge, sept(2), "a", request_id="pos-4")
    reused = issue_one(september_badge, sept(2), "a", request_id="pos-4", event_date=sept(1))
    assert (reused.customer_id, reused.status, reused.replayed) == ("a", "REFUSED", False)
    assert reused.refusal.message == (
        "This request_id was already used with a different body for this customer."
    )


def test_an_issue_without_a_trigger_records_none(september_badge):
    outcome = issue_one(september_badge, sept(2))
    stored = Issuance.objects.get(issual_id=outcome.issuance.issual_id)
    assert stored.triggered_by is None
    assert (stored.triggered_by_module, stored.triggered_by_reference) == ("", "")


def test_an_issued_request_is_recorded_without_a_refusal(september_badge):
    issue_one(september_badge, sept(2), request_id="pos-5")
    record = IssueRequest.objects.get(request_id="pos-5")
    assert record.issuance is not None
    assert (record.code, record.message, record.details) == ("", "", {})


def test_a_reused_request_id_with_another_body_is_refused(september_badge):
    issue_one(september_badge, sept(2), request_id="pos-3")
    reused = issue_one(september_badge, sept(2), request_id="pos-3", event_date=sept(1))
    assert code(reused) == "REQUEST_ID_REUSED"
    assert not reused.replayed
    assert IssueRequest.objects.count() == 1


def test_request_ids_are_per_customer_and_badge(org, september_badge):
    other_badge = BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30))
    assert issue_one(september_badge, sept(2), "a", request_id="same").status == "ISSUED"
    assert issue_one(september_badge, sept(2), "b", request_id="same").status == "ISSUED"
    assert issue_one(other_badge, sept(2), "a", request_id="same").status == "ISSUED"
    assert Issuance.objects.count() == 3


def test_a_replay_answers_this_badges_outcome_when_another_badge_had_the_same_request_id(
    org, september_badge
):
    """Request ids are per customer and badge: a replay on one badge answers its own outcome,
    not the other badge's under the same id."""
    other_badge = BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30))
    first = issue_one(september_badge, sept(2), "a", request_id="same")
    issue_one(other_badge, sept(2), "a", request_id="same")
    again = issue_one(september_badge, sept(3), "a", request_id="same")
    assert (again.status, again.replayed) == ("ISSUED", True)
    assert again.issuance.issual_id == first.issuance.issual_id


def test_a_replay_answers_its_own_request_ids_outcome_among_the_customers_others(org):
    """The customer's outcomes under other request ids of the same badge are not this one's:
    pos-1 issued, pos-2 was refused (the first never expires), pos-1 replays as issued."""
    badge = BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30))
    first = issue_one(badge, sept(2), "a", request_id="pos-1")
    assert code(issue_one(badge, sept(5), "a", request_id="pos-2")) == "OVERLAPPING_ISSUANCE"
    again = issue_one(badge, sept(6), "a", request_id="pos-1")
    assert (again.status, again.replayed) == ("ISSUED", True)
    assert again.issuance.issual_id == first.issuance.issual_id


def test_request_id_is_required(september_badge):
    with pytest.raises(RuleViolation) as error:
        issue_one(september_badge, sept(2), request_id=" ")
    assert error.value.violations[0].code == "REQUEST_ID_REQUIRED"


# Dry run and bulk ----------------------------------------------------------------------------


def test_dry_run_answers_without_writing_anything(september_badge):
    outcome = issue_one(september_badge, sept(2), request_id="dry", dry_run=True)
    assert outcome.status == "WOULD_ISSUE"
    assert outcome.issuance.expires_on == sept(16)
    assert not Issuance.objects.exists()
    assert not Customer.objects.exists()
    assert not IssueRequest.objects.exists()
    issue_one(september_badge, sept(2))
    assert code(issue_one(september_badge, sept(3), dry_run=True)) == "OVERLAPPING_ISSUANCE"


def test_a_dry_run_checks_the_badges_overall_limit(org):
    badge = BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30), badge_overall_limit=1)
    assert issue_one(badge, sept(2), "a", dry_run=True).status == "WOULD_ISSUE"
    issue_one(badge, sept(2), "a")
    refused = issue_one(badge, sept(3), "b", dry_run=True)
    assert code(refused) == "BADGE_LIMIT_REACHED"
    assert refused.refusal.details["count"] == 1


def test_bulk_gives_a_result_per_customer_and_a_refusal_blocks_no_one(org):
    badge = BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30), badge_overall_limit=3)
    issue_one(badge, sept(2), "held")
    outcomes = issue(
        badge=badge,
        customer_ids=["a", "held", "b", "c", "a"],
        order=IssueOrder(request_id="bulk-1"),
        now=sept(3),
    )
    assert [(o.customer_id, o.status, code(o)) for o in outcomes] == [
        ("a", "ISSUED", None),
        ("held", "REFUSED", "OVERLAPPING_ISSUANCE"),
        ("b", "ISSUED", None),
        ("c", "REFUSED", "BADGE_LIMIT_REACHED"),
    ]


def test_a_bulk_retried_with_more_customers_replays_the_known_and_decides_the_new(
    september_badge,
):
    issue(
        badge=september_badge,
        customer_ids=["a"],
        order=IssueOrder(request_id="bulk-2"),
        now=sept(2),
    )
    outcomes = issue(
        badge=september_badge,
        customer_ids=["a", "b"],
        order=IssueOrder(request_id="bulk-2"),
        now=sept(2),
    )
    assert [(o.customer_id, o.status, o.replayed) for o in outcomes] == [
        ("a", "ISSUED", True),
        ("b", "ISSUED", False),
    ]


def test_bulk_of_a_thousand_is_accepted_and_more_refused(september_badge):
    with pytest.raises(RuleViolation) as error:
        issue(
            badge=september_badge,
            customer_ids=[str(n) for n in range(1001)],
            order=IssueOrder(request_id="big"),
            now=sept(2),
        )
    assert error.value.violations[0].code == "TOO_MANY_CUSTOMERS"
    outcomes = issue(
        badge=september_badge,
        customer_ids=[str(n) for n in range(1000)],
        order=IssueOrder(request_id="big"),
        now=sept(2),
    )
    assert {o.status for o in outcomes} == {"ISSUED"}
    assert Issuance.objects.count() == 1000


def test_bulk_issue_runs_a_constant_number_of_queries(org):
    """Reads and locks don't grow with the batch; on PostgreSQL nothing does (the writes are
    one statement), on SQLite inserts grow where it caps the parameters of one statement."""
    badge = BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30), badge_overall_limit=10_000)
    RollingLimitFactory(badge=badge, scope=LimitScope.BADGE, limit=10_000, value=1, unit="DAYS")
    RollingLimitFactory(badge=badge, limit=5, value=1, unit="DAYS")
    counts = []
    for size in (10, 300):
        warm = [f"{size}-{n}" for n in range(size // 2)]
        issue(badge=badge, customer_ids=warm, order=IssueOrder(request_id="warm"), now=sept(2))
        everyone = [f"{size}-{n}" for n in range(size)]
        with CaptureQueriesContext(connection) as queries:
            outcomes = issue(
                badge=badge, customer_ids=everyone, order=IssueOrder(request_id="b"), now=sept(3)
            )
        assert [o.status for o in outcomes].count("ISSUED") == size // 2
        sql = [q["sql"] for q in queries.captured_queries]
        if connection.vendor == "postgresql":
            counts.append(len(sql))
        else:
            counts.append(len([q for q in sql if not q.startswith("INSERT")]))
    assert counts[0] == counts[1] <= 10


def test_the_same_event_instant_in_another_offset_is_the_same_request(september_badge):
    from zoneinfo import ZoneInfo

    kolkata = sept(3).astimezone(ZoneInfo("Asia/Kolkata"))
    first = issue_one(september_badge, sept(3), request_id="pos-9", event_date=sept(3))
    again = issue_one(september_badge, sept(3), request_id="pos-9", event_date=kolkata)
    assert again.replayed
    assert again.issuance.issual_id == first.issuance.issual_id


def test_next_eligible_at_waits_for_every_exceeded_window(org):
    badge = daily_badge(org)
    RollingLimitFactory(badge=badge, limit=1, value=2, unit="DAYS")
    RollingLimitFactory(badge=badge, limit=1, value=1, unit="WEEKS")
    issue_one(badge, sept(2, 12))
    refused = issue_one(badge, sept(3, 13))
    assert refused.refusal.details["window"] == {"value": 2, "unit": "DAYS"}
    assert refused.refusal.details["next_eligible_at"] == sept(9, 12)


def test_a_bulk_replaying_part_of_an_earlier_request_reads_only_its_own_customers(org):
    """The request id's earlier outcomes of customers outside the batch are not this batch's:
    the one it shares is replayed, the new one decided."""
    badge = daily_badge(org)
    issue(badge=badge, customer_ids=["a", "c"], order=IssueOrder(request_id="r"), now=sept(2))
    again = issue(
        badge=badge, customer_ids=["a", "b"], order=IssueOrder(request_id="r"), now=sept(2)
    )
    assert [(o.customer_id, o.status, o.replayed) for o in again] == [
        ("a", "ISSUED", True),
        ("b", "ISSUED", False),
    ]
