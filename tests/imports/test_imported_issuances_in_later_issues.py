"""SPEC 6 and 14: imported issuances skip limits when imported and count for them, and for
overlap, in every later issue."""

from datetime import UTC, datetime, timedelta

import pytest

from badges.imports.choices import RowStatus
from badges.imports.services.earned import earned_badges_import
from badges.models import IssueExpiryType
from badges.services.issuance import IssueOrder, issue
from badges.services.issued_counts import issued_count_start
from tests.factories import BadgeFactory, CustomerFactory, IssuanceFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 9, 20, 12, tzinfo=UTC)


@pytest.fixture
def badge(org_a):
    return BadgeFactory(
        org=org_a,
        start_on=datetime(2026, 9, 1, tzinfo=UTC),
        expires_on=datetime(2026, 10, 1, tzinfo=UTC),
        issue_expiry_type=IssueExpiryType.RELATIVE,
        issue_expiry_value=2,
        issue_expiry_unit="WEEKS",
    )


def imported(org, badge, customer, earned, expires):
    return earned_badges_import(
        org=org,
        rows=[
            {
                "badge": str(badge.pk),
                "customer_id": customer,
                "earn_event_date": earned.isoformat(),
                "expires_on": expires.isoformat() if expires else "",
            }
        ],
        now=NOW,
    )[0]


def issued(badge, customer, request_id="r-1"):
    [outcome] = issue(
        badge=badge, customer_ids=[customer], order=IssueOrder(request_id=request_id), now=NOW
    )
    return outcome


def test_an_imported_issuance_blocks_a_later_overlapping_issue(org_a, badge):
    imported(org_a, badge, "c-1", NOW - timedelta(days=3), NOW + timedelta(minutes=1))
    outcome = issued(badge, "c-1")
    assert (outcome.status, outcome.refusal.code) == ("REFUSED", "OVERLAPPING_ISSUANCE")


def test_an_imported_issuance_ended_by_now_blocks_nothing(org_a, badge):
    imported(org_a, badge, "c-1", NOW - timedelta(days=3), NOW)
    assert issued(badge, "c-1").status == "ISSUED"


def test_imports_skip_limits_and_count_for_them_afterwards(org_a, badge):
    badge.customer_overall_limit = 1
    badge.save()
    first = imported(org_a, badge, "c-1", NOW - timedelta(days=19), NOW - timedelta(days=15))
    second = imported(org_a, badge, "c-1", NOW - timedelta(days=10), NOW - timedelta(days=5))
    assert [first.status, second.status] == [RowStatus.IMPORTED, RowStatus.IMPORTED]
    outcome = issued(badge, "c-1")
    assert (outcome.status, outcome.refusal.code) == ("REFUSED", "CUSTOMER_LIMIT_REACHED")


def test_imports_count_for_the_overall_badge_limit_kept_by_its_issued_count(org_a, badge):
    badge.badge_overall_limit = 2
    badge.save()
    issued_count_start(badge)
    imported(org_a, badge, "c-1", NOW - timedelta(days=10), NOW - timedelta(days=5))
    assert issued(badge, "c-2").status == "ISSUED"
    outcome = issued(badge, "c-3", "r-2")
    assert (outcome.status, outcome.refusal.code) == ("REFUSED", "BADGE_LIMIT_REACHED")


def test_an_import_overlapping_an_api_issuance_is_reported(org_a, badge):
    IssuanceFactory(
        org=org_a,
        badge=badge,
        customer=CustomerFactory(org=org_a, customer_id="c-1"),
        issued_on=NOW - timedelta(days=1),
        expires_on=NOW + timedelta(days=13),
    )
    result = imported(org_a, badge, "c-1", NOW - timedelta(days=2), None)
    assert result.status == RowStatus.OVERLAPPING
