"""SPEC 14, 17: ``imports/badges/`` and ``imports/customer-badges/``: a result per item (one
item's refusal never an error of the batch), the batch limits, dry runs, roles and isolation."""

from datetime import UTC, datetime

import pytest
import time_machine

from badges.imports.choices import MAX_API_BADGES, MAX_API_ROWS
from badges.models import Badge, Customer, Issuance
from tests.factories import BadgeFactory

pytestmark = pytest.mark.django_db

BADGES = "/api/v1/imports/badges/"
EARNED = "/api/v1/imports/customer-badges/"


@pytest.fixture(autouse=True)
def november():
    with time_machine.travel("2026-11-01T12:00:00+00:00", tick=False):
        yield


def old_badge(**overrides) -> dict:
    """A badge of the old platform, which ran in 2025, in the badge create shape."""
    return {
        "external_id": "old-1",
        "name": "Summer 2025",
        "start_on": "2025-06-01",
        "expires_on": "2025-09-01T00:00:00+05:30",
        "issue_type": "ISSUE",
        "issue_expiry": {"type": "RELATIVE", "value": 2, "unit": "WEEKS"},
        "owners": ["LOYALTY"],
        "benefits": [{"type": "POINTS", "reference_id": "P-1", "name": "100 points"}],
        "customer_limit": {"overall": 2},
        **overrides,
    }


def earned(badge="old-7", customer="c-1", earned_on="2026-09-02", expires="2026-09-16", **more):
    return {
        "badge": badge,
        "customer_id": customer,
        "earn_event_date": earned_on,
        "expires_on": expires,
        **more,
    }


@pytest.fixture
def badge_a(org_a):
    return BadgeFactory(
        org=org_a,
        start_on=datetime(2026, 9, 1, tzinfo=UTC),
        expires_on=datetime(2026, 10, 1, tzinfo=UTC),
        external_id="old-7",
    )


def post(client, url, body, status=200):
    response = client.post(url, body, format="json")
    assert response.status_code == status, response.content
    return response.json()


def test_badges_are_imported_with_past_dates_and_read_back_like_any_badge(editor_a):
    answer = post(editor_a, BADGES, {"badges": [old_badge()]})
    [result] = answer["results"]
    assert set(answer) == {"results"}
    badge = Badge.objects.get()
    assert result == {
        "index": 0,
        "external_id": "old-1",
        "status": "IMPORTED",
        "badge": str(badge.pk),
        "errors": [],
    }
    read = editor_a.get(f"/api/v1/badges/{badge.pk}/").json()
    assert (read["status"], read["start_on"], read["expires_on"]) == (
        "ended",
        "2025-06-01T00:00:00+05:30",
        "2025-09-01T00:00:00+05:30",
    )
    assert (read["created_by"], read["customer_limit"]["overall"]) == (editor_a.user.username, 2)
    assert read["benefits"][0]["reference_id"] == "P-1"


def test_a_re_run_answers_duplicate_with_the_badge_imported_before(editor_a):
    first = post(editor_a, BADGES, {"badges": [old_badge()]})["results"][0]
    again = post(editor_a, BADGES, {"badges": [old_badge(name="Other name")]})["results"][0]
    assert (again["status"], again["badge"], again["errors"]) == ("DUPLICATE", first["badge"], [])
    assert Badge.objects.get().name == "Summer 2025"


def test_an_item_is_refused_with_the_errors_a_badge_create_answers(editor_a):
    """The same item sent to ``POST badges/`` (starting in the future) is a 400 with exactly
    these errors."""
    broken = {
        "name": " ",
        "owners": ["LOYALTY", "NOPE"],
        "issue_expiry": {"type": "RELATIVE", "value": "2", "unit": "WEEKS"},
        "customer_limit": {"rolling": [{"limit": 0, "value": 2, "unit": "DAYS"}]},
    }
    [result] = post(editor_a, BADGES, {"badges": [old_badge(**broken)]})["results"]
    assert (result["status"], result["badge"]) == ("INVALID", None)
    future = {**old_badge(**broken), "start_on": "2027-01-01", "expires_on": "2027-02-01"}
    refused = post(editor_a, "/api/v1/badges/", future, status=400)
    assert result["errors"] == refused["errors"]
    assert {(e["field"], e["code"]) for e in result["errors"]} == {
        ("owners.1", "INVALID_CHOICE"),
        ("issue_expiry.value", "INVALID"),
    }
    # Once its shape is right, the definition rules answer, as for a create.
    fixed = {**broken, "owners": ["LOYALTY"], "issue_expiry": {"type": "NEVER"}}
    [result] = post(editor_a, BADGES, {"badges": [old_badge(**fixed)]})["results"]
    future = {**old_badge(**fixed), "start_on": "2027-01-01", "expires_on": "2027-02-01"}
    assert result["errors"] == post(editor_a, "/api/v1/badges/", future, status=400)["errors"]
    assert [e["code"] for e in result["errors"]] == ["NAME_REQUIRED", "LIMIT_INVALID"]
    assert not Badge.objects.exists()


def test_each_item_is_answered_on_its_own_in_order(editor_a):
    items = [
        old_badge(external_id="a", name="A"),
        5,
        old_badge(external_id="  ", name="B"),
        old_badge(external_id=None, name="A"),
        old_badge(external_id=7, name="C"),
        old_badge(external_id="a", name="not read", owners="x"),
        old_badge(external_id="", name="D"),
    ]
    results = post(editor_a, BADGES, {"badges": items})["results"]
    assert [(r["index"], r["external_id"], r["status"]) for r in results] == [
        (0, "a", "IMPORTED"),
        (1, None, "INVALID"),
        (2, "  ", "INVALID"),
        (3, None, "INVALID"),
        (4, None, "INVALID"),
        (5, "a", "DUPLICATE"),
        (6, None, "IMPORTED"),
    ]
    assert [[(e["field"], e["code"]) for e in r["errors"]] for r in results[1:5]] == [
        [("non_field_errors", "INVALID")],
        [("external_id", "EXTERNAL_ID_INVALID")],
        [("name", "BADGE_NAME_TAKEN")],
        [("external_id", "INVALID")],
    ]
    assert results[5]["badge"] == results[0]["badge"]
    assert sorted(Badge.objects.values_list("name", flat=True)) == ["A", "D"]


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"badges": []}, "badges", "ROWS_REQUIRED"),
        ({"badges": [{}] * (MAX_API_BADGES + 1)}, "badges", "TOO_MANY_ROWS"),
        ({"badges": {"name": "x"}}, "badges", "NOT_A_LIST"),
        ({}, "badges", "REQUIRED"),
        ({"badges": [old_badge()], "dry_run": "yes"}, "dry_run", "INVALID"),
    ],
)
def test_a_badge_batch_of_another_size_or_shape_is_a_400(editor_a, body, field, code):
    answer = post(editor_a, BADGES, body, status=400)
    assert [(e["field"], e["code"]) for e in answer["errors"]] == [(field, code)]
    assert not Badge.objects.exists()


def test_a_badge_batch_takes_up_to_1000_items(editor_a):
    results = post(editor_a, BADGES, {"badges": [{}] * MAX_API_BADGES})["results"]
    assert len(results) == MAX_API_BADGES
    assert {r["status"] for r in results} == {"INVALID"}
    assert results[-1]["index"] == MAX_API_BADGES - 1


def test_a_dry_run_of_badges_writes_nothing(editor_a):
    items = [old_badge(), old_badge(name="Other")]
    results = post(editor_a, BADGES, {"badges": items, "dry_run": True})["results"]
    assert [(r["status"], r["badge"]) for r in results] == [
        ("IMPORTED", None),
        ("DUPLICATE", None),
    ]
    assert not Badge.objects.exists()


def test_customer_badges_are_imported_with_a_result_per_row_and_a_summary(editor_a, badge_a):
    rows = [
        earned(external_id="e-1"),
        earned(),
        earned(earned_on="2026-09-10"),
        earned(badge="old-9"),
        earned(badge=str(badge_a.pk), customer=42, earned_on="2026-09-03", expires=None),
        earned(customer=" "),
        "c-1",
    ]
    answer = post(editor_a, EARNED, {"rows": rows})
    issuance = Issuance.objects.get(customer__customer_id="c-1")
    assert answer["results"][:2] == [
        {
            "line": 1,
            "status": "IMPORTED",
            "code": None,
            "field": None,
            "message": "Imported.",
            "issual_id": str(issuance.issual_id),
        },
        {
            "line": 2,
            "status": "DUPLICATE",
            "code": "DUPLICATE",
            "field": None,
            "message": "Imported before: the same badge, customer and earn date.",
            "issual_id": str(issuance.issual_id),
        },
    ]
    assert [(r["status"], r["code"], r["field"]) for r in answer["results"][2:]] == [
        ("OVERLAPPING", "OVERLAPPING", None),
        ("BADGE_NOT_FOUND", "BADGE_NOT_FOUND", "badge"),
        ("IMPORTED", None, None),
        ("INVALID", "CUSTOMER_ID_INVALID", "customer_id"),
        ("INVALID", "ROW_INVALID", None),
    ]
    assert answer["summary"] == {
        "rows": 7,
        "imported": 2,
        "duplicate": 1,
        "overlapping": 1,
        "badge_not_found": 1,
        "invalid": 2,
    }
    assert Issuance.objects.get(customer__customer_id="42").expires_on is None
    assert issuance.request_id == "e-1"
    rerun = post(editor_a, EARNED, {"rows": rows[:1]})["results"][0]
    assert (rerun["status"], rerun["issual_id"]) == ("DUPLICATE", str(issuance.issual_id))


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"rows": []}, "rows", "ROWS_REQUIRED"),
        ({"rows": [{}] * (MAX_API_ROWS + 1)}, "rows", "TOO_MANY_ROWS"),
        ({"rows": "badge,customer_id"}, "rows", "NOT_A_LIST"),
        ({"rows": [{}], "dry_run": 1}, "dry_run", "INVALID"),
    ],
)
def test_a_row_batch_of_another_size_or_shape_is_a_400(editor_a, body, field, code):
    answer = post(editor_a, EARNED, body, status=400)
    assert [(e["field"], e["code"]) for e in answer["errors"]] == [(field, code)]


def test_a_row_batch_takes_up_to_5000_rows(editor_a, badge_a):
    rows = [earned(badge="nope", customer=f"c-{n}") for n in range(MAX_API_ROWS - 1)]
    answer = post(editor_a, EARNED, {"rows": [*rows, None]})
    assert answer["summary"]["rows"] == MAX_API_ROWS
    assert (answer["summary"]["badge_not_found"], answer["summary"]["invalid"]) == (
        MAX_API_ROWS - 1,
        1,
    )
    assert answer["results"][-1]["line"] == MAX_API_ROWS


def test_a_body_over_the_upload_limit_is_a_413_in_the_api_format(editor_a, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    rows = [earned(customer=f"c-{n}") for n in range(200)]
    response = editor_a.post(EARNED, {"rows": rows}, format="json")
    assert response.status_code == 413
    assert response.json() == {
        "detail": "The body is over 10,000 bytes.",
        "code": "REQUEST_TOO_LARGE",
    }


def test_a_dry_run_of_rows_writes_nothing_and_names_no_issuance_it_would_make(editor_a, badge_a):
    answer = post(editor_a, EARNED, {"rows": [earned(), earned()], "dry_run": True})
    assert [(r["status"], r["issual_id"]) for r in answer["results"]] == [
        ("IMPORTED", None),
        ("DUPLICATE", None),
    ]
    assert not Issuance.objects.exists() and not Customer.objects.exists()


def test_viewers_import_nothing_editors_and_admins_do(viewer_a, admin_a, badge_a):
    for url, body in ((BADGES, {"badges": [old_badge()]}), (EARNED, {"rows": [earned()]})):
        response = viewer_a.post(url, body, format="json")
        assert (response.status_code, response.json()["code"]) == (403, "PERMISSION_DENIED")
    assert not Badge.objects.filter(external_id="old-1").exists()
    assert post(admin_a, BADGES, {"badges": [old_badge()]})["results"][0]["status"] == "IMPORTED"
    assert post(admin_a, EARNED, {"rows": [earned()]})["results"][0]["status"] == "IMPORTED"


def test_anonymous_imports_are_401(client):
    for url in (BADGES, EARNED):
        response = client.post(url, {}, content_type="application/json")
        assert (response.status_code, response.json()["code"]) == (401, "NOT_AUTHENTICATED")


def test_another_orgs_badges_are_neither_met_nor_named(editor_a, editor_b, org_b, badge_a):
    """Org B imports a badge with the external id org A used: it is B's own badge. B's earned
    rows naming A's badge, by id or external id, find none, and say nothing of it."""
    [result] = post(editor_b, BADGES, {"badges": [old_badge(external_id="old-7")]})["results"]
    assert result["status"] == "IMPORTED"
    assert Badge.objects.get(pk=result["badge"]).org == org_b
    rows = [
        earned(badge=str(badge_a.pk)),
        earned(badge=str(badge_a.pk).upper(), customer="c-2"),
    ]
    results = post(editor_b, EARNED, {"rows": rows})["results"]
    assert [r["status"] for r in results] == ["BADGE_NOT_FOUND", "BADGE_NOT_FOUND"]
    assert "Summer" not in str(results) and badge_a.name not in str(results)
    # Org B's own badge named by the external id ran in 2025: outside its period.
    [mine] = post(editor_b, EARNED, {"rows": [earned(badge="old-7")]})["results"]
    assert mine["code"] == "EVENT_DATE_OUTSIDE_BADGE_PERIOD"
    assert not Issuance.objects.exists()
    assert not Customer.objects.filter(org=org_b).exists()


def test_an_org_the_caller_is_not_in_is_a_404(editor_a, org_b):
    response = editor_a.post(BADGES, {"badges": [old_badge()]}, format="json", HTTP_X_ORG="brand-b")
    assert (response.status_code, response.json()["code"]) == (404, "NOT_FOUND")
    response = editor_a.post(EARNED, {"rows": [earned()]}, format="json", HTTP_X_ORG="brand-b")
    assert response.status_code == 404
    assert not Badge.objects.exists()
