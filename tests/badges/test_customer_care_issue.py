"""SPEC 7's interpretation of the customer-care (MEMBERCARE) issue, seeds 002/003: on Oct 20 a
customer complains that a badge (Oct 1-15) was not issued."""

from datetime import UTC, datetime

import pytest

from badges.models import LimitScope
from badges.services.issuance import IssueOrder, issue
from tests.badges.seeds_002_003 import oct_, october_badge
from tests.factories import (
    CustomerFactory,
    FixedWindowConfigFactory,
    IssuanceFactory,
    OrganizationFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def org():
    return OrganizationFactory(timezone="UTC", retro_max_allowed_age_days=30)


@pytest.fixture
def badge(org):
    return october_badge(org)


def care(badge, now, customer="c-1", request_id="care-1", event_date=None):
    [outcome] = issue(
        badge=badge,
        customer_ids=[customer],
        order=IssueOrder(request_id=request_id, event_date=event_date, source="MEMBERCARE"),
        now=now,
    )
    return outcome


def test_goodwill_issue_skips_enrolment_and_badge_period_and_expires_from_now(badge):
    outcome = care(badge, oct_(20))
    assert outcome.status == "ISSUED"
    assert outcome.issuance.event_date == oct_(20), "recorded as sent (default now)"
    assert outcome.issuance.expires_on == oct_(22)
    assert outcome.issuance.source == "MEMBERCARE"


def test_ended_badge_only_until_its_end_plus_the_retro_window(badge):
    assert care(badge, datetime(2026, 11, 14, 23, tzinfo=UTC)).status == "ISSUED"
    late = care(badge, datetime(2026, 11, 15, 0, tzinfo=UTC), customer="c-2")
    assert late.refusal.code == "RETRO_WINDOW_EXCEEDED"


def test_still_refused_within_the_registration_delay(org, badge):
    org.retro_delay_since_registration_hours = 24
    org.save()
    CustomerFactory(org=org, customer_id="new", registered_on=oct_(20, 9))
    assert care(badge, oct_(20), customer="new").refusal.code == "REGISTRATION_DELAY"


def test_keeps_the_overlap_check(badge):
    care(badge, oct_(20))
    assert care(badge, oct_(21), request_id="care-2").refusal.code == "OVERLAPPING_ISSUANCE"


def test_fixed_window_counts_it_in_the_badges_last_cycle_after_the_end(org, badge):
    FixedWindowConfigFactory(
        badge=badge,
        scope=LimitScope.CUSTOMER,
        max_earn_limit=1,
        duration_type="DAYS",
        refresh_rate=3,
    )
    customer = CustomerFactory(org=org, customer_id="c-1")
    IssuanceFactory(
        badge=badge, customer=customer, event_date=oct_(14), issued_on=oct_(14), expires_on=oct_(15)
    )
    refused = care(badge, oct_(20))
    assert refused.refusal.code == "CUSTOMER_LIMIT_REACHED"
    assert refused.refusal.details["cycle"] == {"start": oct_(13, 0), "end": oct_(16, 0)}


def test_fixed_window_counts_it_in_the_badges_first_cycle_before_the_start(org, badge):
    """Dated before the badge start (allowed: the period check is skipped), it still counts."""
    FixedWindowConfigFactory(
        badge=badge,
        scope=LimitScope.CUSTOMER,
        max_earn_limit=1,
        duration_type="DAYS",
        refresh_rate=3,
    )
    assert care(badge, oct_(2), event_date=datetime(2026, 9, 30, tzinfo=UTC)).status == "ISSUED"
    refused = care(badge, oct_(5), request_id="care-2", event_date=oct_(2))
    assert refused.refusal.code == "CUSTOMER_LIMIT_REACHED"
    assert refused.refusal.details["cycle"] == {"start": oct_(1, 0), "end": oct_(4, 0)}


def test_registration_delay_applies_on_a_live_badge_too(org, badge):
    """Not only retro: a goodwill issue for today also waits (SPEC 7, "still refused within the
    registration delay")."""
    org.retro_delay_since_registration_hours = 24
    org.save()
    CustomerFactory(org=org, customer_id="new", registered_on=oct_(10, 9))
    assert care(badge, oct_(10), customer="new").refusal.code == "REGISTRATION_DELAY"
