"""SPEC 5: the checks of an issue, in order, with their refusal codes, and what an issuance
records. Through the issuance service, with the clock passed in."""

import itertools
from datetime import UTC, datetime, timedelta

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
        org=org,
        start_on=sept(1),
        expires_on=sept(30),
        issue_expiry_type="RELATIVE",
        issue_expiry_value=1,
        issue_expiry_unit="DAYS",
        **fields,
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


def test_overlap_refusal_says_when_the_customer_is_eligible_again(september_badge):
    issue_one(september_badge, sept(2))
    refused = issue_one(september_badge, sept(10))
    assert refused.refusal.details == {"next_eligible_at": sept(16)}


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
