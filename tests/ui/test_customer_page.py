"""The customer page (SPEC 15 in the browser): a customer's badges in the display order of SPEC
10 under the customer badges API's filters, each with the image that fits, their progress toward
targets (SPEC 12), and the badges available to them (in progress toward a target shows that
image); found by id, scoped to the acting org, read in a constant number of queries."""

import re
from urllib.parse import quote

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from badges.events.selectors import customer_progress
from badges.models import Role
from badges.selectors.customers import CustomerBadgePage
from badges.ui.customers import PAGE_SIZE
from tests.customer_view import at, live_badge
from tests.events.factories import body, processed, rule_for
from tests.factories import (
    BadgeBenefitFactory,
    BadgeFactory,
    BadgeFieldValueFactory,
    BadgeGroupFactory,
    BadgeImageFactory,
    CustomerFactory,
    CustomFieldFactory,
    EnrolmentFactory,
    IssuanceFactory,
)
from tests.ui.conftest import signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("october_10th")]

PAGE = "/customers/ui/c-1/"


def issual_ids(response) -> list[str]:
    return re.findall(r'<tr id="issuance-([0-9a-f-]+)"', response.content.decode())


def test_a_known_id_opens_the_customer_page(viewer_page, customer):
    response = viewer_page.get("/customers/ui/?customer_id=c-1")
    assert (response.status_code, response["Location"]) == (302, PAGE)


def test_an_unknown_id_says_so_and_only_editors_may_add_the_customer(
    viewer_page, editor_page, org_b
):
    CustomerFactory(org=org_b, customer_id="c-9")
    response = viewer_page.get("/customers/ui/?customer_id=c-9")
    body = response.content.decode()
    assert response.status_code == 200, "another org's customer is not found here"
    assert "No customer “c-9” in Brand A" in body and "Add customer" not in body
    assert "Add customer" in editor_page.get("/customers/ui/?customer_id=c-9").content.decode()


def test_an_editor_adds_a_customer_not_seen_yet(editor_page, org_a):
    response = editor_page.post(
        "/customers/ui/", {"customer_id": "c-new", "registered_on": "2026-10-01T09:00"}
    )
    assert (response.status_code, response["Location"]) == (302, "/customers/ui/c-new/")
    added = org_a.customers.get(customer_id="c-new")
    assert added.registered_on == at("2026-10-01T03:30:00Z"), "09:00 in Asia/Kolkata"


def test_adding_a_customer_is_judged_by_the_service(editor_page, org_a):
    response = editor_page.post(
        "/customers/ui/", {"customer_id": "c-new", "registered_on": "2026-10-20T09:00"}
    )
    assert response.status_code == 400
    assert "REGISTERED_ON_IN_FUTURE" in response.content.decode()
    assert not org_a.customers.exists()


def test_rows_are_the_apis_in_its_order_under_the_same_filters(
    viewer_page, viewer_a, org_a, customer
):
    g1 = BadgeGroupFactory(org=org_a, name="G1", rank=1)
    g2 = BadgeGroupFactory(org=org_a, name="G2", rank=2)
    badges = [
        live_badge(org_a, "B1", group=g1),
        live_badge(org_a, "B2", group=g2),
        live_badge(org_a, "B3", rank=1),
        live_badge(org_a, "B4", ends="2026-12-31T00:00:00Z"),
    ]
    for index, badge in enumerate(badges):
        IssuanceFactory(
            badge=badge,
            customer=customer,
            issued_on=at(f"2026-10-0{index + 1}T00:00Z"),
            expires_on=at("2026-10-05T00:00Z") if index == 1 else None,
        )
    IssuanceFactory(  # B2 again, after the first ended (PostgreSQL refuses overlaps)
        badge=badges[1],
        customer=customer,
        issued_on=at("2026-10-06T00:00Z"),
        expires_on=at("2026-10-08T00:00Z"),
    )
    IssuanceFactory(
        badge=badges[3],
        customer=customer,
        revoked_on=at("2026-10-07T00:00Z"),
        status="REVOKED",
    )
    for query in [
        "",
        "status=ACTIVE",
        "status=EXPIRED&status=REVOKED",
        f"badge={badges[1].pk}",
        f"group={g2.pk}",
        f"status=ACTIVE&group={g1.pk}",
        "sort_on=-issued_on",
    ]:
        api = viewer_a.get(f"/api/v1/customers/c-1/badges/?{query}").json()["results"]
        page = viewer_page.get(f"{PAGE}?{query}")
        assert page.status_code == 200
        assert issual_ids(page) == [item["issual_id"] for item in api], query


def test_the_page_unfiltered_reads_its_rows_by_the_customer_badge_page_read(
    viewer_page, org_a, customer
):
    """As the API's list: no filter sent, the rows come from ``CustomerBadgePages`` (count and
    page by statements written once); a filter sent, from the filtered queryset."""
    IssuanceFactory(badge=live_badge(org_a, "B1"), customer=customer)
    page_read = CustomerBadgePage(customer, 0, PAGE_SIZE).statement()[0]
    for query, read_directly in (("", True), ("?status=ACTIVE", False)):
        sent = []

        def watched(execute, sql, params, many, context, sent=sent):
            sent.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(watched):
            assert viewer_page.get(PAGE + query).status_code == 200
        assert (page_read in sent) is read_directly


def test_the_forms_any_choices_filter_nothing(viewer_page, org_a, customer):
    """ "Any badge" and "Any group" are sent empty: no filter, as if unsent (the API refuses
    an empty badge or group id; a browser's form sends one)."""
    held = IssuanceFactory(badge=live_badge(org_a, "Held"), customer=customer)
    ended = IssuanceFactory(
        badge=live_badge(org_a, "Ended"),
        customer=customer,
        issued_on=at("2026-10-02T00:00Z"),
        expires_on=at("2026-10-05T00:00Z"),
    )
    response = viewer_page.get(PAGE + "?badge=&group=")
    assert response.status_code == 200
    assert issual_ids(response) == [str(ended.issual_id), str(held.issual_id)]
    active = viewer_page.get(PAGE + "?status=ACTIVE&badge=&group=")
    assert active.status_code == 200 and issual_ids(active) == [str(held.issual_id)]


def test_a_filter_the_api_refuses_is_refused_here(viewer_page, customer):
    response = viewer_page.get(f"{PAGE}?status=LOST")
    assert response.status_code == 400
    assert "These filters can't be applied" in response.content.decode()


def test_each_badge_shows_the_image_that_fits_the_customers_state(viewer_page, org_a, customer):
    badge = live_badge(org_a, "Gold")
    BadgeImageFactory(badge=badge, slot="unissued", name="grey")
    BadgeImageFactory(badge=badge, slot="issued", name="shiny")
    held = IssuanceFactory(badge=badge, customer=customer, issued_on=at("2026-10-09T00:00Z"))
    lapsed = IssuanceFactory(
        badge=badge,
        customer=customer,
        issued_on=at("2026-10-02T00:00Z"),
        expires_on=at("2026-10-03T00:00Z"),
    )
    body = viewer_page.get(PAGE).content.decode()
    images = {
        issual: re.search(r'<img src="([^"]+)"', row).group(1)
        for issual, row in re.findall(r'<tr id="issuance-([0-9a-f-]+)">(.*?)</tr>', body, re.S)
    }
    stored = {image.slot: image.file.url for image in badge.images.all()}
    assert images == {
        str(held.issual_id): stored["issued"],
        str(lapsed.issual_id): stored["unissued"],
    }
    available = re.search(r'<tr id="available-[^"]+">(.*?)</tr>', body, re.S).group(1)
    assert stored["issued"] in available, "held now"


def image_of_available(body_text: str, badge) -> str | None:
    row = re.search(rf'<tr id="available-{badge.pk}">(.*?)</tr>', body_text, re.S).group(1)
    found = re.search(r'<img src="([^"]+)"', row)
    return found.group(1) if found else None


def with_every_image(badge) -> dict:
    for slot in ("unissued", "in_progress", "issued"):
        BadgeImageFactory(badge=badge, slot=slot, name=slot)
    return {image.slot: image.file.url for image in badge.images.all()}


def bill(org, event_id: str, amount, customer_id: str = "c-1"):
    return processed(org, body(event_id, customer_id=customer_id, payload={"amount": amount}))


def test_progress_toward_a_target_is_shown_with_the_in_progress_image(viewer_page, org_a, customer):
    gold = live_badge(org_a, "Gold Shopper")
    images = with_every_image(gold)
    rule_for(gold, name="Toward gold", target={"kind": "SUM", "field": "amount", "value": 1500})
    bill(org_a, "e-1", 600)
    bill(org_a, "e-2", 300.5)
    text = viewer_page.get(PAGE).text
    rows = re.findall(r'<tr id="progress-\d+">(.*?)</tr>', text, re.S)
    assert len(rows) == 1
    for shown in [
        "Gold Shopper",
        "Toward gold",
        "900.5 of 1,500",
        "1 Oct 2026, 05:30 \N{EN DASH} open",
        "Not yet",
    ]:
        assert shown in rows[0], shown
    assert 'max="1500' in rows[0] and 'value="900.5' in rows[0]
    assert image_of_available(text, gold) == images["in_progress"]
    assert "900.5 of 1,500, in progress" in text


def test_a_target_reached_shows_when_and_the_issuance_and_the_issued_image(
    viewer_page, org_a, customer
):
    gold = live_badge(org_a, "Gold Shopper")
    images = with_every_image(gold)
    rule_for(gold, name="Two bills", target={"kind": "COUNT", "value": 2})
    bill(org_a, "e-1", 10)
    bill(org_a, "e-2", 10)
    issuance = customer.issuances.get()
    text = viewer_page.get(PAGE).text
    row = re.search(r'<tr id="progress-\d+">(.*?)</tr>', text, re.S).group(1)
    assert "2 of 2" in row and "10 Oct 2026, 17:30" in row, "reached with the crossing event's date"
    assert f'href="#issuance-{issuance.issual_id}"' in row
    assert image_of_available(text, gold) == images["issued"], "held now"
    assert "2 of 2, reached" in text


def test_a_target_not_started_shows_the_unissued_image(viewer_page, org_a, customer):
    gold = live_badge(org_a, "Gold Shopper")
    images = with_every_image(gold)
    rule_for(gold, target={"kind": "COUNT", "value": 2})
    text = viewer_page.get(PAGE).text
    assert image_of_available(text, gold) == images["unissued"]
    assert "0 of 2" in text and "No progress toward a target yet." in text


def test_a_row_shows_dates_in_the_orgs_timezone_source_trigger_benefits_and_reasons(
    viewer_page, org_a, customer
):
    badge = live_badge(org_a, "Gold")
    IssuanceFactory(
        badge=badge,
        customer=customer,
        issued_on=at("2026-10-05T00:00Z"),
        event_date=at("2026-10-04T00:00Z"),
        expires_on=at("2026-10-19T00:00Z"),
        source="MEMBERCARE",
        issue_reason="Complained on the phone",
        triggered_by_module="LOYALTY",
        triggered_by_reference="BILL-1",
        benefits=[{"type": "POINTS", "reference_id": "P", "name": "100 points", "details": {}}],
    )
    body = viewer_page.get(PAGE).content.decode()
    for shown in [
        "5 Oct 2026, 05:30",
        "4 Oct 2026, 05:30",
        "19 Oct 2026, 05:30",
        "Customer care",
        "Complained on the phone",
        "Loyalty: BILL-1",
        "100 points",
    ]:
        assert shown in body, shown


def test_available_badges_show_the_enrolment_state(viewer_page, org_a, customer):
    enrollable = live_badge(org_a, "Club", enrol_issue=True)
    EnrolmentFactory(
        badge=enrollable,
        customer=customer,
        enrol_event_date=at("2026-10-09T00:00Z"),
        expires_on=at("2026-10-11T00:00Z"),
    )
    live_badge(org_a, "Walk-in")
    BadgeFactory(org=org_a, name="Later", upcoming=True)
    body = viewer_page.get(PAGE).content.decode()
    rows = dict(re.findall(r'<tr id="available-[^"]+">.*?>([^<]+)</a>(.*?)</tr>', body, re.S))
    assert set(rows) == {"Club", "Walk-in"}
    assert "Active, 9 Oct 2026, 05:30 \N{EN DASH} 11 Oct 2026, 05:30" in rows["Club"]
    assert "Not needed" in rows["Walk-in"]


def test_viewers_see_no_care_actions(viewer_page, editor_page, org_a, customer):
    badge = live_badge(org_a, "Club", enrol_issue=True)
    IssuanceFactory(badge=badge, customer=customer)
    BadgeFactory(org=org_a, ended=True, name="Gone")
    viewer = viewer_page.get(PAGE).content.decode()
    editor = editor_page.get(PAGE).content.decode()
    for control in ["/revoke/", "/enrol/", "/issue/", "Issue a badge by name"]:
        assert control not in viewer and control in editor, control


def test_another_orgs_customer_is_not_found(viewer_page, org_b):
    CustomerFactory(org=org_b, customer_id="c-1")
    assert viewer_page.get(PAGE).status_code == 404


@pytest.mark.parametrize("customer_id", ["a/b", "with space", "line\nbreak", "100%", "x?y#z"])
def test_any_customer_id_has_a_page(viewer_page, org_a, customer_id):
    customer = CustomerFactory(org=org_a, customer_id=customer_id)
    IssuanceFactory(badge=live_badge(org_a), customer=customer)
    url = f"/customers/ui/{quote(customer_id)}/"
    response = viewer_page.get(url)
    assert response.status_code == 200
    assert response.context["customer"] == customer


def progress_of(customer) -> list:
    return list(customer_progress(customer=customer))


def customer_page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def holding(org, customer, count: int) -> None:
    """``count`` issuances of badges with everything a row shows: group, images, custom field
    values, benefits; and progress toward the targets of ``count // 4`` other badges (one at
    least)."""
    group = BadgeGroupFactory(org=org)
    field = CustomFieldFactory(org=org)
    for index in range(count):
        badge = live_badge(org, group=group if index % 2 else None)
        BadgeImageFactory(badge=badge, slot="issued")
        BadgeBenefitFactory(badge=badge)
        BadgeFieldValueFactory(badge=badge, field=field)
        IssuanceFactory(badge=badge, customer=customer)
    tag = f"for-{customer.customer_id}"
    for index in range(max(1, count // 4)):
        badge = live_badge(org)
        BadgeImageFactory(badge=badge, slot="in_progress")
        rule_for(
            badge,
            name=f"{tag} {index}",
            condition={"field": "tag", "op": "eq", "value": tag},
            target={"kind": "SUM", "field": "amount", "value": 1000},
        )
    processed(org, body(tag, customer_id=customer.customer_id, payload={"tag": tag, "amount": 5}))


@pytest.mark.parametrize("role, most", [(Role.VIEWER, 18), (Role.EDITOR, 19)])
def test_the_page_reads_in_a_constant_number_of_queries(org_a, role, most):
    client = signed_in(org_a, role)
    few, many = CustomerFactory(org=org_a), CustomerFactory(org=org_a)
    holding(org_a, few, 2)
    holding(org_a, many, 200)
    for name in ("Ended A", "Ended B", "Ended C"):
        BadgeFactory(
            org=org_a,
            name=name,
            start_on=at("2026-09-01T00:00Z"),
            expires_on=at("2026-10-01T00:00Z"),
        )
    assert many.issuances.count() == 200
    assert (len(progress_of(few)), len(progress_of(many))) == (1, 50)
    expected = customer_page_queries(client, f"/customers/ui/{few.customer_id}/")
    assert customer_page_queries(client, f"/customers/ui/{many.customer_id}/") == expected
    assert expected <= most


def test_adding_a_customer_that_exists_changes_nothing_and_opens_them(editor_page, org_a):
    registered = at("2026-10-10T11:00:00Z")
    CustomerFactory(org=org_a, customer_id="c-9", registered_on=registered)
    response = editor_page.post("/customers/ui/", {"customer_id": "c-9", "registered_on": ""})
    assert (response.status_code, response["Location"]) == (302, "/customers/ui/c-9/")
    assert org_a.customers.get(customer_id="c-9").registered_on == registered
    assert "Customer c-9 already exists." in editor_page.get("/customers/ui/c-9/").content.decode()


@pytest.mark.parametrize(
    "customer_id, path",
    [
        ("a/../c-1", "/customers/ui/a/~../c-1/"),
        ("..", "/customers/ui/~../"),
        ("x~y", "/customers/ui/x~~y/"),
        ("X%31", "/customers/ui/X%2531/"),
        ("a?b", "/customers/ui/a%3Fb/"),
    ],
)
def test_every_id_has_a_path_of_its_own_that_no_browser_folds(
    viewer_page, org_a, customer, customer_id, path
):
    """Dot segments would be folded away by browsers ("a/../c-1" would open c-1), so they are
    written with a "~" before them, and an id's own "~" twice; percent signs and question
    marks are percent-encoded."""
    CustomerFactory(org=org_a, customer_id="X1")
    odd = CustomerFactory(org=org_a, customer_id=customer_id)
    found = viewer_page.get(f"/customers/ui/?customer_id={quote(customer_id)}")
    assert found["Location"] == path
    assert viewer_page.get(path).context["customer"] == odd
