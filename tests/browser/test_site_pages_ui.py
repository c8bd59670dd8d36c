"""Pages beyond the badge pages: the API docs (Swagger UI, served with its start-up script as a
file and its one style element allowed by hash) run with no policy violation, console error or
request to another origin; the badge, customer, group, custom field and settings pages pass
every check in dark mode too."""

import pytest

from badges.models import Role
from tests.browser.ui import PASSWORD, Watched, member
from tests.factories import (
    BadgeFactory,
    BadgeGroupFactory,
    CustomerFactory,
    CustomFieldFactory,
    IssuanceFactory,
    OrganizationFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def signed_up(db):
    org = OrganizationFactory(name="Acme Rewards", slug="acme")
    member(org, Role.ADMIN, "maria")
    return BadgeFactory(org=org, name="Gold Shopper")


def test_the_api_docs_run_under_the_policy(page, live_server, signed_up):
    ui = Watched(page, live_server.url)
    ui.sign_in("maria", PASSWORD, "/api/docs/", app_page=False)
    page.get_by_text("Badges platform API").first.wait_for()
    page.locator(".opblock").first.wait_for()
    assert page.locator(".opblock").count() > 20  # every operation listed
    # Swagger UI's own markup is not ours to make accessible: the policy is what is checked.
    ui.assert_policy_kept("API docs")


def test_the_badge_pages_in_dark_mode(page, live_server, signed_up):
    page.emulate_media(color_scheme="dark")
    ui = Watched(page, live_server.url)
    ui.sign_in("maria", PASSWORD)
    assert page.locator("html").get_attribute("data-bs-theme") == "dark"
    ui.assert_healthy("Universe, dark")
    for path in (
        f"/badges/ui/{signed_up.pk}/",
        f"/badges/ui/{signed_up.pk}/edit/",
        f"/badges/ui/{signed_up.pk}/images/",
    ):
        ui.open(path)
        ui.assert_healthy(f"{path}, dark")


def test_the_customer_group_field_and_settings_pages_in_dark_mode(page, live_server, signed_up):
    org = signed_up.org
    BadgeGroupFactory(org=org, name="Limited Edition")
    CustomFieldFactory(org=org, name="Valid in")
    IssuanceFactory(badge=signed_up, customer=CustomerFactory(org=org, customer_id="c-42"))
    page.emulate_media(color_scheme="dark")
    ui = Watched(page, live_server.url)
    ui.sign_in("maria", PASSWORD, "/customers/ui/c-42/")
    assert page.locator("html").get_attribute("data-bs-theme") == "dark"
    ui.assert_healthy("customer page, dark")
    page.get_by_role("link", name="Issue Gold Shopper").click()
    page.get_by_label("Reason").fill("Goodwill")
    page.get_by_role("button", name="Check").click()
    page.locator(".refusal").wait_for()
    ui.assert_healthy("care issue refused, dark")
    for path in (
        "/customers/ui/",
        "/groups/ui/",
        "/groups/ui/new/",
        "/custom-fields/ui/",
        "/custom-fields/ui/new/",
        "/org/settings/",
    ):
        ui.open(path)
        ui.assert_healthy(f"{path}, dark")
