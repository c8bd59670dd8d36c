"""Every page is sent a strict content security policy, and no page holds an inline script
that the policy would block: scripts are files of the app's origin."""

import re

import pytest

from tests.events.factories import body, processed, rule_for
from tests.factories import BadgeFactory

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>")


def test_every_page_gets_the_strict_policy_and_holds_no_inline_script(editor_page, org_a):
    badge = BadgeFactory(org=org_a)
    rule = rule_for(badge)
    event = processed(org_a, body("e-1", payload={"amount": 600}))
    editor_page.user.is_staff = editor_page.user.is_superuser = True
    editor_page.user.save()
    for path in (
        "/",
        "/accounts/login/",
        "/org/",
        "/badges/ui/",
        f"/badges/ui/{badge.pk}/",
        f"/badges/ui/{badge.pk}/deactivate/",
        "/badges/ui/new/",
        f"/badges/ui/{badge.pk}/edit/",
        f"/badges/ui/{badge.pk}/images/",
        "/customers/ui/c-42/",
        "/rules/ui/",
        "/rules/ui/new/",
        f"/rules/ui/{rule.pk}/edit/",
        f"/rules/ui/{rule.pk}/disable/",
        f"/rules/ui/{rule.pk}/delete/",
        "/events/ui/",
        f"/events/ui/{event.pk}/",
        "/api/docs/",
        "/admin/",
    ):
        response = editor_page.get(path, follow=True)
        assert response.status_code == 200, path
        policy = response["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["script-src"] == "'self'", path
        assert "unsafe" not in policy, path
        assert directives["default-src"] == "'self'" and directives["object-src"] == "'none'"
        assert not INLINE_SCRIPT.search(response.content.decode()), path


def test_the_browsable_api_may_style_inline_but_runs_no_inline_script(editor_page):
    """DRF's templates lay out with style attributes: allowed on its pages alone."""
    response = editor_page.get("/api/v1/badges/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and b"<html" in response.content
    directives = dict(
        d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";")
    )
    assert directives["style-src"] == "'self' 'unsafe-inline'"
    assert directives["script-src"] == "'self'"
    assert not INLINE_SCRIPT.search(response.content.decode())
    json_answer = editor_page.get("/api/v1/badges/", HTTP_ACCEPT="application/json")
    assert "unsafe" not in json_answer["Content-Security-Policy"]
