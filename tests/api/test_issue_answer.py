"""The issue answer is built directly, not through DRF's fields: for every kind of outcome it
renders byte for byte what its declared serializer renders."""

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from badges.api.serializers.issuance import IssueResponseSerializer
from badges.models import LimitScope
from badges.services.issuance import IssueOrder, TriggeredBy, issue
from tests.factories import (
    BadgeBenefitFactory,
    BadgeClaimFactory,
    BadgeFactory,
    CustomerFactory,
    FixedWindowConfigFactory,
    OrganizationFactory,
    RollingLimitFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 9, 10, 6, 30, tzinfo=UTC)


@pytest.fixture
def org():
    return OrganizationFactory(timezone="Asia/Kolkata", retro_delay_since_registration_hours=48)


def outcomes_of_every_kind(org) -> list:
    relative = BadgeFactory(
        org=org,
        start_on=NOW - timedelta(days=5),
        expires_on=NOW + timedelta(days=20),
        issue_expiry_type="RELATIVE",
        issue_expiry_value=1,
        issue_expiry_unit="DAYS",
        customer_overall_limit=3,
    )
    BadgeBenefitFactory(badge=relative, details={"points": 100})
    BadgeClaimFactory(badge=relative, module="LOYALTY", reference="Program")
    RollingLimitFactory(badge=relative, limit=1, value=2, unit="DAYS")
    born_expired = BadgeFactory(
        org=org,
        start_on=NOW - timedelta(days=5),
        issue_expiry_type="FIXED_DATE",
        issue_expiry_date=NOW - timedelta(days=1),
    )
    RollingLimitFactory(badge=born_expired, limit=1, value=2, unit="DAYS")
    never = BadgeFactory(org=org, start_on=NOW - timedelta(days=5), badge_overall_limit=1)
    fixed = BadgeFactory(org=org, start_on=NOW - timedelta(days=5))
    FixedWindowConfigFactory(badge=fixed, scope=LimitScope.BADGE, max_earn_limit=1)
    inactive = BadgeFactory(org=org, start_on=NOW - timedelta(days=5), is_active=False)
    CustomerFactory(org=org, customer_id="new-member", registered_on=NOW - timedelta(hours=1))
    by = TriggeredBy(module="LOYALTY", reference="Program")

    def run(badge, customers, request_id, **order):
        return issue(
            badge=badge,
            customer_ids=customers,
            order=IssueOrder(request_id=request_id, **order),
            now=NOW,
        )

    return [
        *run(relative, ["a", "b"], "first", triggered_by=by),
        *run(relative, ["a"], "overlap"),
        *run(born_expired, ["a"], "once"),
        *run(born_expired, ["a"], "twice"),
        *run(relative, ["a"], "first", triggered_by=by),
        *run(relative, ["a"], "first"),
        *run(relative, ["c"], "dry", dry_run=True),
        *run(never, ["a", "b"], "never"),
        *run(never, ["b"], "never"),
        *run(fixed, ["a", "b"], "fixed"),
        *run(inactive, ["a"], "inactive"),
        *run(relative, ["new-member"], "retro", event_date=NOW - timedelta(days=2)),
    ]


def test_the_issue_answer_renders_what_its_serializer_declares(org):
    outcomes = outcomes_of_every_kind(org)
    codes = {o.refusal.code if o.refusal else o.status for o in outcomes}
    assert codes >= {
        "ISSUED",
        "WOULD_ISSUE",
        "CUSTOMER_LIMIT_REACHED",
        "BADGE_LIMIT_REACHED",
        "REQUEST_ID_REUSED",
        "BADGE_INACTIVE",
        "REGISTRATION_DELAY",
    }
    assert any(o.replayed for o in outcomes)
    answer = IssueResponseSerializer(
        {"results": outcomes}, context={"org": org, "now": NOW + timedelta(days=1)}
    )
    declared = serializers.Serializer.to_representation(answer, {"results": outcomes})
    assert JSONRenderer().render(answer.data) == JSONRenderer().render(declared)
