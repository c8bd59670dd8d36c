"""The badge endpoints of SPEC 17: shapes, codes and wiring to the services."""

import json
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from badges.models import Badge, BadgeChange
from tests.factories import BadgeClaimFactory, BadgeFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/badges/"


def gold_shopper(**overrides) -> dict:
    body = {
        "name": "Gold Shopper",
        "description": "Purchases totalling 500",
        "start_on": "2026-10-01T00:00:00+05:30",
        "expires_on": "2026-10-16T00:00:00+05:30",
        "issue_type": "ENROL_ISSUE",
        "enrolment_expiry": {"type": "RELATIVE", "value": 2, "unit": "DAYS"},
        "issue_expiry": {"type": "RELATIVE", "value": 2, "unit": "DAYS"},
        "owners": ["LOYALTY"],
        "benefits": [
            {"type": "POINTS", "reference_id": "P-100", "name": "100 points", "details": {}}
        ],
        "customer_limit": {
            "overall": None,
            "rolling": [{"limit": 2, "value": 2, "unit": "DAYS"}],
            "fixed_window": {
                "max_earn_limit": 2,
                "duration_type": "DAYS",
                "refresh_rate": 3,
                "week_start_day": None,
            },
        },
        "badge_limit": {"overall": 10000, "rolling": [], "fixed_window": None},
        "group": None,
        "rank": None,
        "custom_fields": [],
    }
    return {**body, **overrides}


@pytest.fixture(autouse=True)
def september():
    with time_machine.travel("2026-09-20T12:00:00+00:00", tick=False):
        yield


def test_create_answers_the_full_read_shape(editor_a):
    response = editor_a.post(URL, gold_shopper(), format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["name"] == "Gold Shopper"
    assert body["status"] == "upcoming"
    assert body["is_active"] is True
    assert body["start_on"] == "2026-10-01T00:00:00+05:30"
    assert body["enrolment_expiry"] == {"type": "RELATIVE", "value": 2, "unit": "DAYS"}
    assert body["owners"] == ["LOYALTY"]
    assert body["claims"] == []
    assert body["benefits"][0]["reference_id"] == "P-100"
    assert body["customer_limit"]["rolling"] == [{"limit": 2, "value": 2, "unit": "DAYS"}]
    assert body["customer_limit"]["fixed_window"]["refresh_rate"] == 3
    assert body["badge_limit"] == {"overall": 10000, "rolling": [], "fixed_window": None}
    [config] = body["fixed_windows"]
    assert (config["scope"], config["status"]) == ("CUSTOMER", "UPCOMING")
    assert config["starts_on"] == body["start_on"]
    assert config["ends_on"] == body["expires_on"]
    assert body["issued_count"] == 0
    assert body["created_by"] == editor_a.user.username
    assert body["updated_by"] == editor_a.user.username
    for field in ("id", "images", "issued_count_synced_at", "created_on", "updated_on"):
        assert field in body
    assert editor_a.get(f"{URL}{body['id']}/").json() == body


def test_a_date_alone_means_midnight_in_the_org_timezone(editor_a):
    body = gold_shopper(
        start_on="2026-10-01",
        expires_on="2026-10-16",
        issue_type="ISSUE",
        enrolment_expiry=None,
        issue_expiry={"type": "FIXED_DATE", "date": "2026-12-31"},
    )
    response = editor_a.post(URL, body, format="json")
    assert response.status_code == 201, response.json()
    badge = Badge.objects.get()
    assert badge.start_on.isoformat() == "2026-09-30T18:30:00+00:00"
    assert response.json()["issue_expiry"] == {
        "type": "FIXED_DATE",
        "date": "2026-12-31T00:00:00+05:30",
    }


def test_validation_errors_name_the_field_and_a_stable_code(editor_a):
    response = editor_a.post(
        URL, gold_shopper(start_on="2026-09-01T00:00:00Z", owners=[]), format="json"
    )
    assert response.status_code == 400
    body = response.json()
    assert body["start_on"] == ["The start must be in the future."]
    assert body["owners"] == ["A badge needs at least one owner."]
    assert {(e["field"], e["code"]) for e in body["errors"]} == {
        ("start_on", "START_ON_NOT_IN_FUTURE"),
        ("owners", "OWNER_REQUIRED"),
    }
    assert body["code"] in {"START_ON_NOT_IN_FUTURE", "OWNER_REQUIRED"}
    assert not Badge.objects.exists()


def test_shape_errors_carry_codes_too(editor_a):
    body = gold_shopper(issue_type="EARN", customer_limit={"rolling": [{"limit": "x"}]})
    del body["name"]
    response = editor_a.post(URL, body, format="json")
    assert response.status_code == 400
    errors = {(e["field"], e["code"]) for e in response.json()["errors"]}
    assert ("name", "REQUIRED") in errors
    assert ("issue_type", "INVALID_CHOICE") in errors
    assert ("customer_limit.rolling.0.limit", "INVALID") in errors
    assert ("customer_limit.rolling.0.unit", "REQUIRED") in errors


def test_eleventh_benefit_is_refused(editor_a):
    benefits = [{"type": "COUPON", "reference_id": f"C-{n}", "name": "coupon"} for n in range(11)]
    response = editor_a.post(URL, gold_shopper(benefits=benefits), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "TOO_MANY_BENEFITS"


def test_a_benefit_detail_too_large_to_write_is_refused_not_a_500(editor_a):
    """JSON's 1e999 reads as infinity, which no database stores as JSON."""
    body = gold_shopper()
    body["benefits"][0]["details"] = {"rate": 1}
    text = json.dumps(body).replace('{"rate": 1}', '{"rate": 1e999}')
    response = editor_a.post("/api/v1/badges/", text, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "BENEFIT_DETAILS_INVALID"


def test_patch_changes_only_the_fields_sent(editor_a):
    badge_id = editor_a.post(URL, gold_shopper(), format="json").json()["id"]
    response = editor_a.patch(
        f"{URL}{badge_id}/",
        {"description": "New text", "owners": ["LOYALTY", "CAMPAIGNS"]},
        format="json",
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["description"] == "New text"
    assert body["owners"] == ["LOYALTY", "CAMPAIGNS"]
    assert body["name"] == "Gold Shopper"
    assert body["customer_limit"]["fixed_window"]["max_earn_limit"] == 2


def test_patch_on_a_live_badge_refuses_a_new_start(editor_a, org_a):
    badge = BadgeFactory(org=org_a)
    response = editor_a.patch(
        f"{URL}{badge.pk}/", {"start_on": "2026-12-01T00:00:00Z"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "field": "start_on",
        "code": "START_ON_LOCKED",
        "message": "The start of a live or ended badge can't change.",
    }


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"issue_expiry": {}}, "issue_expiry.type"),
        ({"customer_limit": {"rolling": [{"limit": 2}]}}, "customer_limit.rolling.0.value"),
        (
            {"badge_limit": {"fixed_window": {"max_earn_limit": 2}}},
            "badge_limit.fixed_window.duration_type",
        ),
        ({"benefits": [{"type": "POINTS"}]}, "benefits.0.reference_id"),
        (
            {"custom_fields": [{"field": "6d1f5b7e-43a1-4d6a-9a39-0d8f3ec1c0aa"}]},
            "custom_fields.0.value",
        ),
    ],
)
def test_a_patch_still_needs_every_key_of_a_nested_value(editor_a, change, field):
    badge_id = editor_a.post(URL, gold_shopper(), format="json").json()["id"]
    response = editor_a.patch(f"{URL}{badge_id}/", change, format="json")
    assert response.status_code == 400
    assert (field, "REQUIRED") in {(e["field"], e["code"]) for e in response.json()["errors"]}


def test_patch_refuses_removing_an_owner(editor_a):
    badge_id = editor_a.post(URL, gold_shopper(), format="json").json()["id"]
    response = editor_a.patch(f"{URL}{badge_id}/", {"owners": ["CAMPAIGNS"]}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "OWNERS_ADD_ONLY")


def test_put_and_delete_are_not_offered(editor_a, org_a):
    badge = BadgeFactory(org=org_a)
    assert editor_a.put(f"{URL}{badge.pk}/", gold_shopper(), format="json").status_code == 405
    assert editor_a.delete(f"{URL}{badge.pk}/").status_code == 405


def test_deactivate_then_activate(editor_a, org_a):
    badge = BadgeFactory(org=org_a)
    response = editor_a.post(f"{URL}{badge.pk}/deactivate/")
    assert (response.status_code, response.json()["is_active"]) == (200, False)
    response = editor_a.post(f"{URL}{badge.pk}/activate/")
    assert (response.status_code, response.json()["is_active"]) == (200, True)
    assert list(badge.changes.values_list("action", flat=True)) == [
        BadgeChange.Action.ACTIVATED,
        BadgeChange.Action.DEACTIVATED,
    ]


def test_an_ended_badge_cannot_be_deactivated_but_can_be_activated(editor_a, org_a):
    badge = BadgeFactory(org=org_a, ended=True, is_active=False)
    response = editor_a.post(f"{URL}{badge.pk}/deactivate/")
    assert (response.status_code, response.json()["code"]) == (400, "BADGE_ENDED")
    assert editor_a.post(f"{URL}{badge.pk}/activate/").json()["is_active"] is True


def test_an_upcoming_badge_can_be_deactivated(editor_a, org_a):
    badge = BadgeFactory(org=org_a, upcoming=True)
    assert editor_a.post(f"{URL}{badge.pk}/deactivate/").json()["is_active"] is False


def test_add_owner_is_add_only_and_idempotent(editor_a, org_a):
    badge = BadgeFactory(org=org_a)
    response = editor_a.post(f"{URL}{badge.pk}/owners/", {"module": "JOURNEYS"}, format="json")
    assert response.json()["owners"] == ["LOYALTY", "JOURNEYS"]
    response = editor_a.post(f"{URL}{badge.pk}/owners/", {"module": "JOURNEYS"}, format="json")
    assert (response.status_code, response.json()["owners"]) == (200, ["LOYALTY", "JOURNEYS"])
    response = editor_a.post(f"{URL}{badge.pk}/owners/", {"module": "ADS"}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "INVALID_CHOICE")


def test_claim_by_an_owner_of_an_active_live_badge(editor_a, org_a):
    badge = BadgeFactory(org=org_a)
    claim = {"module": "LOYALTY", "reference": "Supermarket program", "detail": "TransactionAdd"}
    response = editor_a.post(f"{URL}{badge.pk}/claims/", claim, format="json")
    assert response.status_code == 201
    [stored] = response.json()["claims"]
    assert {k: stored[k] for k in claim} == claim
    again = editor_a.post(f"{URL}{badge.pk}/claims/", claim, format="json")
    assert (again.status_code, len(again.json()["claims"])) == (200, 1)


@pytest.mark.parametrize(
    ("badge_kwargs", "module", "code"),
    [
        ({}, "CAMPAIGNS", "CLAIM_NEEDS_OWNER"),
        ({"is_active": False}, "LOYALTY", "BADGE_INACTIVE"),
        ({"ended": True}, "LOYALTY", "BADGE_ENDED"),
    ],
)
def test_claim_refusals(editor_a, org_a, badge_kwargs, module, code):
    badge = BadgeFactory(org=org_a, **badge_kwargs)
    response = editor_a.post(
        f"{URL}{badge.pk}/claims/", {"module": module, "reference": "Program"}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (400, code)
    assert not badge.claims.exists()


def test_claims_are_listed_and_not_claimed_shows_empty(editor_a, org_a):
    claimed = BadgeClaimFactory(badge__org=org_a).badge
    unclaimed = BadgeFactory(org=org_a)
    assert len(editor_a.get(f"{URL}{claimed.pk}/").json()["claims"]) == 1
    assert editor_a.get(f"{URL}{unclaimed.pk}/").json()["claims"] == []


def test_status_in_reads_follows_the_clock(editor_a, org_a):
    badge = BadgeFactory(org=org_a, start_on=timezone.now() + timedelta(hours=1))
    assert editor_a.get(f"{URL}{badge.pk}/").json()["status"] == "upcoming"
    with time_machine.travel(badge.start_on, tick=False):
        assert editor_a.get(f"{URL}{badge.pk}/").json()["status"] == "live"
    with time_machine.travel(badge.expires_on, tick=False):
        assert editor_a.get(f"{URL}{badge.pk}/").json()["status"] == "ended"


def test_unknown_badge_id_is_404_with_a_code(editor_a):
    for badge_id in ("not-a-uuid", "2fc1e4e3-9f38-4801-b5b8-561ab2dabb41"):
        response = editor_a.get(f"{URL}{badge_id}/")
        assert (response.status_code, response.json()["code"]) == (404, "NOT_FOUND")


def test_history_lists_every_change_newest_first(editor_a, viewer_a):
    badge_id = editor_a.post(URL, gold_shopper(), format="json").json()["id"]
    editor_a.patch(f"{URL}{badge_id}/", {"description": "v2"}, format="json")
    editor_a.post(f"{URL}{badge_id}/deactivate/")
    body = viewer_a.get(f"{URL}{badge_id}/history/").json()
    assert body["count"] == 3
    assert [c["action"] for c in body["results"]] == ["deactivated", "updated", "created"]
    assert body["results"][1]["changes"] == {"description": ["Purchases totalling 500", "v2"]}
    assert body["results"][1]["actor"] == editor_a.user.username


def test_patch_changes_only_the_limit_parts_sent(editor_a):
    badge_id = editor_a.post(URL, gold_shopper(), format="json").json()["id"]
    url = f"{URL}{badge_id}/"
    new_window = {"max_earn_limit": 1, "duration_type": "WEEKS", "refresh_rate": 1}
    body = editor_a.patch(url, {"customer_limit": {"fixed_window": new_window}}, format="json")
    limits = body.json()["customer_limit"]
    assert limits["rolling"] == [{"limit": 2, "value": 2, "unit": "DAYS"}]
    assert limits["fixed_window"]["duration_type"] == "WEEKS"
    assert limits["fixed_window"]["week_start_day"] == "MONDAY"

    limits = editor_a.patch(url, {"customer_limit": {"fixed_window": None}}, format="json").json()[
        "customer_limit"
    ]
    assert (limits["fixed_window"], len(limits["rolling"])) == (None, 1)

    limits = editor_a.patch(url, {"customer_limit": {"rolling": [], "overall": 4}}, format="json")
    assert limits.json()["customer_limit"] == {"overall": 4, "rolling": [], "fixed_window": None}
    assert limits.json()["badge_limit"]["overall"] == 10000
