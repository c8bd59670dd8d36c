"""The event pages (SPEC 12 in the browser): the org's events newest first under the ``events/``
list's filters, and one event as posted (in the org's timezone, its payload escaped) with every
outcome: the rule as it was, what its condition saw, the result with its code, the issuance
made, when the customer could have the badge, progress n of N. Read by every member, scoped to
the acting org, in a constant number of queries."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from badges.events.models import Event
from badges.models import Issuance, Role, RollingLimit
from badges.ui.display import instant_words
from tests.events.factories import body, processed, rule_for
from tests.factories import BadgeFactory
from tests.ui.conftest import signed_in

pytestmark = pytest.mark.django_db

LIST = "/events/ui/"


def listed(response) -> list[str]:
    return re.findall(r'<span class="visually-hidden"> ([^<]+)</span></a><span', response.text)


def posted(org, event_id: str, *, minutes_ago: int = 0, **values) -> Event:
    now = timezone.now() - timedelta(minutes=minutes_ago)
    return processed(org, body(event_id, event_date=now, **values), now=now)


def test_the_list_shows_the_orgs_events_newest_first(viewer_page, org_a, org_b):
    posted(org_a, "e-1", minutes_ago=3, reference="BILL-1")
    posted(
        org_a,
        "e-2",
        minutes_ago=2,
        event_type="ReturnBill",
        payload={"return_type": "FULL", "original_reference": "BILL-1"},
    )
    posted(org_a, "e-3", minutes_ago=1, event_type="Behavioral", event_name="app_review")
    posted(org_b, "theirs")
    response = viewer_page.get(LIST)
    assert response.status_code == 200
    assert listed(response) == ["e-3", "e-2", "e-1"]
    for shown in ["Behavioral: app_review", "ReturnBill", "BILL-1", "Processed", "c-42"]:
        assert shown in response.text, shown
    assert 'href="/customers/ui/?customer_id=c-42"' in response.text


def test_the_list_takes_the_apis_filters(viewer_page, org_a):
    posted(org_a, "a-bill", minutes_ago=2, customer_id="c-a")
    posted(org_a, "b-bill", minutes_ago=1, customer_id="c-b")
    posted(
        org_a,
        "b-return",
        event_type="ReturnBill",
        customer_id="c-b",
        payload={"return_type": "PARTIAL"},
    )
    Event.objects.filter(event_id="a-bill").update(status="FAILED", error="boom")
    assert listed(viewer_page.get(f"{LIST}?customer=c-b")) == ["b-return", "b-bill"]
    assert listed(viewer_page.get(f"{LIST}?event_type=ReturnBill")) == ["b-return"]
    assert listed(viewer_page.get(f"{LIST}?status=FAILED&status=PENDING")) == ["a-bill"]
    assert listed(viewer_page.get(f"{LIST}?customer=c-b&event_type=TransactionAdd")) == ["b-bill"]
    refused = viewer_page.get(f"{LIST}?status=LOST")
    assert refused.status_code == 400 and "These filters can't be applied" in refused.text
    assert viewer_page.get(f"{LIST}?page=2").status_code == 404
    assert "No event matches these filters." in viewer_page.get(f"{LIST}?customer=nobody").text


def test_a_filter_sent_blank_filters_nothing(viewer_page, org_a):
    """The form sends its customer box empty when none is typed: no filter, as if unsent."""
    assert "No events yet." in viewer_page.get(f"{LIST}?customer=").text
    posted(org_a, "a-bill", minutes_ago=2, customer_id="c-a")
    posted(org_a, "b-bill", minutes_ago=1, customer_id="c-b")
    Event.objects.filter(event_id="a-bill").update(status="FAILED", error="boom")
    assert listed(viewer_page.get(f"{LIST}?customer=")) == ["b-bill", "a-bill"]
    assert listed(viewer_page.get(f"{LIST}?customer=&status=FAILED")) == ["a-bill"]


def test_the_list_counts_each_events_outcomes_by_result(viewer_page, org_a):
    badge = BadgeFactory(org=org_a)
    rule_for(badge, name="Any bill")
    rule_for(badge, name="Big bill", condition={"field": "amount", "op": "gte", "value": 500})
    posted(org_a, "e-1", payload={"amount": 100})
    assert "1 issued" in viewer_page.get(LIST).text
    assert "1 skipped" in viewer_page.get(LIST).text


@pytest.fixture
def bill(org_a):
    """A bill of 600 for c-42 an hour ago, after one of 700 30 hours ago: three rules of
    TransactionAdd, each doing something else with it."""
    spender = BadgeFactory(
        org=org_a,
        name="Big Spender",
        issued_for_a_day=True,
        start_on=timezone.now() - timedelta(days=10),
    )
    gold = BadgeFactory(
        org=org_a, name="Gold Shopper", start_on=timezone.now() - timedelta(days=10)
    )
    RollingLimit.objects.create(badge=spender, scope="CUSTOMER", limit=1, value=2, unit="DAYS")
    rule_for(spender, name="A: big bill", condition={"field": "amount", "op": "gte", "value": 500})
    rule_for(gold, name="B: gold tier", condition={"field": "tier", "op": "eq", "value": "gold"})
    rule_for(gold, name="C: toward gold", target={"kind": "SUM", "field": "amount", "value": 1500})
    now = timezone.now()
    earlier = now - timedelta(hours=30)
    processed(org_a, body("first", event_date=earlier, payload={"amount": 700}), now=earlier)
    return processed(
        org_a,
        body(
            "bill-7781",
            event_date=now - timedelta(hours=1),
            reference="BILL-7781",
            payload={"amount": 600, "note": "<script>alert(1)</script>"},
        ),
        now=now,
    )


def test_an_event_shows_what_each_rule_did(viewer_page, bill, org_a):
    response = viewer_page.get(f"{LIST}{bill.pk}/")
    assert response.status_code == 200
    text = response.text
    for shown in [
        "bill-7781",
        "BILL-7781",
        instant_words(bill.event_date, org_a.tzinfo),
        "Asia/Kolkata",
        "Processed",
        'href="/customers/ui/?customer_id=c-42"',
    ]:
        assert shown in text, shown
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, "the payload, escaped"
    # One key a line, indented (PostgreSQL's jsonb keeps its own key order, so no comma is
    # assumed after it).
    assert "\n  &quot;amount&quot;: 600" in text, "pretty-printed"
    rows = dict(
        re.findall(r'<tr id="outcome-\d+">\s*<th scope="row"[^>]*>([^<]+)(.*?)</tr>', text, re.S)
    )
    assert list(rows) == ["A: big bill", "B: gold tier", "C: toward gold"]
    refused = rows["A: big bill"]
    assert "Refused" in refused and "CUSTOMER_LIMIT_REACHED" in refused
    assert "amount is at least 500" in refused and "Saw amount: 600" in refused
    next_eligible = bill.outcomes.get(rule_name="A: big bill").next_eligible_at
    assert instant_words(next_eligible, org_a.tzinfo) in refused
    skipped = rows["B: gold tier"]
    assert (
        "Skipped" in skipped
        and "Saw no tier in the payload" in skipped
        and "FIELD_MISSING" in skipped
    )
    assert "<td>No</td>" in skipped
    progress = rows["C: toward gold"]
    assert "Progress" in progress and "1,300 of 1,500" in progress


def test_an_issuance_links_to_the_customers_page(viewer_page, org_a):
    rule_for(BadgeFactory(org=org_a, name="Welcome"), name="Welcome")
    event = posted(org_a, "e-1")
    issuance = Issuance.objects.get()
    text = viewer_page.get(f"{LIST}{event.pk}/").text
    assert f'href="/customers/ui/c-42/#issuance-{issuance.issual_id}"' in text
    assert "Issued" in text


def test_a_pending_or_failed_event_says_so(viewer_page, org_a):
    event = posted(org_a, "e-1")
    Event.objects.filter(pk=event.pk).update(status="FAILED", error="Database gone")
    text = viewer_page.get(f"{LIST}{event.pk}/").text
    assert "Processing failed" in text and "Database gone" in text
    Event.objects.filter(pk=event.pk).update(status="PENDING", error="")
    assert "Not processed yet." in viewer_page.get(f"{LIST}{event.pk}/").text


def test_another_orgs_event_is_not_found(viewer_page, org_b):
    event = posted(org_b, "theirs")
    assert viewer_page.get(f"{LIST}{event.pk}/").status_code == 404


def test_the_navigation_marks_the_events_page(viewer_page):
    text = viewer_page.get(LIST).text
    assert 'class="nav-link active" aria-current="page" href="/events/ui/">Events<' in text


def queries_of(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EDITOR])
def test_the_pages_read_in_a_constant_number_of_queries(org_a, role):
    client = signed_in(org_a, role)
    few_rules = [
        rule_for(
            BadgeFactory(org=org_a), name=f"Few {i}", event_type="Behavioral", event_name="few"
        )
        for i in range(2)
    ]
    for index in range(30):
        rule_for(
            BadgeFactory(org=org_a),
            name=f"Many {index}",
            event_type="Behavioral",
            event_name="many",
        )
    few = posted(org_a, "few", event_type="Behavioral", event_name="few", minutes_ago=60)
    many = posted(org_a, "many", event_type="Behavioral", event_name="many", minutes_ago=59)
    assert (few.outcomes.count(), many.outcomes.count()) == (len(few_rules), 30)
    assert queries_of(client, f"{LIST}{few.pk}/") == queries_of(client, f"{LIST}{many.pk}/")
    in_list = queries_of(client, LIST)
    for index in range(40):
        posted(
            org_a, f"more-{index}", event_type="Behavioral", event_name="many", minutes_ago=index
        )
    assert queries_of(client, LIST) == in_list
