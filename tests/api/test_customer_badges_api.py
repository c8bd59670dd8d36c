"""SPEC 15: a customer's badges and the badges available to them."""

import pytest

from tests.customer_view import AVAILABLE, BADGES, at, live_badge
from tests.factories import (
    BadgeBenefitFactory,
    BadgeFactory,
    BadgeFieldValueFactory,
    BadgeGroupFactory,
    CustomFieldFactory,
    EnrolmentFactory,
    IssuanceFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("october_10th")]


def test_a_customer_badge_shows_the_badge_for_display(viewer_a, org_a, customer):
    group = BadgeGroupFactory(org=org_a, name="Limited Edition", rank=1)
    badge = live_badge(org_a, name="Gold", description="Spend 500", group=group, rank=2)
    field = CustomFieldFactory(org=org_a, name="Terms")
    BadgeFieldValueFactory(badge=badge, field=field, value="Stores only")
    issuance = IssuanceFactory(
        badge=badge,
        customer=customer,
        issued_on=at("2026-10-05T00:00:00Z"),
        expires_on=at("2026-10-19T00:00:00Z"),
        triggered_by_module="LOYALTY",
        triggered_by_reference="BILL-1",
        benefits=[{"type": "POINTS", "reference_id": "P-100", "name": "100 points"}],
    )
    [item] = viewer_a.get(BADGES).json()["results"]
    assert item["issual_id"] == str(issuance.issual_id)
    assert item["badge"] == str(badge.pk)
    assert (item["badge_name"], item["badge_description"]) == ("Gold", "Spend 500")
    assert item["images"] == []
    assert item["group"] == {"id": str(group.pk), "name": "Limited Edition", "rank": 1}
    assert item["rank"] == 2
    assert item["custom_fields"] == [
        {"field": str(field.pk), "name": "Terms", "data_type": "STRING", "value": "Stores only"}
    ]
    assert (item["issued_on"], item["expires_on"]) == (
        "2026-10-05T05:30:00+05:30",
        "2026-10-19T05:30:00+05:30",
    )
    assert item["status"] == "ACTIVE"
    assert item["benefits"][0]["reference_id"] == "P-100"
    assert item["triggered_by"] == {"module": "LOYALTY", "reference": "BILL-1"}


def test_a_disabled_group_shows_as_no_group_to_customers(viewer_a, org_a, customer):
    group = BadgeGroupFactory(org=org_a, is_active=False)
    IssuanceFactory(badge=live_badge(org_a, group=group), customer=customer)
    assert viewer_a.get(BADGES).json()["results"][0]["group"] is None
    assert viewer_a.get(AVAILABLE).json()["results"][0]["group"] is None
    assert viewer_a.get(f"{BADGES}?group={group.pk}").json()["count"] == 0, "nor in the filter"


def test_filters_by_status_badge_and_group(viewer_a, org_a, customer):
    group = BadgeGroupFactory(org=org_a)
    other_group = BadgeGroupFactory(org=org_a)
    grouped = live_badge(org_a, name="grouped", group=group)
    other = live_badge(org_a, name="other", group=other_group)
    plain = live_badge(org_a, name="plain")
    active = IssuanceFactory(badge=grouped, customer=customer)
    expired = IssuanceFactory(
        badge=other,
        customer=customer,
        issued_on=at("2026-10-01T00:00:00Z"),
        expires_on=at("2026-10-02T00:00:00Z"),
    )
    revoked = IssuanceFactory(
        badge=plain, customer=customer, status="REVOKED", revoked_on=at("2026-10-03T00:00:00Z")
    )

    def ids(query):
        response = viewer_a.get(BADGES + query)
        assert response.status_code == 200, response.json()
        return [r["issual_id"] for r in response.json()["results"]]

    assert ids("?status=ACTIVE") == [str(active.issual_id)]
    assert ids("?status=EXPIRED&status=REVOKED") == [str(expired.issual_id), str(revoked.issual_id)]
    assert ids(f"?badge={plain.pk}&badge={other.pk}") == [
        str(expired.issual_id),
        str(revoked.issual_id),
    ]
    assert ids(f"?group={group.pk}") == [str(active.issual_id)]
    assert ids(f"?group={group.pk}&group={other_group.pk}&status=ACTIVE") == [str(active.issual_id)]


def test_another_orgs_customer_badge_or_group_never_shows(viewer_a, org_a, org_b, customer):
    foreign_badge = BadgeFactory(org=org_b)
    foreign_group = BadgeGroupFactory(org=org_b)
    IssuanceFactory(badge=foreign_badge, customer__customer_id="c-2")
    assert viewer_a.get("/api/v1/customers/c-2/badges/").status_code == 404
    assert viewer_a.get("/api/v1/customers/nobody/badges/").status_code == 404
    for query in (f"?badge={foreign_badge.pk}", f"?group={foreign_group.pk}"):
        assert viewer_a.get(BADGES + query).status_code == 400


def test_available_badges_are_the_live_active_ones_with_the_enrolment_state(
    viewer_a, org_a, customer
):
    enrolled = live_badge(org_a, name="enrolled", enrol_issue=True, description="Shop 3 times")
    lapsed = live_badge(org_a, name="lapsed", enrol_issue=True)
    never = live_badge(org_a, name="never", enrol_issue=True)
    held = live_badge(org_a, name="held")
    live_badge(org_a, name="inactive", is_active=False)
    BadgeFactory(
        org=org_a,
        name="upcoming",
        start_on=at("2026-11-01T00:00:00Z"),
        expires_on=at("2026-11-30T00:00:00Z"),
    )
    BadgeFactory(
        org=org_a,
        name="ended",
        start_on=at("2026-09-01T00:00:00Z"),
        expires_on=at("2026-10-01T00:00:00Z"),
    )
    BadgeBenefitFactory(badge=enrolled, reference_id="P-1", name="1 point")
    enrolment = EnrolmentFactory(
        badge=enrolled, customer=customer, enrol_event_date=at("2026-10-09T00:00:00Z")
    )
    EnrolmentFactory(badge=lapsed, customer=customer, enrol_event_date=at("2026-10-02T00:00:00Z"))
    issuance = IssuanceFactory(badge=held, customer=customer)
    IssuanceFactory(
        badge=never,
        customer=customer,
        issued_on=at("2026-10-02T00:00:00Z"),
        expires_on=at("2026-10-03T00:00:00Z"),
    )

    results = {r["name"]: r for r in viewer_a.get(AVAILABLE).json()["results"]}
    assert set(results) == {"enrolled", "lapsed", "never", "held"}
    first = results["enrolled"]
    assert first["description"] == "Shop 3 times"
    assert first["benefits"] == [
        {"type": "POINTS", "reference_id": "P-1", "name": "1 point", "details": {}}
    ]
    assert first["enrolment"]["status"] == "ACTIVE"
    assert first["enrolment"]["enrolment"]["id"] == str(enrolment.pk)
    assert results["lapsed"]["enrolment"]["status"] == "EXPIRED"
    assert results["never"]["enrolment"] == {"status": "NOT_ENROLLED", "enrolment": None}
    assert results["held"]["enrolment"] is None
    assert results["held"]["active_issual_id"] == str(issuance.issual_id)
    assert results["never"]["active_issual_id"] is None
    assert {r["progress"] for r in results.values()} == {None}
    assert first["status"] == "live"


def test_a_customer_not_seen_yet_sees_every_available_badge_not_enrolled(viewer_a, org_a):
    live_badge(org_a, name="only", enrol_issue=True)
    response = viewer_a.get("/api/v1/customers/new-customer/available-badges/")
    assert response.status_code == 200
    [only] = response.json()["results"]
    assert only["enrolment"] == {"status": "NOT_ENROLLED", "enrolment": None}
    assert only["active_issual_id"] is None


def test_available_badges_never_show_another_orgs(viewer_a, org_b, customer):
    BadgeFactory(org=org_b)
    assert viewer_a.get(AVAILABLE).json()["count"] == 0
