"""Rules, events and target progress in the admin: rules are added and changed through the rule
services (the claim confirmed on the form, a saved rule's identity read-only); events read with
their outcomes; nothing processing writes can be changed."""

import pytest

from badges.events.models import Rule
from tests.events.factories import body, processed, rule_for
from tests.factories import BadgeFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

RULES = "/admin/badges/rule/"


@pytest.fixture
def operator(client):
    user = UserFactory(username="operator", is_staff=True, is_superuser=True)
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def badge():
    return BadgeFactory(name="Gold Shopper")


def rule_form(badge, **overrides) -> dict:
    return {
        "org": badge.org_id,
        "name": "Big bills",
        "module": "LOYALTY",
        "program": "Supermarket program",
        "event_type": "TransactionAdd",
        "event_name": "",
        "action": "ISSUE_BADGE",
        "badge": badge.pk,
        "condition": '{"field": "amount", "op": "gte", "value": 500}',
        "target_kind": "",
        "target_field": "",
        "target_value": "",
        "is_active": "on",
        **overrides,
    }


def form_errors(response) -> dict:
    assert response.status_code == 200
    return response.context["adminform"].form.errors


@pytest.mark.parametrize("model", ["rule", "event", "targetprogress"])
def test_every_changelist_loads(operator, badge, model):
    rule_for(badge, target={"kind": "COUNT", "value": 2})
    processed(badge.org, body("e-1"))
    assert operator.get(f"/admin/badges/{model}/").status_code == 200


def test_a_rule_is_added_through_the_service_once_its_claim_is_confirmed(operator, badge):
    errors = form_errors(operator.post(f"{RULES}add/", rule_form(badge)))
    assert "confirm_claim" in errors["confirm_claim"][0]
    assert not Rule.objects.exists()
    response = operator.post(f"{RULES}add/", rule_form(badge, confirm_claim="on"))
    assert response.status_code == 302, form_errors(response)
    rule = Rule.objects.get()
    assert rule.created_by == operator.user
    assert rule.condition == {"field": "amount", "op": "gte", "value": 500}
    assert badge.claims.filter(reference="Supermarket program").exists()


def test_a_target_is_read_from_its_three_columns(operator, badge):
    data = rule_form(
        badge,
        condition="",
        target_kind="SUM",
        target_field="amount",
        target_value="500",
        confirm_claim="on",
    )
    assert operator.post(f"{RULES}add/", data).status_code == 302
    assert Rule.objects.get().target == {"kind": "SUM", "field": "amount", "value": 500}
    data = rule_form(badge, name="No field", target_kind="SUM", target_value="5")
    assert "field" in form_errors(operator.post(f"{RULES}add/", data))["target_kind"][0]


def test_the_services_refusals_show_on_their_fields(operator, badge):
    other_org = OrganizationFactory()
    data = rule_form(badge, org=other_org.pk, condition='{"field": "amount"}', confirm_claim="on")
    errors = form_errors(operator.post(f"{RULES}add/", data))
    assert set(errors) == {"condition", "badge"}
    assert errors["badge"] == ["The org has no badge with this id."]
    assert not Rule.objects.exists()


def test_a_rule_changes_through_the_service_and_its_identity_is_read_only(operator, badge):
    rule = rule_for(badge)
    page = operator.get(f"{RULES}{rule.pk}/change/").content.decode()
    assert 'name="event_type"' not in page and 'name="badge"' not in page
    data = {"name": "Renamed", "program": rule.program, "condition": "null"}
    response = operator.post(f"{RULES}{rule.pk}/change/", data)
    assert response.status_code == 302, form_errors(response)
    rule.refresh_from_db()
    assert (rule.name, rule.is_active, rule.updated_by) == ("Renamed", False, operator.user)
    data = {"name": "Renamed", "program": "Fuel program", "is_active": "on"}
    assert "confirm_claim" in form_errors(operator.post(f"{RULES}{rule.pk}/change/", data))


def test_an_event_reads_with_its_outcomes_and_cannot_be_changed(operator, badge):
    rule_for(badge, name="Every bill")
    event = processed(badge.org, body("e-1"))
    page = operator.get(f"/admin/badges/event/{event.pk}/change/").content.decode()
    assert "Every bill" in page and "ISSUED" in page
    assert operator.post(f"/admin/badges/event/{event.pk}/delete/").status_code == 403
    assert operator.get("/admin/badges/event/add/").status_code == 403
