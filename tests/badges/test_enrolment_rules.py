"""SPEC 4: enrolment in Enrol & Issue badges, and SPEC 7's worked example of a retro issue."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from badges.models import Enrolment
from badges.services.enrolment import EnrolOrder, enrol, enrolment_revoke
from badges.services.issuance import IssueOrder, issue
from tests.badges.seeds_002_003 import oct_, october_badge
from tests.factories import (
    BadgeFactory,
    CustomerFactory,
    FixedWindowConfigFactory,
    IssuanceFactory,
    OrganizationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return OrganizationFactory(timezone="UTC")


@pytest.fixture
def badge(org):
    return october_badge(org)


def enrol_one(badge, now, customer="c-1", **order):
    [outcome] = enrol(badge=badge, customer_ids=[customer], now=now, order=EnrolOrder(**order))
    return outcome


def code(outcome):
    return outcome.refusal.code if outcome.refusal else None


def test_enrolment_expires_after_its_relative_expiry_from_the_event_date(badge):
    outcome = enrol_one(badge, oct_(5), enrol_event_date=oct_(4, 9))
    assert outcome.status == "ENROLLED"
    enrolment = Enrolment.objects.get()
    assert (enrolment.enrol_event_date, enrolment.enrolled_on) == (oct_(4, 9), oct_(5))
    assert enrolment.expires_on == oct_(6, 9)
    assert enrolment.status_at(oct_(6, 9)) == "EXPIRED"


def test_a_month_enrolment_expiry_keeps_the_wall_clock_time_in_the_orgs_timezone():
    """Kolkata: enrolled for Jan 31 03:00 local (Jan 30 in UTC), a 1-month enrolment expires Feb
    28 03:00 local, a calendar month on the org's clock (not Feb 28 in UTC, Mar 1 local)."""
    kolkata = ZoneInfo("Asia/Kolkata")
    badge = BadgeFactory(
        org=OrganizationFactory(timezone="Asia/Kolkata"),
        enrol_issue=True,
        enrolment_expiry_value=1,
        enrolment_expiry_unit="MONTHS",
        start_on=datetime(2026, 1, 1, tzinfo=UTC),
        expires_on=datetime(2026, 12, 1, tzinfo=UTC),
    )
    event = datetime(2026, 1, 31, 3, tzinfo=kolkata)
    outcome = enrol_one(badge, event, enrol_event_date=event)
    assert outcome.enrolment.expires_on == datetime(2026, 2, 28, 3, tzinfo=kolkata)


def test_badge_end_enrolment_expiry(badge):
    badge.enrolment_expiry_type = "BADGE_END"
    badge.enrolment_expiry_value = None
    badge.enrolment_expiry_unit = ""
    badge.save()
    assert enrol_one(badge, oct_(5)).enrolment.expires_on == badge.expires_on


def test_an_unexpired_enrolment_is_returned_not_duplicated(badge):
    first = enrol_one(badge, oct_(5))
    again = enrol_one(badge, oct_(6))
    assert (again.status, code(again)) == ("ENROLLED", "ALREADY_ENROLLED")
    assert again.enrolment.pk == first.enrolment.pk
    assert Enrolment.objects.count() == 1


def test_a_repeated_request_id_finds_its_enrolment_even_once_expired(badge):
    """A backdated enrolment (Oct 5, two days long) has expired when it is made on Oct 9: a
    repeat of the same request gets it back instead of a second one."""
    first = enrol_one(badge, oct_(9), enrol_event_date=oct_(5), request_id="care-1")
    again = enrol_one(badge, oct_(9), enrol_event_date=oct_(5), request_id="care-1")
    assert (again.status, code(again)) == ("ENROLLED", "ALREADY_ENROLLED")
    assert again.enrolment.pk == first.enrolment.pk and Enrolment.objects.count() == 1
    other = enrol_one(badge, oct_(9), enrol_event_date=oct_(5), request_id="care-2")
    assert (code(other), Enrolment.objects.count()) == (None, 2), "another request enrols anew"


def test_after_expiry_a_new_enrolment_is_created(badge):
    enrol_one(badge, oct_(5))
    later = enrol_one(badge, oct_(8))
    assert code(later) is None
    assert Enrolment.objects.count() == 2


def test_a_revoked_enrolment_lets_the_customer_enrol_again(badge):
    first = enrol_one(badge, oct_(5))
    revoked = enrolment_revoke(enrolment=first.enrolment, reason="Opted out", now=oct_(5, 13))
    assert revoked.status_at(oct_(5, 14)) == "REVOKED"
    assert code(enrol_one(badge, oct_(5, 14))) is None
    assert Enrolment.objects.count() == 2


@pytest.mark.parametrize(
    ("badge_kwargs", "now", "kwargs", "expected"),
    [
        ({"is_active": False}, oct_(5), {}, "BADGE_INACTIVE"),
        ({"start_on": oct_(10, 0)}, oct_(5), {}, "BADGE_UPCOMING"),
        ({}, oct_(5), {"enrol_event_date": oct_(6, 13)}, "EVENT_DATE_IN_FUTURE"),
        (
            {},
            oct_(5),
            {"enrol_event_date": datetime(2026, 9, 30, tzinfo=UTC)},
            "EVENT_DATE_OUTSIDE_BADGE_PERIOD",
        ),
        ({}, oct_(20), {}, "EVENT_DATE_OUTSIDE_BADGE_PERIOD"),
        ({"issue_type": "ISSUE", "enrolment_expiry_type": ""}, oct_(5), {}, "BADGE_NOT_ENROLLABLE"),
    ],
)
def test_enrol_refusals(badge, badge_kwargs, now, kwargs, expected):
    for field, value in badge_kwargs.items():
        setattr(badge, field, value)
    badge.save()
    outcome = enrol_one(badge, now, **kwargs)
    assert (outcome.status, code(outcome)) == ("REFUSED", expected)
    assert not Enrolment.objects.exists()


def test_an_ended_badge_takes_retroactive_enrolments_within_the_retro_window(org, badge):
    assert code(enrol_one(badge, oct_(20), "a", enrol_event_date=oct_(10))) is None
    org.retro_max_allowed_age_days = 5
    org.save()
    refused = enrol_one(badge, oct_(20), "b", enrol_event_date=oct_(10))
    assert code(refused) == "RETRO_WINDOW_EXCEEDED"


def test_bulk_enrol_answers_per_customer(badge):
    enrol_one(badge, oct_(5), "held")
    outcomes = enrol(badge=badge, customer_ids=["a", "held", "b"], now=oct_(5, 13))
    assert [(o.customer_id, o.status, code(o)) for o in outcomes] == [
        ("a", "ENROLLED", None),
        ("held", "ENROLLED", "ALREADY_ENROLLED"),
        ("b", "ENROLLED", None),
    ]


# SPEC 7 worked example (seeds 002/003) -------------------------------------------------------


def issue_at(badge, now, event_date, request_id):
    [outcome] = issue(
        badge=badge,
        customer_ids=["c-1"],
        order=IssueOrder(request_id=request_id, event_date=event_date),
        now=now,
    )
    return outcome


def test_spec_7_worked_example(org, badge):
    FixedWindowConfigFactory(badge=badge, max_earn_limit=2, duration_type="DAYS", refresh_rate=3)
    today = oct_(20)
    enrolled = enrol_one(badge, oct_(10, 13), enrol_event_date=oct_(10))
    assert enrolled.enrolment.expires_on == oct_(12)

    assert code(issue_at(badge, today, oct_(14), "r1")) == "ENROLMENT_EXPIRED"

    issued = issue_at(badge, today, oct_(11), "r2")
    assert issued.status == "ISSUED"
    assert issued.issuance.expires_on == oct_(22), "2 days from processing, not from the event"


def test_spec_7_fixed_window_counts_the_event_dates_cycle(org, badge):
    FixedWindowConfigFactory(badge=badge, max_earn_limit=2, duration_type="DAYS", refresh_rate=3)
    customer = CustomerFactory(org=org, customer_id="c-1")
    enrol_one(badge, oct_(10, 13), enrol_event_date=oct_(10))
    for day in (10, 12):
        IssuanceFactory(
            badge=badge,
            customer=customer,
            event_date=oct_(day),
            issued_on=oct_(day, 13),
            expires_on=oct_(day, 14),
        )
    refused = issue_at(badge, oct_(20), oct_(11), "r3")
    assert refused.refusal.code == "CUSTOMER_LIMIT_REACHED"
    assert refused.refusal.details["kind"] == "FIXED_WINDOW"
    assert refused.refusal.details["cycle"] == {"start": oct_(10, 0), "end": oct_(13, 0)}


def test_spec_7_fixed_window_issues_while_fewer_than_two_are_dated_in_the_cycle(org, badge):
    FixedWindowConfigFactory(badge=badge, max_earn_limit=2, duration_type="DAYS", refresh_rate=3)
    customer = CustomerFactory(org=org, customer_id="c-1")
    enrol_one(badge, oct_(10, 13), enrol_event_date=oct_(10))
    IssuanceFactory(
        badge=badge,
        customer=customer,
        event_date=oct_(12),
        issued_on=oct_(12, 13),
        expires_on=oct_(12, 14),
    )
    issued = issue_at(badge, oct_(20), oct_(11), "r4")
    assert issued.status == "ISSUED", "one of two in Oct 10-12"
    refused = issue_at(badge, oct_(23), oct_(10, 13), "r5")
    assert refused.refusal.code == "CUSTOMER_LIMIT_REACHED"
    assert (refused.refusal.details["limit"], refused.refusal.details["count"]) == (2, 2)


def test_live_badge_gives_an_expired_enrolment_no_retro_handling(badge):
    enrol_one(badge, oct_(5, 13), enrol_event_date=oct_(5))
    assert code(issue_at(badge, oct_(9), oct_(6), "r1")) == "ENROLMENT_EXPIRED"
    enrol_one(badge, oct_(9), enrol_event_date=oct_(9))
    assert issue_at(badge, oct_(9, 13), oct_(9, 12), "r2").status == "ISSUED"
