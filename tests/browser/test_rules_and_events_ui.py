"""The rule and event pages in Chromium: an editor creates a rule whose badge is picked among those
the module may pick (htmx refreshes the choices when the module changes), confirms the permanent
claim it adds and finds it listed; the same by keyboard alone; an event's outcomes read rule by
rule, leading to the customer's page and its progress toward a target; the rule filters by
keyboard with "Any event type" sent empty; a viewer reads without write controls; the pages in
dark mode. Every page and state is checked by ``Watched.assert_healthy`` (axe, the content
security policy, console errors, other origins, no horizontal scroll)."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from badges.events.models import Rule
from badges.models import BadgeClaim, Role, RollingLimit
from tests.browser.test_badge_forms_ui import tab_to
from tests.browser.ui import PASSWORD, Watched, member
from tests.events.factories import body, processed, rule_for
from tests.factories import (
    BadgeFactory,
    BadgeImageFactory,
    BadgeOwnerFactory,
    CustomerFactory,
    OrganizationFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CLAIM = "(LOYALTY, Supermarket program, TransactionAdd)"


@pytest.fixture
def acme(db):
    """Acme's Big Spender (issued for a day) and Gold Shopper, Loyalty's, and Summer Hero,
    Campaigns' alone."""
    org = OrganizationFactory(name="Acme Rewards", slug="acme", timezone="Europe/Amsterdam")
    member(org, Role.EDITOR, "maria")
    member(org, Role.VIEWER, "victor")
    start = timezone.now() - timedelta(days=10)
    BadgeFactory(org=org, name="Big Spender", start_on=start, issued_for_a_day=True)
    BadgeFactory(org=org, name="Gold Shopper", start_on=start)
    hero = BadgeFactory(org=org, name="Summer Hero", owners=None)
    BadgeOwnerFactory(badge=hero, module="CAMPAIGNS")
    return org


def badge_options(page) -> list[str]:
    return page.locator("#id_badge option").all_inner_texts()


def test_an_editor_creates_a_rule_through_the_claim_confirmation(page, live_server, acme):
    ui = Watched(page, live_server.url)
    ui.sign_in("maria", PASSWORD, "/rules/ui/")
    expect(page.get_by_text("No rules yet.")).to_be_visible()
    ui.assert_healthy("no rules yet")
    page.get_by_role("link", name="New rule").click()
    expect(page.get_by_role("heading", name="New rule")).to_be_visible()
    expect(page.get_by_label("Event name")).to_be_hidden()
    expect(page.get_by_label("Field to sum")).to_be_hidden()
    ui.assert_healthy("new rule form")

    page.get_by_label("Name", exact=True).fill("Big spender")
    assert badge_options(page) == ["Choose a badge", "Big Spender", "Gold Shopper"]
    page.get_by_label("Module").select_option("CAMPAIGNS")
    expect(page.locator("#id_badge option")).to_have_text(["Choose a badge", "Summer Hero"])
    expect(page.locator("#badge-field")).to_contain_text("1 live, active badge owned by Campaigns")
    page.get_by_label("Module").select_option("LOYALTY")
    expect(page.locator("#id_badge option")).to_have_count(3)
    page.get_by_label("Program").fill("Supermarket program")
    page.get_by_label("Event type").select_option("Behavioral")
    expect(page.get_by_label("Event name")).to_be_visible()
    page.get_by_label("Event type").select_option("TransactionAdd")
    expect(page.get_by_label("Event name")).to_be_hidden()
    page.get_by_label("Payload field", exact=True).fill("amount")
    page.get_by_label("Comparison").select_option("gte")
    page.get_by_label("Value", exact=True).fill("500")
    page.get_by_label("Badge", exact=True).select_option(label="Big Spender")
    page.get_by_label("A sum of a payload field").check()
    expect(page.get_by_label("Field to sum")).to_be_visible()
    page.get_by_label("Target value").fill("1500")
    page.get_by_label("Field to sum").fill("amount")
    ui.assert_healthy("new rule filled in")

    page.get_by_role("button", name="Create rule").click()
    expect(
        page.get_by_role("heading", name=f"Add the claim {CLAIM} to “Big Spender”?")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Confirm and save")).to_be_focused()
    expect(page.locator("main")).to_contain_text("amount is at least 500")
    expect(page.locator("main")).to_contain_text("Sum of amount reaching 1,500")
    assert not Rule.objects.exists()
    ui.assert_healthy("claim confirmation")
    ui.screenshot("rule-claim-confirmation")

    page.get_by_role("button", name="Confirm and save").click()
    expect(page.get_by_text(f"“Big Spender” carries the claim {CLAIM}")).to_be_visible()
    row = page.locator("#rules tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text("Big spender")
    expect(row).to_contain_text("amount is at least 500")
    rule = Rule.objects.get()
    assert (rule.badge.name, rule.target_field, rule.condition["value"]) == (
        "Big Spender",
        "amount",
        500,
    )
    assert BadgeClaim.objects.filter(
        badge=rule.badge, module="LOYALTY", reference="Supermarket program"
    ).exists()
    ui.assert_healthy("rule listed")
    ui.screenshot("rules")

    page.get_by_role("link", name="Edit Big spender").click()
    expect(page.locator("#fixed")).to_contain_text("Sum of amount reaching 1,500")
    ui.assert_healthy("edit form")
    page.get_by_label("Value", exact=True).fill("lots")
    page.get_by_role("button", name="Save rule").click()
    value = page.get_by_label("Value", exact=True)
    expect(value).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#err-condition")).to_contain_text("CONDITION_INVALID")
    ui.assert_healthy("edit refused")
    page.get_by_role("link", name="Rules", exact=True).first.click()
    page.get_by_role("link", name="Disable Big spender").click()
    page.get_by_role("button", name="Disable rule").click()
    expect(page.locator("#rules tbody tr")).to_contain_text("Disabled")
    assert not Rule.objects.get().is_active


def test_the_rule_form_by_keyboard_alone(page, live_server, acme):
    ui = Watched(page, live_server.url)
    ui.sign_in("maria", PASSWORD, "/rules/ui/")
    tab_to(page, text="New rule")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "id_name", "the name is focused first"
    page.keyboard.type("Welcome")
    tab_to(page, element_id="id_module")
    page.keyboard.press("ArrowDown")  # Milestones: no badge of its own
    expect(page.locator("#badge-field")).to_contain_text("No live, active badge is owned by")
    page.keyboard.press("ArrowUp")
    expect(page.locator("#id_badge option")).to_have_count(3)
    assert page.evaluate("document.activeElement.id") == "id_module", "the swap keeps focus"
    tab_to(page, element_id="id_program")
    page.keyboard.type("Supermarket program")
    tab_to(page, element_id="id_badge")
    page.keyboard.press("ArrowDown")
    expect(page.locator("#id_badge option:checked")).to_have_text("Big Spender")
    tab_to(page, text="Create rule")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Confirm and save")).to_be_focused()
    ui.assert_healthy("keyboard: claim confirmation")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.locator("#rules tbody tr")).to_contain_text("Welcome")
    assert Rule.objects.get().name == "Welcome"


@pytest.fixture
def bill(acme):
    """c-42's bill of 600 an hour ago, after one of 700 30 hours ago: Big Spender's rule is
    refused by its limit, the gold tier rule doesn't match, the target rule counts 1,300 of
    1,500 toward Gold Shopper (whose in-progress image the customer page then shows)."""
    spender = acme.badges.get(name="Big Spender")
    RollingLimit.objects.create(badge=spender, scope="CUSTOMER", limit=1, value=2, unit="DAYS")
    gold = acme.badges.get(name="Gold Shopper")
    BadgeImageFactory(badge=gold, slot="in_progress", name="Half gold")
    rule_for(spender, name="Big bill", condition={"field": "amount", "op": "gte", "value": 500})
    rule_for(gold, name="Gold tier", condition={"field": "tier", "op": "eq", "value": "gold"})
    rule_for(gold, name="Toward gold", target={"kind": "SUM", "field": "amount", "value": 1500})
    CustomerFactory(org=acme, customer_id="c-7")
    now = timezone.now()
    earlier = now - timedelta(hours=30)
    # Commits run the processing task at once (eager, on commit): at the clock of then.
    with time_machine.travel(earlier, tick=False):
        processed(acme, body("bill-7780", event_date=earlier, payload={"amount": 700}))
    return processed(
        acme,
        body(
            "bill-7781",
            event_date=now - timedelta(hours=1),
            reference="BILL-7781",
            payload={"amount": 600, "items": [{"sku": "<b>milk</b>", "qty": 2}]},
        ),
        now=now,
    )


def test_reading_an_events_outcomes(page, live_server, bill):
    ui = Watched(page, live_server.url)
    ui.sign_in("victor", PASSWORD, "/events/ui/")
    rows = page.locator("#events tbody tr")
    expect(rows).to_have_count(2)
    ui.assert_healthy("events")
    ui.screenshot("events")
    page.get_by_label("Customer ID").fill("c-7")
    page.get_by_role("button", name="Apply filters").click()
    expect(page.get_by_text("No event matches these filters.")).to_be_visible()
    ui.assert_healthy("events filtered to nothing")
    page.get_by_label("Customer ID").fill("c-42")
    page.get_by_label("Processed").check()
    page.get_by_role("button", name="Apply filters").click()
    expect(rows).to_have_count(2)

    page.get_by_role("link", name="TransactionAdd bill-7781").click()
    expect(page.get_by_role("heading", name="TransactionAdd bill-7781")).to_be_visible()
    expect(page.locator(".payload")).to_contain_text('"sku": "<b>milk</b>"')
    outcomes = page.locator("#outcomes tbody tr")
    expect(outcomes).to_have_count(3)
    expect(outcomes.nth(0)).to_contain_text("Big bill")
    expect(outcomes.nth(0)).to_contain_text("CUSTOMER_LIMIT_REACHED")
    expect(outcomes.nth(0)).to_contain_text("Saw amount: 600")
    expect(outcomes.nth(1)).to_contain_text("Saw no tier in the payload")
    expect(outcomes.nth(2)).to_contain_text("1,300 of 1,500")
    ui.assert_healthy("event outcomes")
    ui.screenshot("event")

    page.get_by_role("link", name="c-42").click()
    expect(page.get_by_role("heading", name="Customer c-42")).to_be_visible()
    progress = page.locator(".customer-progress tbody tr")
    expect(progress).to_have_count(1)
    expect(page.locator(".customer-progress")).to_contain_text("1,300 of 1,500")
    half_gold = bill.org.badges.get(name="Gold Shopper").images.get()
    gold = page.locator("table.available-badges tr", has_text="Gold Shopper")
    expect(gold.locator("img")).to_have_attribute("src", half_gold.file.url)
    ui.assert_healthy("customer progress")


def test_a_viewer_reads_the_rules_without_write_controls(page, live_server, acme):
    rule_for(acme.badges.get(name="Big Spender"))
    ui = Watched(page, live_server.url)
    ui.sign_in("victor", PASSWORD, "/rules/ui/")
    expect(page.locator("#rules tbody tr")).to_have_count(1)
    for control in ["New rule", "Edit", "Disable", "Delete"]:
        expect(page.get_by_role("link", name=control)).to_have_count(0)
    expect(page.get_by_role("link", name="Rules")).to_have_attribute("aria-current", "page")
    ui.assert_healthy("rules, viewer")
    ui.open("/rules/ui/new/", status=403)
    ui.assert_healthy("403 for a viewer")


def test_the_rule_filters_apply_by_keyboard_with_any_event_type(page, live_server, acme):
    """The form sends "Any event type" empty: the status alone filters."""
    rule_for(acme.badges.get(name="Big Spender"), name="On")
    off = rule_for(acme.badges.get(name="Gold Shopper"), name="Off")
    Rule.objects.filter(pk=off.pk).update(is_active=False)
    ui = Watched(page, live_server.url)
    ui.sign_in("victor", PASSWORD, "/rules/ui/")
    rows = page.locator("#rules tbody tr")
    expect(rows).to_have_count(2)
    status = page.get_by_label("Status")
    status.press("ArrowDown")  # Active
    status.press("ArrowDown")  # Disabled
    page.get_by_role("button", name="Apply").press("Enter")
    expect(page).to_have_url(f"{live_server.url}/rules/ui/?event_type=&is_active=false")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Off")
    ui.assert_healthy("rules filtered by status")


def test_the_rule_and_event_pages_in_dark_mode(page, live_server, bill):
    rule = Rule.objects.get(name="Big bill")
    page.emulate_media(color_scheme="dark")
    ui = Watched(page, live_server.url)
    ui.sign_in("maria", PASSWORD, "/rules/ui/")
    ui.assert_healthy("rules, dark")
    for path in (
        "/rules/ui/new/",
        f"/rules/ui/{rule.pk}/edit/",
        f"/rules/ui/{rule.pk}/delete/",
        "/events/ui/",
        f"/events/ui/{bill.pk}/",
        "/customers/ui/c-42/",
    ):
        ui.open(path)
        ui.assert_healthy(f"{path}, dark")
