"""The API takes exactly what its OpenAPI schema says and answers only what it documents: JSON
values of the documented type, bounded instants, strict paging, JSON bodies, and every answer
in RFC 3339 and the error format."""

from datetime import UTC, datetime

import pytest
import time_machine

from badges.models import Customer
from tests.factories import BadgeFactory, CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def badge(org_a):
    return BadgeFactory(
        org=org_a,
        start_on=datetime(2026, 9, 1, tzinfo=UTC),
        expires_on=datetime(2026, 10, 1, tzinfo=UTC),
    )


def error_codes(response) -> set[tuple[str, str]]:
    assert response.status_code == 400, response.content
    return {(e["field"], e["code"]) for e in response.json()["errors"]}


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/groups/", {"name": 5, "rank": 1}, "name"),
        ("/api/v1/groups/", {"name": "G", "rank": "1"}, "rank"),
        ("/api/v1/groups/", {"name": "G", "rank": 1.5}, "rank"),
        ("/api/v1/groups/", {"name": "G", "rank": 1, "is_active": "yes"}, "is_active"),
        ("/api/v1/groups/", {"name": "G", "rank": True}, "rank"),
        (
            "/api/v1/custom-fields/",
            {"name": "F", "data_type": "STRING", "is_mandatory": 1},
            "is_mandatory",
        ),
        ("/api/v1/customers/", {"customer_id": 42}, "customer_id"),
    ],
)
def test_a_value_of_another_json_type_is_refused_not_converted(editor_a, url, body, field):
    assert (field, "INVALID") in error_codes(editor_a.post(url, body))


def test_issue_takes_json_booleans_and_whole_number_customer_ids(editor_a, badge):
    url = f"/api/v1/badges/{badge.pk}/issue/"
    with time_machine.travel(datetime(2026, 9, 2, tzinfo=UTC), tick=False):
        assert ("dry_run", "INVALID") in error_codes(
            editor_a.post(url, {"customers": ["c-1"], "request_id": "r", "dry_run": 1})
        )
        assert ("customers.0", "INVALID") in error_codes(
            editor_a.post(url, {"customers": [1.5], "request_id": "r"})
        )
        response = editor_a.post(url, {"customers": [7], "request_id": "r", "dry_run": True})
    assert response.json()["results"][0]["customer_id"] == "7"


def test_a_badge_group_is_a_uuid_in_its_text_form(editor_a):
    from tests.api.test_badges_api import gold_shopper

    body = gold_shopper(group=12345)
    assert ("group", "INVALID") in error_codes(editor_a.post("/api/v1/badges/", body))
    body = gold_shopper(group="12345678123456781234567812345678")
    assert ("group", "INVALID") in error_codes(editor_a.post("/api/v1/badges/", body))


@pytest.mark.parametrize(
    ("registered_on", "accepted"),
    [
        ("0001-06-01T00:00:00Z", False),
        ("0002-01-01T00:00:00+05:00", True),
        ("9998-12-31T23:59:59-12:00", True),
        ("9999-01-01T00:00:00Z", False),
        ("0001-01-01", False),
        ("0002-01-01", True),
        ("9999-12-31", True),
    ],
)
def test_instants_run_from_year_2_to_9998_and_dates_to_9999(editor_a, registered_on, accepted):
    """Every instant of those years converts to UTC whatever its offset; the customer service
    then refuses what lies in the future."""
    response = editor_a.post(
        "/api/v1/customers/", {"customer_id": "c", "registered_on": registered_on}
    )
    codes = {e["code"] for e in response.json().get("errors", [])}
    assert ("YEAR_OUT_OF_RANGE" not in codes) is accepted, response.json()


def test_an_instant_whose_local_offset_has_seconds_reads_back_in_utc(editor_a, org_a):
    """Asia/Kolkata ran on local mean time (+05:53:28) in 323: RFC 3339 can't write that
    offset, so the instant is given in UTC."""
    CustomerFactory(
        org=org_a, customer_id="c-old", registered_on=datetime(323, 5, 23, 15, tzinfo=UTC)
    )
    CustomerFactory(
        org=org_a, customer_id="c-new", registered_on=datetime(2026, 5, 23, 15, tzinfo=UTC)
    )
    assert (
        editor_a.get("/api/v1/customers/c-old/").json()["registered_on"] == "0323-05-23T15:00:00Z"
    )
    assert (
        editor_a.get("/api/v1/customers/c-new/").json()["registered_on"]
        == "2026-05-23T20:30:00+05:30"
    )


@pytest.mark.parametrize("page_size", ["0", "201", "null", "1.5", "", "-1", "true"])
def test_a_page_size_outside_1_to_200_is_a_400(viewer_a, page_size):
    response = viewer_a.get(f"/api/v1/customers/?page_size={page_size}")
    assert error_codes(response) == {("page_size", "INVALID")}


@pytest.mark.parametrize("page", ["0", "2", "abc", "", "last", "-1"])
def test_a_page_that_does_not_exist_is_a_404(viewer_a, org_a, page):
    CustomerFactory(org=org_a)
    response = viewer_a.get(f"/api/v1/customers/?page={page}")
    assert (response.status_code, response.json()["code"]) == (404, "NOT_FOUND")


def test_pages_are_numbered_from_1_and_hold_up_to_200(viewer_a, org_a):
    for n in range(3):
        CustomerFactory(org=org_a, customer_id=f"c-{n}")
    response = viewer_a.get("/api/v1/customers/?page=2&page_size=2")
    assert [c["customer_id"] for c in response.json()["results"]] == ["c-2"]
    assert viewer_a.get("/api/v1/customers/?page_size=200").status_code == 200


def test_bodies_are_json_only(editor_a):
    response = editor_a.post("/api/v1/customers/", {"customer_id": "c-1"}, format="multipart")
    assert (response.status_code, response.json()["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")
    assert not Customer.objects.exists()


def test_include_inactive_is_true_or_false(viewer_a):
    assert viewer_a.get("/api/v1/custom-fields/?include_inactive=true").status_code == 200
    response = viewer_a.get("/api/v1/custom-fields/?include_inactive=1")
    assert error_codes(response) == {("include_inactive", "INVALID")}


def test_an_api_url_no_route_matches_is_a_json_404(viewer_a):
    response = viewer_a.get("/api/v1/no-such-thing/")
    assert (response.status_code, response["Content-Type"]) == (404, "application/json")
    assert response.json() == {"detail": "Not found.", "code": "NOT_FOUND"}


@pytest.mark.parametrize("query", ["?ordering=", "?ordering=name,", "?ordering=,name"])
def test_an_empty_ordering_term_is_a_400(viewer_a, query):
    assert error_codes(viewer_a.get("/api/v1/badges/" + query)) == {("ordering", "INVALID_CHOICE")}


@pytest.mark.parametrize("query", ["?sort_on=", "?status=", "?badge="])
def test_an_empty_customer_badge_filter_is_a_400_not_no_filter(viewer_a, org_a, query):
    CustomerFactory(org=org_a, customer_id="c-1")
    response = viewer_a.get("/api/v1/customers/c-1/badges/" + query)
    assert response.status_code == 400


def test_trimmed_text_counts_its_length_once_trimmed(editor_a, org_a):
    """DRF reads such text trimmed; the schema's pattern says the same."""
    badge = BadgeFactory(org=org_a)
    url = f"/api/v1/badges/{badge.pk}/claims/"
    assert (
        editor_a.post(url, {"module": "LOYALTY", "reference": "\t" + "x" * 200}).status_code == 201
    )
    refused = editor_a.post(url, {"module": "LOYALTY", "reference": "x" * 201})
    assert error_codes(refused) == {("reference", "MAX_LENGTH")}


def test_an_enrol_request_id_may_be_empty(editor_a, org_a):
    badge = BadgeFactory(
        org=org_a,
        enrol_issue=True,
        start_on=datetime(2026, 9, 1, tzinfo=UTC),
        expires_on=datetime(2026, 10, 1, tzinfo=UTC),
    )
    with time_machine.travel(datetime(2026, 9, 2, tzinfo=UTC), tick=False):
        response = editor_a.post(
            f"/api/v1/badges/{badge.pk}/enrol/", {"customers": ["c-1"], "request_id": ""}
        )
    assert response.json()["results"][0]["status"] == "ENROLLED"
