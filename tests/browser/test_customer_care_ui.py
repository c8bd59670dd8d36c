"""The customer pages in Chromium: find a customer, read their badges (filtered by keyboard, the
form's "Any" choices sent empty), and every customer-care action: a refused issue that explains
itself, an issue whose submit arrives twice and makes one issuance, enrol, and revoke an
enrolment and an issuance; a viewer who sees no write controls and gets 403 on a write URL, and
another org's customer or badge answering 404. Every page and state is checked by
``Watched.assert_healthy``. Writes the README's customer screenshots."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from badges.models import Enrolment, Issuance, Role, RollingLimit
from tests.browser.ui import PASSWORD, Watched, member
from tests.factories import (
    BadgeBenefitFactory,
    BadgeFactory,
    BadgeGroupFactory,
    BadgeImageFactory,
    CustomerFactory,
    IssuanceFactory,
    OrganizationFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(db):
    """Acme's customer c-42: issued Gold Shopper (a day long, 1 per 2 days) 30 hours ago, and
    holding Welcome."""
    org = OrganizationFactory(name="Acme Rewards", slug="acme", timezone="Europe/Amsterdam")
    member(org, Role.EDITOR, "maria")
    member(org, Role.VIEWER, "victor")
    now = timezone.now()
    group = BadgeGroupFactory(org=org, name="Limited Edition", rank=1)
    gold = BadgeFactory(org=org, name="Gold Shopper", group=group, issued_for_a_day=True)
    RollingLimit.objects.create(badge=gold, scope="CUSTOMER", limit=1, value=2, unit="DAYS")
    BadgeBenefitFactory(badge=gold, name="500 points", details={"expiry": "90 days"})
    BadgeImageFactory(badge=gold, slot="issued", name="Gold")
    BadgeFactory(org=org, name="Club Card", enrol_issue=True)
    BadgeFactory(
        org=org,
        name="Summer Explorer",
        start_on=now - timedelta(days=40),
        expires_on=now - timedelta(days=3),
    )
    customer = CustomerFactory(org=org, customer_id="c-42", registered_on=now - timedelta(days=300))
    IssuanceFactory(
        badge=gold,
        customer=customer,
        issued_on=now - timedelta(hours=30),
        expires_on=now - timedelta(hours=6),
    )
    IssuanceFactory(badge=BadgeFactory(org=org, name="Welcome"), customer=customer)
    other = OrganizationFactory(name="Other Brand", slug="other")
    theirs = CustomerFactory(org=other, customer_id="c-77")
    IssuanceFactory(badge=BadgeFactory(org=other, name="Theirs"), customer=theirs)
    return org


def test_a_refused_care_issue_explains_itself_and_a_doubled_issue_makes_one(
    page, live_server, desk
):
    ui = Watched(page, live_server.url)
    ui.sign_in("maria", PASSWORD, "/customers/ui/")
    ui.assert_healthy("customer search")
    page.get_by_label("Customer ID").fill("c-404")
    page.get_by_role("button", name="Find customer").click()
    expect(page.get_by_role("heading", name="No customer “c-404” in Acme Rewards")).to_be_visible()
    ui.assert_healthy("customer not found")
    page.get_by_label("Customer ID", exact=True).first.fill("c-42")
    page.get_by_role("button", name="Find customer").click()
    expect(page.get_by_role("heading", name="Customer c-42")).to_be_visible()
    expect(page.locator("table.customer-badges tbody tr")).to_have_count(2)
    ui.assert_healthy("customer page")
    ui.screenshot("customer")

    page.get_by_role("link", name="Issue Gold Shopper").click()
    page.get_by_label("Reason").fill("Called: bill 7781 not counted")
    page.get_by_role("button", name="Check").click()
    refusal = page.locator(".refusal")
    expect(refusal).to_contain_text("CUSTOMER_LIMIT_REACHED")
    expect(refusal).to_contain_text("customer limit, 1 in any 2 days")
    expect(refusal).to_contain_text("can have it again from")
    expect(refusal).to_contain_text("Europe/Amsterdam")
    expect(page.get_by_role("button", name="Issue badge")).to_have_count(0)
    ui.assert_healthy("care issue refused")
    ui.screenshot("customer-care-refusal")
    assert Issuance.objects.count() == 3

    page.get_by_role("link", name="Cancel").click()
    page.get_by_role("link", name="Issue Club Card").click()
    page.get_by_label("Reason").fill("Goodwill after a complaint")
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_role("heading", name="It would be issued")).to_be_visible()
    ui.assert_healthy("care issue would issue")

    answers = []

    def delivered_twice(route):
        """The browser's one submit reaches the server twice, as a double click's can."""
        answers.extend(route.fetch(max_redirects=0) for _ in range(2))
        route.fulfill(response=answers[-1])

    def issue_url(url: str) -> bool:
        return "/customers/ui/c-42/issue/" in url

    page.route(issue_url, delivered_twice)
    page.get_by_role("button", name="Issue badge").click()
    expect(page.get_by_role("heading", name="Customer c-42")).to_be_visible()
    page.unroute(issue_url)
    expect(page.locator("table.customer-badges tbody tr", has_text="Club Card")).to_have_count(1)
    assert [answer.status for answer in answers] == [302, 302]
    club = Issuance.objects.filter(badge__name="Club Card")
    assert [(i.source, i.issue_reason) for i in club] == [
        ("MEMBERCARE", "Goodwill after a complaint")
    ]
    ui.assert_healthy("issued once")


def test_enrol_then_revoke_the_enrolment_and_an_issuance(page, live_server, desk):
    ui = Watched(page, live_server.url)
    ui.sign_in("maria", PASSWORD, "/customers/ui/c-42/")
    page.get_by_role("link", name="Enrol in Club Card").click()
    expect(page.get_by_role("heading", name="Enrol c-42 in “Club Card”?")).to_be_visible()
    ui.assert_healthy("enrol confirmation")
    page.get_by_role("button", name="Enrol customer").click()
    expect(page.get_by_text("c-42 is enrolled in “Club Card”.")).to_be_visible()
    ui.assert_healthy("enrolled")

    page.get_by_role("link", name="Revoke enrolment in Club Card").click()
    ui.assert_healthy("revoke enrolment confirmation")
    page.get_by_role("button", name="Revoke enrolment").click()
    expect(page.get_by_text("This field is required.")).to_be_visible()
    ui.assert_healthy("revoke without a reason")
    page.get_by_label("Reason").fill("Asked to leave the club")
    page.get_by_role("button", name="Revoke enrolment").click()
    expect(page.get_by_text("The enrolment of “Club Card” is revoked.")).to_be_visible()
    assert Enrolment.objects.get().revoke_reason == "Asked to leave the club"

    page.get_by_role("link", name="Revoke Welcome").click()
    page.get_by_label("Reason").fill("Bill returned")
    page.get_by_role("button", name="Revoke issuance").click()
    expect(page.get_by_text("The issuance of “Welcome” is revoked.")).to_be_visible()
    expect(page.locator("table.customer-badges")).to_contain_text("Revoked")
    ui.assert_healthy("revoked")


def test_the_badge_filters_apply_by_keyboard_with_any_badge_and_group(page, live_server, desk):
    """The form sends "Any badge" and "Any group" empty: the status alone filters."""
    ui = Watched(page, live_server.url)
    ui.sign_in("victor", PASSWORD, "/customers/ui/c-42/")
    rows = page.locator("table.customer-badges tbody tr")
    expect(rows).to_have_count(2)
    page.get_by_label("Active", exact=True).press("Space")
    page.get_by_role("button", name="Apply").press("Enter")
    expect(page).to_have_url(f"{live_server.url}/customers/ui/c-42/?status=ACTIVE&badge=&group=")
    expect(rows).to_have_count(1)
    expect(rows).to_contain_text("Welcome")
    expect(page.get_by_text("These filters can't be applied")).to_have_count(0)
    ui.assert_healthy("customer badges filtered by status")


def test_a_viewer_reads_only_and_other_orgs_answer_404(page, live_server, desk):
    ui = Watched(page, live_server.url)
    ui.sign_in("victor", PASSWORD, "/badges/ui/")
    page.set_viewport_size({"width": 700, "height": 900})
    page.get_by_role("button", name="Show the menu").focus()
    page.keyboard.press("Enter")
    customers = page.get_by_role("link", name="Customers")
    expect(customers).to_be_visible()
    customers.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Customers")).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 800})
    expect(page.get_by_role("link", name="Customers")).to_have_attribute("aria-current", "page")

    ui.open("/customers/ui/c-42/")
    expect(page.locator("table.customer-badges tbody tr")).to_have_count(2)
    for control in ["Revoke", "Enrol", "Issue"]:
        expect(page.get_by_role("link", name=control)).to_have_count(0)
    ui.assert_healthy("customer page, viewer")
    welcome = Issuance.objects.get(badge__name="Welcome")
    ui.open(f"/customers/ui/c-42/issuances/{welcome.issual_id}/revoke/", status=403)
    ui.assert_healthy("403 for a viewer")
    ui.open("/customers/ui/c-77/", status=404)
    ui.assert_healthy("another org's customer")
    theirs = Issuance.objects.get(badge__name="Theirs").badge
    ui.open(f"/badges/ui/{theirs.pk}/", status=404)
    ui.assert_healthy("another org's badge")
