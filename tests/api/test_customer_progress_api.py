"""``customers/{customer_id}/progress/`` and the ``progress`` of available badges (SPEC 12, 15):
a customer's progress toward target badges, per rule and period, totals and targets as JSON
numbers; none for a customer not seen yet or another org's."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.events.factories import body, processed, rule_for
from tests.factories import BadgeFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/customers/c-42/progress/"
AVAILABLE = "/api/v1/customers/c-42/available-badges/"


@pytest.fixture
def gold(org_a):
    return BadgeFactory(org=org_a, name="Gold Shopper")


@pytest.fixture
def regular(org_a):
    return BadgeFactory(org=org_a, name="Regular")


@pytest.fixture
def spend(gold):
    return rule_for(gold, name="Spend 500", target={"kind": "SUM", "field": "amount", "value": 500})


@pytest.fixture
def visits(regular):
    return rule_for(regular, name="Three visits", target={"kind": "COUNT", "value": 3})


def spent(org, event_id: str, amount, when):
    return processed(
        org, body(event_id, reference=event_id, payload={"amount": amount}, event_date=when)
    )


def test_progress_shows_each_target_rule_and_period(viewer_a, org_a, gold, spend, visits):
    now = timezone.now()
    spent(org_a, "b-1", 200, now - timedelta(hours=2))
    crossing = spent(org_a, "b-2", 350.5, now - timedelta(hours=1))
    response = viewer_a.get(URL)
    assert response.status_code == 200, response.json()
    reached, counting = response.json()["results"]
    issual_id = crossing.outcomes.get(rule=spend).issuance_id
    assert reached == {
        "rule": str(spend.pk),
        "rule_name": "Spend 500",
        "badge": str(gold.pk),
        "badge_name": "Gold Shopper",
        "kind": "SUM",
        "field": "amount",
        "target": 500,
        "total": 550.5,
        "count": 2,
        "period_start": reached["period_start"],
        "period_end": None,
        "reached": True,
        "crossed_on": crossing.event_date.astimezone(org_a.tzinfo).isoformat(),
        "issual_id": str(issual_id),
        "refusal_code": None,
    }
    assert reached["period_start"].endswith("+05:30")
    assert (counting["rule"], counting["kind"], counting["field"]) == (
        str(visits.pk),
        "COUNT",
        None,
    )
    assert (counting["total"], counting["target"], counting["count"]) == (2, 3, 2)
    assert (counting["reached"], counting["crossed_on"], counting["issual_id"]) == (
        False,
        None,
        None,
    )


def test_a_customer_not_seen_yet_or_of_another_org_has_no_progress(
    viewer_a, editor_b, org_a, spend
):
    spent(org_a, "b-1", 200, timezone.now())
    assert viewer_a.get("/api/v1/customers/nobody/progress/").json()["count"] == 0
    response = editor_b.get(URL)
    assert (response.status_code, response.json()["count"]) == (200, 0)


def test_available_badges_show_the_progress_toward_their_target(
    viewer_a, org_a, gold, regular, spend
):
    plain = BadgeFactory(org=org_a, name="Plain")
    rule_for(plain, name="No target")
    spent(org_a, "b-1", 200, timezone.now())
    results = {r["name"]: r for r in viewer_a.get(AVAILABLE).json()["results"]}
    assert results["Gold Shopper"]["progress"] == {
        "rule": str(spend.pk),
        "total": 200,
        "target": 500,
        "reached": False,
    }
    assert results["Regular"]["progress"] is None
    assert results["Plain"]["progress"] is None


def test_a_customer_not_seen_yet_stands_at_0_toward_every_target(viewer_a, spend):
    [gold] = viewer_a.get("/api/v1/customers/nobody/available-badges/").json()["results"]
    assert gold["progress"] == {"rule": str(spend.pk), "total": 0, "target": 500, "reached": False}


def test_a_disabled_target_rule_shows_no_progress(editor_a, viewer_a, spend):
    editor_a.patch(f"/api/v1/rules/{spend.pk}/", {"is_active": False}, format="json")
    [gold] = viewer_a.get(AVAILABLE).json()["results"]
    assert gold["progress"] is None
