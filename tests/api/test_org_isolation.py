"""SPEC 2: every read and write acts in one org; another org's objects answer 404 and never
show in lists, filters or counts."""

import uuid

import pytest
from rest_framework.test import APIClient

from badges.models import Badge, Role
from tests.factories import BadgeClaimFactory, BadgeFactory, MembershipFactory, TokenFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/badges/"


@pytest.fixture
def foreign_badge(org_b):
    return BadgeClaimFactory(badge__org=org_b, badge__name="B's badge").badge


def test_list_shows_only_the_acting_orgs_badges(editor_a, org_a, foreign_badge):
    own = BadgeFactory(org=org_a)
    body = editor_a.get(URL).json()
    assert body["count"] == 1
    assert [b["id"] for b in body["results"]] == [str(own.pk)]


def test_filters_and_search_never_reach_another_org(editor_a, foreign_badge):
    for query in ("?claimed_by=LOYALTY", "?owner=LOYALTY", "?search=B's", "?status=live"):
        assert editor_a.get(URL + query).json()["count"] == 0


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("get", "history/", None),
        ("patch", "", {"name": "Taken over"}),
        ("post", "activate/", None),
        ("post", "deactivate/", None),
        ("post", "owners/", {"module": "CAMPAIGNS"}),
        ("post", "claims/", {"module": "LOYALTY", "reference": "P"}),
    ],
)
def test_another_orgs_badge_answers_404_and_stays_untouched(
    editor_a, foreign_badge, method, suffix, body
):
    response = getattr(editor_a, method)(f"{URL}{foreign_badge.pk}/{suffix}", body, format="json")
    assert response.status_code == 404
    missing = getattr(editor_a, method)(f"{URL}{uuid.uuid4()}/{suffix}", body, format="json")
    assert response.json() == missing.json() == {"detail": "Not found.", "code": "NOT_FOUND"}
    foreign_badge.refresh_from_db()
    assert (foreign_badge.name, foreign_badge.is_active) == ("B's badge", True)
    assert foreign_badge.owners.count() == 1
    assert foreign_badge.claims.count() == 1
    assert not foreign_badge.changes.exists()


def test_badge_names_are_unique_per_org_only(editor_a, foreign_badge):
    response = editor_a.post(
        URL,
        {
            "name": "B's badge",
            "start_on": "2030-01-01",
            "expires_on": "2030-02-01",
            "issue_type": "ISSUE",
            "issue_expiry": {"type": "NEVER"},
            "owners": ["LOYALTY"],
        },
        format="json",
    )
    assert response.status_code == 201
    assert Badge.objects.filter(name="B's badge").count() == 2


def test_org_endpoint_shows_the_acting_org(editor_a, editor_b):
    assert editor_a.get("/api/v1/org/").json()["slug"] == "brand-a"
    assert editor_b.get("/api/v1/org/").json()["slug"] == "brand-b"


@pytest.fixture
def member_of_both(org_a, org_b):
    membership = MembershipFactory(org=org_a, role=Role.EDITOR)
    MembershipFactory(org=org_b, user=membership.user, role=Role.VIEWER)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {TokenFactory(user=membership.user).key}")
    return client


def test_a_member_of_several_orgs_names_one_in_x_org(member_of_both, org_a, org_b):
    BadgeFactory(org=org_a)
    response = member_of_both.get(URL)
    assert (response.status_code, response.json()["code"]) == (400, "ORG_REQUIRED")
    assert member_of_both.get(URL, HTTP_X_ORG="brand-a").json()["count"] == 1
    assert member_of_both.get(URL, HTTP_X_ORG="brand-b").json()["count"] == 0


def test_the_role_is_the_one_held_in_the_acting_org(member_of_both, org_a, org_b):
    badge_b = BadgeFactory(org=org_b)
    response = member_of_both.post(f"{URL}{badge_b.pk}/deactivate/", HTTP_X_ORG="brand-b")
    assert response.status_code == 403
    badge_a = BadgeFactory(org=org_a)
    response = member_of_both.post(f"{URL}{badge_a.pk}/deactivate/", HTTP_X_ORG="brand-a")
    assert response.status_code == 200


def test_an_org_the_user_is_not_in_answers_404(editor_a, org_b):
    for slug in ("brand-b", "no-such-org"):
        response = editor_a.get(URL, HTTP_X_ORG=slug)
        assert (response.status_code, response.json()["code"]) == (404, "NOT_FOUND")
        assert response.json()["detail"] == "No such org."


def test_a_badge_is_reached_only_through_the_org_it_belongs_to(member_of_both, org_b):
    badge_b = BadgeFactory(org=org_b)
    assert member_of_both.get(f"{URL}{badge_b.pk}/", HTTP_X_ORG="brand-a").status_code == 404
    assert member_of_both.get(f"{URL}{badge_b.pk}/", HTTP_X_ORG="brand-b").status_code == 200


def test_x_org_may_name_the_org_by_id(member_of_both, org_a, org_b):
    BadgeFactory(org=org_b)
    assert member_of_both.get(URL, HTTP_X_ORG=str(org_b.pk)).json()["count"] == 1


@pytest.fixture
def foreign_rule(org_b):
    from tests.events.factories import rule_for

    return rule_for(BadgeFactory(org=org_b), name="B's rule")


@pytest.mark.parametrize(
    ("method", "body"),
    [("get", None), ("patch", {"name": "Taken over", "is_active": False}), ("delete", None)],
)
def test_another_orgs_rule_answers_404_and_stays_untouched(editor_a, foreign_rule, method, body):
    url = "/api/v1/rules/"
    response = getattr(editor_a, method)(f"{url}{foreign_rule.pk}/", body, format="json")
    missing = getattr(editor_a, method)(f"{url}{uuid.uuid4()}/", body, format="json")
    assert response.status_code == missing.status_code == 404
    assert response.json() == missing.json() == {"detail": "Not found.", "code": "NOT_FOUND"}
    foreign_rule.refresh_from_db()
    assert (foreign_rule.name, foreign_rule.is_active) == ("B's rule", True)
    for query in ("", "?is_active=true", "?event_type=TransactionAdd", "?action=ISSUE_BADGE"):
        assert editor_a.get(url + query).json()["count"] == 0


def test_another_orgs_event_answers_404_and_its_customer_shows_no_progress(
    editor_a, foreign_rule, org_b
):
    from tests.events.factories import body, processed

    event = processed(org_b, body("e-b", customer_id="c-b"))
    response = editor_a.get(f"/api/v1/events/{event.pk}/")
    assert (response.status_code, response.json()["code"]) == (404, "NOT_FOUND")
    for query in ("", "?customer=c-b", "?status=PROCESSED"):
        assert editor_a.get(f"/api/v1/events/{query}").json()["count"] == 0
    assert editor_a.get("/api/v1/customers/c-b/progress/").json()["count"] == 0
