"""The badge view: its configuration (details, images, limits, fixed windows, benefits) and its
information (ID, authors, change history), in the org's timezone; another org's badge is not
found."""

import pytest

from badges.models import LimitScope, Module
from tests.factories import (
    BadgeBenefitFactory,
    BadgeChangeFactory,
    BadgeClaimFactory,
    BadgeFactory,
    FixedWindowConfigFactory,
    RollingLimitFactory,
)

pytestmark = pytest.mark.django_db


def test_shows_configuration_and_information(editor_page, org_a):
    badge = BadgeFactory(
        org=org_a,
        name="Gold",
        enrol_issue=True,
        issued_for_a_day=True,
        customer_overall_limit=3,
        badge_overall_limit=10_000,
    )
    BadgeClaimFactory(badge=badge, module=Module.LOYALTY, reference="Supermarket program")
    BadgeBenefitFactory(badge=badge, name="100 points", details={"earn": "on issue"})
    RollingLimitFactory(badge=badge, scope=LimitScope.CUSTOMER, limit=2, value=7, unit="DAYS")
    FixedWindowConfigFactory(badge=badge, scope=LimitScope.BADGE)
    BadgeChangeFactory(badge=badge, action="created")
    text = editor_page.get(f"/badges/ui/{badge.pk}/").content.decode()
    for shown in (
        "Gold",
        "Enrol &amp; issue",
        "2 days after enrolment",
        "1 day after issue",
        "Supermarket program",
        "3 in all",
        "10,000 in all",
        "2 in any 7 days",
        "Fixed-window configs",
        "100 points",
        "on issue",
        str(badge.pk),
        "Created",
        "Asia/Kolkata",
    ):
        assert shown in text, shown


def test_another_orgs_badge_is_not_found(editor_page, org_b):
    assert editor_page.get(f"/badges/ui/{BadgeFactory(org=org_b).pk}/").status_code == 404


def test_adding_an_owner_then_a_claim_from_the_badge_view(editor_page, org_a):
    badge = BadgeFactory(org=org_a)  # owned by LOYALTY
    url = f"/badges/ui/{badge.pk}/"
    refused = editor_page.post(
        url + "claims/", {"claim-module": "JOURNEYS", "claim-reference": "Onboarding"}
    )
    assert refused.status_code == 400
    assert "(CLAIM_NEEDS_OWNER)" in refused.content.decode()
    assert editor_page.post(url + "owners/", {"owner-module": "JOURNEYS"}).status_code == 302
    added = editor_page.post(
        url + "claims/", {"claim-module": "JOURNEYS", "claim-reference": "Onboarding"}
    )
    assert added.status_code == 302
    assert list(badge.claims.values_list("module", "reference")) == [("JOURNEYS", "Onboarding")]
    assert "Onboarding" in editor_page.get(url).content.decode()


def test_a_claim_is_bounded_as_the_api_bounds_it(editor_page, org_a):
    badge = BadgeFactory(org=org_a)
    response = editor_page.post(
        f"/badges/ui/{badge.pk}/claims/",
        {"claim-module": "LOYALTY", "claim-reference": "x" * 201},
    )
    assert response.status_code == 400 and not badge.claims.exists()
    response = editor_page.post(
        f"/badges/ui/{badge.pk}/claims/", {"claim-module": "LOYALTY", "claim-reference": " "}
    )
    assert "(CLAIM_REFERENCE_REQUIRED)" in response.content.decode()


def test_viewers_see_no_owner_or_claim_forms_and_cant_post_them(viewer_page, org_a):
    badge = BadgeFactory(org=org_a)
    assert b"Add claim" not in viewer_page.get(f"/badges/ui/{badge.pk}/").content
    response = viewer_page.post(f"/badges/ui/{badge.pk}/owners/", {"owner-module": "JOURNEYS"})
    assert response.status_code == 403 and badge.owners.count() == 1


def test_benefit_details_with_any_keys_are_shown(editor_page, org_a):
    """A key named like a dict method ("items") is a key, not the method."""
    badge = BadgeFactory(org=org_a)
    BadgeBenefitFactory(badge=badge, details={"items": 1, "keys": "ab", "series": "S1"})
    text = editor_page.get(f"/badges/ui/{badge.pk}/").content.decode()
    assert "<dt>items</dt><dd>1</dd>" in text and "<dt>keys</dt><dd>ab</dd>" in text
