"""The Badge Universe and the badge view in Chromium: sign in, filter by each filter and by
two, search, sort, page, open the owners popover, deactivate and reactivate through the
confirmation, copy the badge ID, and deactivate with the keyboard alone; every page and state
checked by ``Watched.assert_healthy``. Writes the README's screenshots."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from badges.models import Badge, BadgeOwner, Module, Role
from tests.browser.ui import Watched
from tests.factories import (
    BadgeBenefitFactory,
    BadgeClaimFactory,
    BadgeFactory,
    BadgeOwnerFactory,
    MembershipFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery staple"


@pytest.fixture
def brand(db):
    org = OrganizationFactory(name="Acme Rewards", slug="acme", timezone="Europe/Amsterdam")
    user = UserFactory(username="maria")
    user.set_password(PASSWORD)
    user.save()
    MembershipFactory(user=user, org=org, role=Role.EDITOR)
    gold = BadgeFactory(org=org, name="Gold Shopper", badge_overall_limit=100_000)
    BadgeClaimFactory(badge=gold, module=Module.LOYALTY, reference="Supermarket program")
    BadgeBenefitFactory(badge=gold, name="500 points")
    BadgeFactory(org=org, name="Trail Blazer", upcoming=True, owners=None)
    BadgeOwnerFactory(badge=Badge.objects.get(name="Trail Blazer"), module=Module.JOURNEYS)
    BadgeFactory(org=org, name="Summer Explorer", ended=True)
    BadgeFactory(org=org, name="Night Owl", is_active=False)
    filler = Badge.objects.bulk_create(
        BadgeFactory.build(org=org, name=f"Weekly streak {i:02}", owners=None) for i in range(50)
    )
    BadgeOwner.objects.bulk_create(
        BadgeOwner(badge=b, module=Module.CAMPAIGNS, added_on=timezone.now()) for b in filler
    )
    return org


def names(page) -> list[str]:
    return page.locator("#results tbody th").all_inner_texts()


def test_universe_filters_search_sort_and_pages(page, live_server, brand):
    ui = Watched(page, live_server.url)
    ui.sign_in("maria", PASSWORD)
    assert page.url.endswith("/badges/ui/")
    ui.assert_healthy("listing")
    ui.screenshot("badge-universe", full_page=False)

    checks = {
        "status": ("Upcoming", "upcoming", "Trail Blazer"),
        "is_active": ("Inactive", "false", "Night Owl"),
        "owner": ("Journeys", "JOURNEYS", "Trail Blazer"),
        "claimed_by": ("Loyalty", "LOYALTY", "Gold Shopper"),
    }
    for name, (label, value, expected) in checks.items():
        group = page.locator(f"fieldset:has(input[name={name}])")
        group.get_by_label(label, exact=True).check()
        ui.settled()
        assert f"{name}={value}" in page.url
        assert expected in names(page)
        group.get_by_label(label, exact=True).uncheck()
        ui.settled()

    # Two filters combined: ended, and owned by Loyalty.
    page.get_by_label("Ended", exact=True).check()
    ui.settled()
    page.locator("fieldset:has(input[name=owner])").get_by_label("Loyalty").check()
    ui.settled()
    assert names(page) == ["Summer Explorer"]
    assert "status=ended" in page.url and "owner=LOYALTY" in page.url
    ui.assert_healthy("filtered")
    page.reload()  # the URL alone renders the same page
    assert names(page) == ["Summer Explorer"]
    assert page.get_by_label("Ended", exact=True).is_checked()

    ui.open("/badges/ui/")
    page.get_by_label("Name").fill("streak 4")
    expect(page).to_have_url(re.compile(r"search=streak(%20|\+)4"))
    ui.settled()
    assert len(names(page)) == 10 and all("streak 4" in n for n in names(page))

    ui.open("/badges/ui/")
    page.get_by_label("Sort by").select_option("name")
    ui.settled()
    assert names(page)[:3] == ["Gold Shopper", "Night Owl", "Summer Explorer"]
    page.get_by_role("navigation", name="Pages of badges").get_by_role("link", name="2").click()
    ui.settled()
    assert "page=2" in page.url and "ordering=name" in page.url
    assert names(page)[-1] == "Weekly streak 49"
    ui.assert_healthy("page 2")

    ui.open("/badges/ui/?status=live&claimed_by=LOYALTY")
    page.get_by_role("button", name="Owners and claims of Gold Shopper").click()
    popover = page.locator(".popover")
    popover.wait_for()
    assert "Supermarket program" in popover.inner_text()
    ui.assert_healthy("owners popover open")
    ui.screenshot("badge-universe-filtered-popover", full_page=False)
    page.keyboard.press("Escape")
    popover.wait_for(state="detached")


def test_deactivate_and_reactivate_through_the_confirmation(page, live_server, brand):
    ui = Watched(page, live_server.url)
    ui.sign_in("maria", PASSWORD, "/badges/ui/?status=live%26claimed_by=LOYALTY")
    page.get_by_role("link", name="Deactivate Gold Shopper").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_role("heading", name="Deactivate “Gold Shopper”?").is_visible()
    ui.assert_healthy("deactivation confirmation")
    page.get_by_role("button", name="Deactivate badge").click()
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/badges/ui/?status=live&claimed_by=LOYALTY")
    assert "“Gold Shopper” is deactivated." in page.get_by_role("status").first.inner_text()
    assert not Badge.objects.get(name="Gold Shopper").is_active
    page.get_by_role("link", name="Activate Gold Shopper").click()
    page.get_by_role("button", name="Activate badge").click()
    page.wait_for_load_state("networkidle")
    assert Badge.objects.get(name="Gold Shopper").is_active
    ui.assert_healthy("back on the list")


def test_badge_view_tabs_and_copying_the_id(page, live_server, brand):
    gold = Badge.objects.get(name="Gold Shopper")
    ui = Watched(page, live_server.url)
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    ui.sign_in("maria", PASSWORD, f"/badges/ui/{gold.pk}/")
    assert page.get_by_role("tab", name="Configuration").get_attribute("aria-selected") == "true"
    assert page.get_by_text("100,000 in all").is_visible()
    ui.assert_healthy("configuration tab")
    ui.screenshot("badge-view-configuration")
    page.get_by_role("tab", name="Information").click()
    page.get_by_role("button", name="Copy").click()
    page.get_by_text("Copied").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == str(gold.pk)
    ui.assert_healthy("information tab")
    ui.screenshot("badge-view-information")


def test_deactivate_with_the_keyboard_alone(page, live_server, brand):
    ui = Watched(page, live_server.url)
    ui.sign_in("maria", PASSWORD, "/badges/ui/?status=upcoming")
    assert page.url.endswith("/badges/ui/?status=upcoming")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    for _ in range(80):  # to the row's Deactivate link
        page.keyboard.press("Tab")
        label = page.evaluate("document.activeElement.textContent.trim()")
        if label.startswith("Deactivate") and "Trail Blazer" in label:
            break
    else:
        pytest.fail("the Deactivate link of the row was never focused")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Deactivate badge"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert not Badge.objects.get(name="Trail Blazer").is_active
    ui.assert_healthy("after keyboard deactivation")
