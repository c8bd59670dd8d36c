"""SPEC 7's interpretation of the customer-care (MEMBERCARE) issue, seeds 002/003: on Oct 20 a
customer complains that a badge (Oct 1-15) was not issued."""

from datetime import UTC, datetime, timedelta

import pytest

from badges.exceptions import RuleViolation
from badges.models import Issuance, LimitScope
from badges.services.enrolment import EnrolOrder, enrol
from badges.services.issuance import IssueOrder, issue
from badges.values import is_reason
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


def test_a_goodwill_issue_dated_after_the_end_fills_the_badges_last_cycle(org, badge):
    """Counted in the last cycle (Oct 13-15), it blocks a later goodwill issue and a retro issue
    dated inside that cycle alike."""
    FixedWindowConfigFactory(
        badge=badge,
        scope=LimitScope.CUSTOMER,
        max_earn_limit=1,
        duration_type="DAYS",
        refresh_rate=3,
    )
    assert care(badge, oct_(20)).status == "ISSUED"
    later = care(badge, oct_(25), request_id="care-2")
    assert later.refusal.code == "CUSTOMER_LIMIT_REACHED"
    assert later.refusal.details["cycle"] == {"start": oct_(13, 0), "end": oct_(16, 0)}
    enrol(
        badge=badge, customer_ids=["c-1"], now=oct_(25), order=EnrolOrder(enrol_event_date=oct_(14))
    )
    [retro] = issue(
        badge=badge,
        customer_ids=["c-1"],
        order=IssueOrder(request_id="retro", event_date=oct_(14)),
        now=oct_(25),
    )
    assert retro.refusal.code == "CUSTOMER_LIMIT_REACHED"


def test_a_goodwill_issue_dated_at_the_badge_end_counts_in_the_last_cycle(org, badge):
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
    refused = care(badge, oct_(20), event_date=badge.expires_on)
    assert refused.refusal.code == "CUSTOMER_LIMIT_REACHED"
    assert refused.refusal.details["cycle"] == {"start": oct_(13, 0), "end": oct_(16, 0)}


def test_a_goodwill_issue_after_the_end_counts_in_the_last_cycle_however_short(org):
    """A badge ending a microsecond after midnight has a last daily cycle a microsecond long:
    the goodwill issue counts there, not in the day before, which is full."""
    end = oct_(16, 0) + timedelta(microseconds=1)
    badge = october_badge(org)
    badge.expires_on = end
    badge.save()
    FixedWindowConfigFactory(
        badge=badge,
        scope=LimitScope.CUSTOMER,
        max_earn_limit=1,
        duration_type="DAYS",
        refresh_rate=1,
    )
    customer = CustomerFactory(org=org, customer_id="c-1")
    IssuanceFactory(
        badge=badge,
        customer=customer,
        event_date=oct_(15),
        issued_on=oct_(15),
        expires_on=oct_(15, 13),
    )
    assert care(badge, oct_(20)).status == "ISSUED"


def test_a_badge_wide_fixed_window_counts_it_in_the_badges_last_cycle_too(org, badge):
    FixedWindowConfigFactory(
        badge=badge, scope=LimitScope.BADGE, max_earn_limit=1, duration_type="DAYS", refresh_rate=3
    )
    IssuanceFactory(badge=badge, event_date=oct_(14), issued_on=oct_(14), expires_on=oct_(15))
    refused = care(badge, oct_(20))
    assert refused.refusal.code == "BADGE_LIMIT_REACHED"
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


def test_the_reason_of_a_care_issue_is_kept_on_the_issuance(badge):
    [outcome] = issue(
        badge=badge,
        customer_ids=["c-1"],
        order=IssueOrder(request_id="care-r", source="MEMBERCARE", reason="  Complained Oct 20 "),
        now=oct_(20),
    )
    outcome.issuance.refresh_from_db()
    assert outcome.issuance.issue_reason == "Complained Oct 20"


def test_a_blank_reason_or_one_over_500_characters_or_with_nul_is_refused(badge):
    for reason in ("x" * 501, "bad\x00reason", " \t"):
        with pytest.raises(RuleViolation) as refused:
            issue(
                badge=badge,
                customer_ids=["c-1"],
                order=IssueOrder(request_id="care-r", source="MEMBERCARE", reason=reason),
                now=oct_(20),
            )
        assert [(v.code, v.field) for v in refused.value.violations] == [
            ("ISSUE_REASON_INVALID", "reason")
        ]
    assert not Issuance.objects.exists()
    assert is_reason("x" * 500)


def test_a_replay_with_another_reason_is_another_body(badge):
    def with_reason(reason):
        order = IssueOrder(request_id="care-r", source="MEMBERCARE", reason=reason)
        return issue(badge=badge, customer_ids=["c-1"], order=order, now=oct_(20))[0]

    first = with_reason("Complained")
    assert (with_reason(" Complained ").replayed, first.status) == (True, "ISSUED")
    assert with_reason("Other").refusal.code == "REQUEST_ID_REUSED"
    assert with_reason("").refusal.code == "REQUEST_ID_REUSED"
