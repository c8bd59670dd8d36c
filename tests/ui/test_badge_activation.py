"""Deactivate and activate from the browser go through a confirmation page and the same
services as the API: the refusals are the API's, viewers can't, and another org's badge is not
found."""

import pytest

from badges.models import Badge, BadgeChange
from tests.factories import BadgeFactory
from tests.ui.conftest import signed_in

pytestmark = pytest.mark.django_db


def test_deactivation_asks_first_and_changes_nothing_until_confirmed(editor_page, org_a):
    badge = BadgeFactory(org=org_a, name="Gold")
    response = editor_page.get(
        f"/badges/ui/{badge.pk}/deactivate/?next=/badges/ui/%3Fstatus%3Dlive"
    )
    assert response.status_code == 200
    assert "Deactivate “Gold”?" in response.content.decode()
    assert 'name="next" value="/badges/ui/?status=live"' in response.content.decode()
    assert Badge.objects.get(pk=badge.pk).is_active


def test_confirming_deactivates_records_it_and_returns_to_the_list(editor_page, org_a):
    badge = BadgeFactory(org=org_a)
    response = editor_page.post(
        f"/badges/ui/{badge.pk}/deactivate/", {"next": "/badges/ui/?status=live"}
    )
    assert response.status_code == 302 and response["Location"] == "/badges/ui/?status=live"
    badge.refresh_from_db()
    assert not badge.is_active and badge.updated_by == editor_page.user
    assert BadgeChange.objects.filter(badge=badge, action="deactivated").exists()
    response = editor_page.post(f"/badges/ui/{badge.pk}/activate/")
    assert response["Location"] == "/badges/ui/"
    badge.refresh_from_db()
    assert badge.is_active


def test_an_ended_badge_is_refused_with_the_apis_code(editor_page, org_a):
    badge = BadgeFactory(org=org_a, ended=True)
    response = editor_page.post(f"/badges/ui/{badge.pk}/deactivate/")
    assert response.status_code == 400
    assert "BADGE_ENDED" in response.content.decode()
    assert Badge.objects.get(pk=badge.pk).is_active


def test_viewers_get_403_and_nothing_changes(viewer_page, org_a):
    badge = BadgeFactory(org=org_a)
    assert viewer_page.get(f"/badges/ui/{badge.pk}/deactivate/").status_code == 403
    assert viewer_page.post(f"/badges/ui/{badge.pk}/deactivate/").status_code == 403
    assert Badge.objects.get(pk=badge.pk).is_active


def test_another_orgs_badge_is_not_found(editor_page, org_b):
    badge = BadgeFactory(org=org_b)
    assert editor_page.get(f"/badges/ui/{badge.pk}/deactivate/").status_code == 404
    assert editor_page.post(f"/badges/ui/{badge.pk}/deactivate/").status_code == 404
    assert Badge.objects.get(pk=badge.pk).is_active


def test_next_to_another_site_returns_to_the_list(org_a):
    page = signed_in(org_a)
    badge = BadgeFactory(org=org_a)
    response = page.post(f"/badges/ui/{badge.pk}/deactivate/", {"next": "https://evil.example/"})
    assert response["Location"] == "/badges/ui/"
