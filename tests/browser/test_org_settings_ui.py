"""The org settings page in Chromium: an admin picks a timezone by typing into the searchable
list and saves, sees a refused value explain itself on its field, generates a signing secret,
copies it and sees it once (a reload shows only that one is set); an editor reads the values
without a form. Every page and state checked by ``Watched.assert_healthy``; writes the
README's screenshot of the page."""

import pytest
from playwright.sync_api import expect

from badges.models import Organization, Role
from tests.browser.ui import PASSWORD, Watched, member
from tests.factories import OrganizationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGE = "/org/settings/"
SUGGESTED = """input => [...input.list.options].map(o => o.value)
    .filter(v => v.toLowerCase().includes(input.value.toLowerCase()))"""


@pytest.fixture
def brand(db):
    org = OrganizationFactory(name="Acme Rewards", slug="acme", timezone="UTC")
    member(org, Role.ADMIN, "ada")
    member(org, Role.EDITOR, "eddie")
    return org


def stored(org) -> Organization:
    return Organization.objects.get(pk=org.pk)


def test_admin_picks_a_timezone_saves_and_sees_a_refusal_explained(page, live_server, brand):
    ui = Watched(page, live_server.url)
    ui.sign_in("ada", PASSWORD, path=PAGE)
    ui.assert_healthy("settings, admin")

    # Headless Chromium draws no datalist popup to choose from: the test types, reading the
    # suggestions the list holds for what is typed so far, as the popup would show them.
    zone = page.get_by_label("Timezone")
    zone.fill("")
    zone.press_sequentially("Asia/Kol")
    assert zone.evaluate(SUGGESTED) == ["Asia/Kolkata"]
    zone.press_sequentially("kata")
    expect(zone).to_have_value("Asia/Kolkata")
    page.get_by_label("Retro window (days)").fill("45")
    page.get_by_label("Revoke on return").check()
    page.get_by_label("Webhook URL").fill("https://hooks.acme.example/badges")
    with page.expect_navigation():
        page.get_by_role("button", name="Save settings").click()
    expect(page.get_by_text("The settings are saved.")).to_be_visible()
    expect(page.get_by_label("Timezone")).to_have_value("Asia/Kolkata")
    org = stored(brand)
    # A webhook URL set without a signing secret gets one, shown this once.
    expect(page.get_by_role("textbox", name="New signing secret")).to_have_value(org.webhook_secret)
    assert org.webhook_secret.startswith("whsec_")
    assert (org.timezone, org.retro_max_allowed_age_days, org.revoke_on_return) == (
        "Asia/Kolkata",
        45,
        True,
    )
    assert org.webhook_url == "https://hooks.acme.example/badges"
    ui.assert_healthy("settings saved")
    ui.screenshot("org-settings")

    page.get_by_label("Timezone").fill("Mars/Olympus")
    with page.expect_navigation() as refused:
        page.get_by_role("button", name="Save settings").click()
    assert refused.value.status == 400
    zone = page.get_by_label("Timezone")
    expect(zone).to_have_attribute("aria-invalid", "true")
    expect(zone).to_have_accessible_description(
        "'Mars/Olympus' is not an IANA timezone name. (TIMEZONE_INVALID) An IANA name such as "
        "Asia/Kolkata; type to search the list. It decides “today” and every day, week and "
        "month boundary.",
    )
    assert stored(brand).timezone == "Asia/Kolkata"
    ui.assert_healthy("timezone refused")


def test_admin_generates_a_secret_copies_it_and_sees_it_once(page, live_server, brand):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    ui = Watched(page, live_server.url)
    ui.sign_in("ada", PASSWORD, path=PAGE)
    expect(page.get_by_text("No signing secret")).to_be_visible()

    with page.expect_navigation():
        page.get_by_role("button", name="Generate a secret").click()
    shown = page.get_by_role("textbox", name="New signing secret")
    expect(shown).to_be_focused()
    secret = shown.input_value()
    assert secret.startswith("whsec_") and secret == stored(brand).webhook_secret
    expect(page.get_by_text("It won't be shown again")).to_be_visible()
    page.get_by_role("button", name="Copy").click()
    expect(page.get_by_text("Copied")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == secret
    ui.assert_healthy("secret shown once")

    page.reload()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_role("textbox", name="New signing secret")).to_have_count(0)
    expect(page.get_by_text("A signing secret is set")).to_be_visible()
    assert secret not in page.content()
    assert stored(brand).webhook_secret == secret  # the reload asked again, generated nothing
    ui.assert_healthy("after a reload")

    page.get_by_role("link", name="Remove the secret").click()
    page.wait_for_load_state("networkidle")
    ui.assert_healthy("remove confirmation")
    with page.expect_navigation():
        page.get_by_role("button", name="Remove secret").click()
    expect(page.get_by_text("No signing secret")).to_be_visible()
    assert stored(brand).webhook_secret == ""


def test_an_editor_reads_the_settings_without_a_form(page, live_server, brand):
    ui = Watched(page, live_server.url)
    ui.sign_in("eddie", PASSWORD, path=PAGE)
    main = page.locator("main")
    expect(main.get_by_text("Only an org admin can change these settings.")).to_be_visible()
    expect(main.locator("input, select, textarea, button")).to_have_count(0)
    expect(main.get_by_text("UTC")).to_be_visible()
    expect(main.get_by_text("No signing secret")).to_be_visible()
    ui.assert_healthy("settings, editor")
