"""SPEC 2 org settings through `org/`."""

import pytest

from badges.models import Organization

pytestmark = pytest.mark.django_db

URL = "/api/v1/org/"


def test_org_reads_its_settings_without_the_webhook_secret(admin_a):
    admin_a.patch(URL, {"webhook_secret": "s3cret"}, format="json")
    body = admin_a.get(URL).json()
    assert body == {
        "id": admin_a.user.memberships.get().org_id,
        "name": "Brand A",
        "slug": "brand-a",
        "timezone": "Asia/Kolkata",
        "retro_max_allowed_age_days": 30,
        "retro_delay_since_registration_hours": 0,
        "revoke_on_return": False,
        "webhook_url": "",
        "webhook_secret_set": True,
    }


def test_admin_changes_settings(admin_a, org_a):
    response = admin_a.patch(
        URL,
        {
            "timezone": "Europe/London",
            "retro_max_allowed_age_days": 45,
            "retro_delay_since_registration_hours": 24,
            "revoke_on_return": True,
            "webhook_url": "https://hooks.example.com/badges",
        },
        format="json",
    )
    assert response.status_code == 200, response.json()
    org_a.refresh_from_db()
    assert (org_a.timezone, org_a.retro_max_allowed_age_days) == ("Europe/London", 45)
    assert org_a.revoke_on_return


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"timezone": "Mars/Olympus"}, "timezone", "TIMEZONE_INVALID"),
        ({"timezone": "localtime"}, "timezone", "TIMEZONE_INVALID"),
        ({"timezone": "Factory"}, "timezone", "TIMEZONE_INVALID"),
        ({"retro_max_allowed_age_days": -1}, "retro_max_allowed_age_days", "MIN_VALUE"),
        ({"webhook_url": "not a url"}, "webhook_url", "INVALID"),
        ({"webhook_url": "ftp://hooks.example.com/x"}, "webhook_url", "INVALID"),
    ],
)
def test_bad_settings_are_refused_with_a_code(admin_a, body, field, code):
    response = admin_a.patch(URL, body, format="json")
    assert response.status_code == 400
    assert {(e["field"], e["code"]) for e in response.json()["errors"]} == {(field, code)}
    assert Organization.objects.get(slug="brand-a").timezone == "Asia/Kolkata"


def test_slug_cannot_change(admin_a):
    admin_a.patch(URL, {"slug": "other"}, format="json")
    assert admin_a.get(URL).json()["slug"] == "brand-a"


def test_retro_settings_are_bounded(admin_a):
    response = admin_a.patch(URL, {"retro_max_allowed_age_days": 10**6}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "MAX_VALUE")
