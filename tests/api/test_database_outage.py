"""A database outage answers 503 SERVICE_UNAVAILABLE with Retry-After, so that a client retries
with the same request_id, and the next request works on a new connection."""

import json
import urllib.error
import urllib.request

import psycopg
import pytest
from django.db import OperationalError, connection

from badges import selectors
from badges.models import Issuance, Role
from tests.factories import BadgeFactory, MembershipFactory, TokenFactory


def test_a_lost_database_connection_answers_503_with_retry_after(editor_a, org_a, monkeypatch):
    badge = BadgeFactory(org=org_a)

    def unreachable(**kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr("badges.services.customers.customers_locked", unreachable)
    response = editor_a.post(
        f"/api/v1/badges/{badge.pk}/issue/",
        {"customers": ["c-1"], "request_id": "r-1"},
        format="json",
    )
    assert (response.status_code, response["Retry-After"]) == (503, "2")
    assert response.json()["code"] == "SERVICE_UNAVAILABLE"
    assert not Issuance.objects.exists()


def get(url: str, token: str) -> tuple[int, dict, dict]:
    request = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), json.load(response)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), json.load(error)


@pytest.mark.postgres
def test_a_database_restart_mid_request_is_503_and_the_next_request_reconnects(
    live_server, transactional_db, monkeypatch
):
    membership = MembershipFactory(role=Role.VIEWER)
    BadgeFactory(org=membership.org)
    token = TokenFactory(user=membership.user).key
    settings = connection.settings_dict
    admin_dsn = (
        f"host={settings['HOST']} port={settings['PORT']} user={settings['USER']} dbname=postgres"
    )
    badge_list = selectors.badge_list
    terminated = []

    def terminated_first(*, org):
        """Ends the server's own database session, as a restart of PostgreSQL does."""
        if not terminated:
            backend = connection.connection.info.backend_pid
            with psycopg.connect(admin_dsn, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", [backend])
            terminated.append(backend)
        return badge_list(org=org)

    monkeypatch.setattr(selectors, "badge_list", terminated_first)
    status, headers, body = get(f"{live_server.url}/api/v1/badges/", token)
    assert (status, headers.get("Retry-After"), body["code"]) == (503, "2", "SERVICE_UNAVAILABLE")
    status, _, body = get(f"{live_server.url}/api/v1/badges/", token)
    assert (status, body["count"]) == (200, 1)
