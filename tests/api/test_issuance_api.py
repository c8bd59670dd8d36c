"""The enrol, issue, revoke and customer endpoints of SPEC 17."""

from datetime import datetime

import pytest
import time_machine

from badges.exceptions import Busy
from badges.models import Customer, Issuance
from badges.services import customers as customers_service
from tests.factories import (
    BadgeFactory,
    CustomerFactory,
    EnrolmentFactory,
    IssuanceFactory,
)

pytestmark = pytest.mark.django_db

NOW = "2026-09-10T06:30:00+00:00"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def badge(org_a):
    return BadgeFactory(
        org=org_a,
        start_on=at("2026-09-01T00:00:00+05:30"),
        expires_on=at("2026-10-01T00:00:00+05:30"),
        issue_expiry_type="RELATIVE",
        issue_expiry_value=2,
        issue_expiry_unit="WEEKS",
    )


def issue(client, badge, **body):
    body = {"customers": ["c-1"], "request_id": "req-1", **body}
    return client.post(f"/api/v1/badges/{badge.pk}/issue/", body, format="json")


def test_issue_answers_a_result_per_customer(editor_a, badge):
    response = issue(editor_a, badge, customers=["c-1", 42])
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["customer_id"] for r in results] == ["c-1", "42"]
    first = results[0]
    assert (first["status"], first["code"], first["replayed"]) == ("ISSUED", None, False)
    issuance = first["issuance"]
    assert issuance["badge"] == str(badge.pk)
    assert issuance["customer_id"] == "c-1"
    assert issuance["issued_on"] == "2026-09-10T12:00:00+05:30"
    assert issuance["expires_on"] == "2026-09-24T12:00:00+05:30"
    assert issuance["status"] == "ACTIVE"
    assert issuance["source"] == "API"
    assert set(issuance) == {
        "issual_id",
        "badge",
        "customer_id",
        "event_date",
        "issued_on",
        "expires_on",
        "status",
        "source",
        "triggered_by",
        "benefits",
        "revoked_on",
        "revoke_reason",
    }
    assert Customer.objects.filter(org=badge.org).count() == 2


def test_refusals_are_results_with_code_message_and_details(editor_a, badge):
    issue(editor_a, badge)
    response = issue(editor_a, badge, request_id="req-2")
    assert response.status_code == 200
    [result] = response.json()["results"]
    assert result["status"] == "REFUSED"
    assert result["code"] == "OVERLAPPING_ISSUANCE"
    assert result["message"]
    assert result["details"] == {"next_eligible_at": "2026-09-24T12:00:00+05:30"}
    assert result["issuance"] is None


def test_replay_answers_the_original_outcome(editor_a, badge):
    first = issue(editor_a, badge).json()["results"][0]
    again = issue(editor_a, badge).json()["results"][0]
    assert again["replayed"] is True
    assert again["issuance"]["issual_id"] == first["issuance"]["issual_id"]
    reused = issue(editor_a, badge, event_date="2026-09-09").json()["results"][0]
    assert reused["code"] == "REQUEST_ID_REUSED"


def test_dry_run_says_what_would_happen(editor_a, badge):
    [result] = issue(editor_a, badge, dry_run=True).json()["results"]
    assert result["status"] == "WOULD_ISSUE"
    assert result["issuance"]["expires_on"] == "2026-09-24T12:00:00+05:30"
    assert not Issuance.objects.exists()


def test_triggered_by_and_source_are_recorded(editor_a, badge):
    response = issue(
        editor_a,
        badge,
        source="MEMBERCARE",
        triggered_by={"module": "LOYALTY", "reference": "Desk"},
    )
    issuance = response.json()["results"][0]["issuance"]
    assert issuance["source"] == "MEMBERCARE"
    assert issuance["triggered_by"] == {"module": "LOYALTY", "reference": "Desk"}


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"customers": []}, "customers", "CUSTOMERS_REQUIRED"),
        ({"customers": [str(n) for n in range(1001)]}, "customers", "TOO_MANY_CUSTOMERS"),
        ({"request_id": None}, "request_id", "NULL"),
        ({"source": "IMPORT"}, "source", "INVALID_CHOICE"),
        (
            {"triggered_by": {"module": "ADS", "reference": "x"}},
            "triggered_by.module",
            "INVALID_CHOICE",
        ),
        ({"event_date": "yesterday"}, "event_date", "INVALID"),
    ],
)
def test_bad_issue_bodies_are_400(editor_a, badge, body, field, code):
    response = issue(editor_a, badge, **body)
    assert response.status_code == 400
    assert (field, code) in {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert not Issuance.objects.exists()


def test_enrol_endpoint(editor_a, org_a):
    badge = BadgeFactory(
        org=org_a,
        enrol_issue=True,
        start_on=at("2026-09-01T00:00:00Z"),
        expires_on=at("2026-10-01T00:00:00Z"),
    )
    url = f"/api/v1/badges/{badge.pk}/enrol/"
    response = editor_a.post(
        url, {"customers": ["c-1"], "enrol_event_date": "2026-09-10"}, format="json"
    )
    [result] = response.json()["results"]
    assert (result["status"], result["code"]) == ("ENROLLED", None)
    enrolment = result["enrolment"]
    assert enrolment["enrol_event_date"] == "2026-09-10T00:00:00+05:30"
    assert enrolment["expires_on"] == "2026-09-12T00:00:00+05:30"
    assert enrolment["status"] == "ACTIVE"
    again = editor_a.post(url, {"customers": ["c-1"]}, format="json").json()["results"][0]
    assert (again["status"], again["code"]) == ("ENROLLED", "ALREADY_ENROLLED")
    assert again["enrolment"]["id"] == enrolment["id"]
    issued = issue(editor_a, badge).json()["results"][0]
    assert issued["status"] == "ISSUED"


def test_revoke_an_enrolment(editor_a, org_a):
    enrolment = EnrolmentFactory(badge__org=org_a)
    url = f"/api/v1/enrolments/{enrolment.pk}/revoke/"
    response = editor_a.post(url, {"reason": "Opted out"}, format="json")
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["revoke_reason"]) == ("REVOKED", "Opted out")


def test_read_and_revoke_an_issuance(editor_a, badge):
    issual_id = issue(editor_a, badge).json()["results"][0]["issuance"]["issual_id"]
    assert editor_a.get(f"/api/v1/issuances/{issual_id}/").json()["status"] == "ACTIVE"
    missing_reason = editor_a.post(f"/api/v1/issuances/{issual_id}/revoke/", {}, format="json")
    assert missing_reason.status_code == 400
    response = editor_a.post(
        f"/api/v1/issuances/{issual_id}/revoke/", {"reason": "Bill returned"}, format="json"
    )
    body = response.json()
    assert (body["status"], body["revoke_reason"]) == ("REVOKED", "Bill returned")
    assert body["revoked_on"] == "2026-09-10T12:00:00+05:30"
    assert issue(editor_a, badge, request_id="after").json()["results"][0]["status"] == "ISSUED"


def test_revoke_every_active_issuance_of_a_badge_for_a_customer(editor_a, badge):
    issue(editor_a, badge)
    response = editor_a.post(
        f"/api/v1/badges/{badge.pk}/revoke/",
        {"customer_id": "c-1", "reason": "Fraud"},
        format="json",
    )
    assert [i["status"] for i in response.json()] == ["REVOKED"]


def test_customers_register_and_list(editor_a, org_a):
    response = editor_a.post(
        "/api/v1/customers/", {"customer_id": "c-9", "registered_on": "2026-09-01"}, format="json"
    )
    assert response.status_code == 201
    assert response.json() == {"customer_id": "c-9", "registered_on": "2026-09-01T00:00:00+05:30"}
    again = editor_a.post(
        "/api/v1/customers/", {"customer_id": "c-9", "registered_on": None}, format="json"
    )
    assert (again.status_code, again.json()["registered_on"]) == (200, None)
    assert editor_a.get("/api/v1/customers/").json()["count"] == 1
    assert editor_a.get("/api/v1/customers/c-9/").json()["customer_id"] == "c-9"


def test_customer_badges_lists_every_status_unless_filtered(editor_a, org_a, badge):
    customer = CustomerFactory(org=org_a, customer_id="c-1")
    other = BadgeFactory(org=org_a, name="Other")
    active = IssuanceFactory(badge=badge, customer=customer, issued_on=at("2026-09-09T00:00:00Z"))
    expired = IssuanceFactory(
        badge=other,
        customer=customer,
        issued_on=at("2026-09-02T00:00:00Z"),
        expires_on=at("2026-09-03T00:00:00Z"),
    )
    revoked = IssuanceFactory(
        badge=badge,
        customer=customer,
        issued_on=at("2026-09-01T00:00:00Z"),
        status="REVOKED",
        revoked_on=at("2026-09-01T01:00:00Z"),
    )
    url = "/api/v1/customers/c-1/badges/"

    def ids(query=""):
        return [r["issual_id"] for r in editor_a.get(url + query).json()["results"]]

    # display order: the badge ending last first, several issuances of one badge newest first
    assert ids() == [str(i.issual_id) for i in (expired, active, revoked)]
    assert ids("?status=ACTIVE") == [str(active.issual_id)]
    assert ids("?status=EXPIRED&status=REVOKED") == [str(expired.issual_id), str(revoked.issual_id)]
    assert ids(f"?badge={other.pk}") == [str(expired.issual_id)]
    assert editor_a.get(url).json()["results"][1]["badge_name"] == badge.name


def test_another_orgs_objects_are_404(editor_a, editor_b, org_b):
    foreign_badge = BadgeFactory(org=org_b)
    foreign = IssuanceFactory(badge=foreign_badge, customer__customer_id="shared-id")
    enrolment = EnrolmentFactory(badge__org=org_b)
    requests = [
        (
            "post",
            f"/api/v1/badges/{foreign_badge.pk}/issue/",
            {"customers": ["x"], "request_id": "r"},
        ),
        ("post", f"/api/v1/badges/{foreign_badge.pk}/enrol/", {"customers": ["x"]}),
        (
            "post",
            f"/api/v1/badges/{foreign_badge.pk}/revoke/",
            {"customer_id": "shared-id", "reason": "x"},
        ),
        ("get", f"/api/v1/issuances/{foreign.issual_id}/", None),
        ("post", f"/api/v1/issuances/{foreign.issual_id}/revoke/", {"reason": "x"}),
        ("post", f"/api/v1/enrolments/{enrolment.pk}/revoke/", {"reason": "x"}),
        ("get", "/api/v1/customers/shared-id/", None),
        ("get", "/api/v1/customers/shared-id/badges/", None),
    ]
    for method, url, body in requests:
        response = getattr(editor_a, method)(url, body, format="json")
        assert response.status_code == 404, url
    foreign.refresh_from_db()
    enrolment.refresh_from_db()
    assert foreign.revoked_on is None and enrolment.revoked_on is None
    assert editor_a.get("/api/v1/customers/").json()["count"] == 0
    assert Issuance.objects.count() == 1


def test_viewers_cannot_issue_enrol_or_revoke(viewer_a, badge):
    issuance = IssuanceFactory(badge=badge)
    assert issue(viewer_a, badge).status_code == 403
    for url, body in [
        (f"/api/v1/badges/{badge.pk}/enrol/", {"customers": ["c"]}),
        (f"/api/v1/issuances/{issuance.issual_id}/revoke/", {"reason": "x"}),
        ("/api/v1/customers/", {"customer_id": "c"}),
    ]:
        assert viewer_a.post(url, body, format="json").status_code == 403
    assert viewer_a.get(f"/api/v1/issuances/{issuance.issual_id}/").status_code == 200


def test_lock_contention_answers_503_with_retry_after(editor_a, badge, monkeypatch):
    def busy(*args, **kwargs):
        raise Busy

    monkeypatch.setattr(customers_service, "customers_locked", busy)
    response = issue(editor_a, badge)
    assert (response.status_code, response["Retry-After"]) == (503, "1")
    assert response.json()["code"] == "BUSY"
    assert not Issuance.objects.exists()


@pytest.mark.parametrize("customer_id", ["a%00b", "x" * 101])
def test_a_customer_id_no_customer_can_have_is_404_not_a_crash(editor_a, customer_id):
    for suffix in ("", "badges/"):
        response = editor_a.get(f"/api/v1/customers/{customer_id}/{suffix}")
        assert response.status_code == 404


def test_a_customer_cannot_register_in_the_future(editor_a):
    response = editor_a.post(
        "/api/v1/customers/", {"customer_id": "c-1", "registered_on": "9999-12-31"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (400, "REGISTERED_ON_IN_FUTURE")


def test_an_issue_may_carry_a_reason_kept_on_the_issuance(editor_a, badge):
    response = issue(editor_a, badge, source="MEMBERCARE", reason="Complained on the phone")
    assert response.json()["results"][0]["status"] == "ISSUED"
    assert Issuance.objects.get().issue_reason == "Complained on the phone"
    refused = issue(editor_a, badge, request_id="req-2", reason="x" * 501)
    assert refused.status_code == 400
    assert refused.json()["code"] == "ISSUE_REASON_INVALID"
