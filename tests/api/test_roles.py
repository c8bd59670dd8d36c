"""SPEC 2 roles: viewers read, editors change badges, admins also change org settings."""

import pytest
from rest_framework.test import APIClient

from tests.events.factories import rule_for
from tests.factories import BadgeFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/badges/"
NEW_BADGE = {
    "name": "New",
    "start_on": "2030-01-01",
    "expires_on": "2030-02-01",
    "issue_type": "ISSUE",
    "issue_expiry": {"type": "NEVER"},
    "owners": ["LOYALTY"],
}


def writes(badge) -> list[tuple[str, str, dict | None]]:
    return [
        ("post", URL, NEW_BADGE),
        ("patch", f"{URL}{badge.pk}/", {"description": "x"}),
        ("post", f"{URL}{badge.pk}/deactivate/", None),
        ("post", f"{URL}{badge.pk}/activate/", None),
        ("post", f"{URL}{badge.pk}/owners/", {"module": "JOURNEYS"}),
        ("post", f"{URL}{badge.pk}/claims/", {"module": "LOYALTY", "reference": "P"}),
    ]


def test_viewer_reads_but_every_write_is_403(viewer_a, org_a):
    badge = BadgeFactory(org=org_a)
    assert viewer_a.get(URL).status_code == 200
    assert viewer_a.get(f"{URL}{badge.pk}/").status_code == 200
    assert viewer_a.get("/api/v1/org/").status_code == 200
    for method, url, body in writes(badge):
        response = getattr(viewer_a, method)(url, body, format="json")
        assert (response.status_code, response.json()["code"]) == (403, "PERMISSION_DENIED")
    badge.refresh_from_db()
    assert badge.is_active and badge.description == ""
    assert viewer_a.patch("/api/v1/org/", {"timezone": "UTC"}, format="json").status_code == 403


@pytest.mark.parametrize("client_fixture", ["editor_a", "admin_a"])
def test_editors_and_admins_write_badges(request, org_a, client_fixture):
    client = request.getfixturevalue(client_fixture)
    badge = BadgeFactory(org=org_a)
    for method, url, body in writes(badge):
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code in (200, 201), (url, response.json())


def test_only_admins_change_org_settings(editor_a, admin_a):
    assert editor_a.patch("/api/v1/org/", {"timezone": "UTC"}, format="json").status_code == 403
    response = admin_a.patch("/api/v1/org/", {"timezone": "UTC"}, format="json")
    assert (response.status_code, response.json()["timezone"]) == (200, "UTC")


def test_anonymous_requests_are_401(org_a):
    client = APIClient()
    for url in (URL, "/api/v1/org/"):
        response = client.get(url)
        assert (response.status_code, response.json()["code"]) == (401, "NOT_AUTHENTICATED")


def test_a_user_without_an_org_is_403(db):
    client = APIClient()
    client.force_authenticate(UserFactory())
    assert client.get(URL).status_code == 403


def test_session_login_works_like_a_token(org_a, editor_a):
    client = APIClient()
    client.force_login(editor_a.user)
    assert client.get(URL).status_code == 200


def rule_and_event_writes(badge) -> list[tuple[str, str, dict | None]]:
    rule = rule_for(badge)
    event = {
        "event_id": "e-1",
        "event_type": "TransactionAdd",
        "customer_id": "c-1",
        "event_date": "2026-01-01",
    }
    return [
        ("post", "/api/v1/events/", {**event, "dry_run": True}),
        ("post", "/api/v1/events/", event),
        (
            "post",
            "/api/v1/rules/",
            {
                "name": "New",
                "module": "LOYALTY",
                "program": "P",
                "event_type": "TransactionAdd",
                "action": "ISSUE_BADGE",
                "badge": str(badge.pk),
                "confirm_claim": True,
            },
        ),
        ("patch", f"/api/v1/rules/{rule.pk}/", {"is_active": False}),
        ("delete", f"/api/v1/rules/{rule.pk}/", None),
    ]


def test_viewers_read_rules_and_events_but_write_neither(viewer_a, org_a):
    for method, url, body in rule_and_event_writes(BadgeFactory(org=org_a)):
        response = getattr(viewer_a, method)(url, body, format="json")
        assert (response.status_code, response.json()["code"]) == (403, "PERMISSION_DENIED")
    for url in ("/api/v1/rules/", "/api/v1/events/", "/api/v1/customers/c-1/progress/"):
        assert viewer_a.get(url).status_code == 200


@pytest.mark.parametrize("client_fixture", ["editor_a", "admin_a"])
def test_editors_and_admins_write_rules_and_post_events(request, org_a, client_fixture):
    """Posting an event issues and revokes badges: the role that issues, as ``issue/`` needs."""
    client = request.getfixturevalue(client_fixture)
    for method, url, body in rule_and_event_writes(BadgeFactory(org=org_a)):
        response = getattr(client, method)(url, body, format="json")
        assert response.status_code in (200, 201, 202, 204), (url, response.content)
