"""SPEC 5, step 1: a replayed request_id answers what the first answer said, byte for byte (but
for ``replayed``), also where the refusal carries instants in a non-UTC org's timezone."""

from datetime import datetime

import pytest
import time_machine

from badges.models import LimitScope
from tests.factories import BadgeFactory, FixedWindowConfigFactory, IssuanceFactory

pytestmark = pytest.mark.django_db

NOW = datetime.fromisoformat("2026-09-10T06:30:00+00:00")


@pytest.fixture
def badge(org_a):
    """A September badge in Asia/Kolkata whose issuances last two weeks."""
    assert org_a.timezone == "Asia/Kolkata"
    return BadgeFactory(
        org=org_a,
        start_on=datetime.fromisoformat("2026-09-01T00:00:00+05:30"),
        expires_on=datetime.fromisoformat("2026-10-01T00:00:00+05:30"),
        issue_expiry_type="RELATIVE",
        issue_expiry_value=2,
        issue_expiry_unit="WEEKS",
    )


def issue(client, badge, request_id: str, customer: str = "c-1"):
    with time_machine.travel(NOW, tick=False):
        return client.post(
            f"/api/v1/badges/{badge.pk}/issue/",
            {"customers": [customer], "request_id": request_id},
            format="json",
        )


def replayed_form(body: bytes) -> bytes:
    return body.replace(b'"replayed":false', b'"replayed":true')


def test_a_replayed_overlap_refusal_is_the_first_answer_byte_for_byte(editor_a, badge):
    issue(editor_a, badge, "first")
    refused = issue(editor_a, badge, "second")
    assert refused.json()["results"][0]["details"] == {
        "next_eligible_at": "2026-09-24T12:00:00+05:30"
    }
    again = issue(editor_a, badge, "second")
    assert again.json()["results"][0]["replayed"] is True
    assert again.content == replayed_form(refused.content)


def test_a_replayed_limit_refusal_is_the_first_answer_byte_for_byte(editor_a, badge):
    FixedWindowConfigFactory(
        badge=badge,
        scope=LimitScope.BADGE,
        max_earn_limit=1,
        duration_type="WEEKS",
        refresh_rate=1,
        week_start_day="MONDAY",
        starts_on=badge.start_on,
    )
    IssuanceFactory(badge=badge, event_date=NOW, issued_on=NOW)
    refused = issue(editor_a, badge, "r-1", customer="c-2")
    details = refused.json()["results"][0]["details"]
    assert (details["kind"], details["cycle"]["start"]) == (
        "FIXED_WINDOW",
        "2026-09-07T00:00:00+05:30",
    )
    again = issue(editor_a, badge, "r-1", customer="c-2")
    assert again.content == replayed_form(refused.content)
