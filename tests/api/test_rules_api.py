"""``rules/`` (SPEC 12, 17): a rule reads and writes in the SPEC's shape; saving it adds its
claim once confirmed; its identity is fixed; the services' refusals answer 400 with their
codes; the list filters; a badge is found in the acting org only."""

import uuid

import pytest

from badges.events.models import Rule
from badges.models import BadgeClaim
from tests.events.factories import rule_for
from tests.factories import BadgeClaimFactory, BadgeFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/rules/"


@pytest.fixture
def badge(org_a):
    return BadgeFactory(org=org_a, name="Gold Shopper")


def gold_rule(badge, /, **changes) -> dict:
    return {
        "name": "Gold Shopper on big bills",
        "module": "LOYALTY",
        "program": "Supermarket program",
        "event_type": "TransactionAdd",
        "action": "ISSUE_BADGE",
        "badge": str(badge.pk),
        "condition": {"field": "amount", "op": "gte", "value": 500},
        "target": None,
        "confirm_claim": True,
        "is_active": True,
        **changes,
    }


def codes(response) -> set[tuple[str, str]]:
    assert response.status_code == 400, response.content
    return {(e["field"], e["code"]) for e in response.json()["errors"]}


def test_a_rule_is_created_and_reads_in_the_specs_shape(editor_a, badge):
    response = editor_a.post(URL, gold_rule(badge), format="json")
    assert response.status_code == 201, response.json()
    rule = response.json()
    assert set(rule) == {
        "id",
        "name",
        "module",
        "program",
        "event_type",
        "event_name",
        "action",
        "badge",
        "condition",
        "target",
        "is_active",
        "created_on",
        "created_by",
        "updated_on",
        "updated_by",
    }
    assert rule["badge"] == str(badge.pk)
    assert rule["condition"] == {"field": "amount", "op": "gte", "value": 500}
    assert (rule["target"], rule["event_name"], rule["is_active"]) == (None, "", True)
    assert rule["created_by"] == rule["updated_by"] == editor_a.user.username
    assert rule["created_on"].endswith("+05:30")
    assert editor_a.get(f"{URL}{rule['id']}/").json() == rule


def test_saving_a_rule_needs_its_claim_confirmed_then_adds_it(editor_a, badge):
    response = editor_a.post(URL, gold_rule(badge, confirm_claim=False), format="json")
    assert codes(response) == {("confirm_claim", "CLAIM_CONFIRMATION_REQUIRED")}
    body = gold_rule(badge)
    del body["confirm_claim"]
    assert codes(editor_a.post(URL, body, format="json")) == {
        ("confirm_claim", "CLAIM_CONFIRMATION_REQUIRED")
    }
    assert not Rule.objects.exists()
    assert not BadgeClaim.objects.filter(badge=badge).exists()

    assert editor_a.post(URL, gold_rule(badge), format="json").status_code == 201
    claim = BadgeClaim.objects.get(badge=badge)
    assert (claim.module, claim.reference, claim.detail) == (
        "LOYALTY",
        "Supermarket program",
        "TransactionAdd",
    )


def test_a_claim_the_badge_holds_needs_no_confirmation(editor_a, badge):
    BadgeClaimFactory(
        badge=badge, module="LOYALTY", reference="Supermarket program", detail="TransactionAdd"
    )
    response = editor_a.post(URL, gold_rule(badge, confirm_claim=False), format="json")
    assert response.status_code == 201, response.json()


def test_a_target_reads_with_its_value_a_json_number(editor_a, badge):
    body = gold_rule(badge, condition=None, target={"kind": "SUM", "field": "amount", "value": 500})
    rule = editor_a.post(URL, body, format="json").json()
    assert rule["target"] == {"kind": "SUM", "field": "amount", "value": 500}
    body = gold_rule(
        badge, name="Half", condition=None, target={"kind": "SUM", "field": "amount", "value": 0.5}
    )
    assert editor_a.post(URL, body, format="json").json()["target"]["value"] == 0.5
    body = gold_rule(badge, name="Visits", target={"kind": "COUNT", "value": 3})
    assert editor_a.post(URL, body, format="json").json()["target"] == {
        "kind": "COUNT",
        "field": None,
        "value": 3,
    }


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"name": "  "}, {("name", "RULE_NAME_INVALID")}),
        ({"program": ""}, {("program", "PROGRAM_INVALID")}),
        (
            {"condition": {"field": "amount", "op": "gte", "value": "x"}},
            {("condition", "CONDITION_INVALID")},
        ),
        ({"condition": {"field": "amount"}}, {("condition", "CONDITION_INVALID")}),
        ({"event_type": "Behavioral"}, {("event_name", "EVENT_NAME_REQUIRED")}),
        ({"event_name": "app_open"}, {("event_name", "EVENT_NAME_NOT_ALLOWED")}),
        ({"target": {"kind": "COUNT", "value": 1.5}}, {("target", "TARGET_INVALID")}),
        ({"target": {"kind": "SUM", "value": 10}}, {("target", "TARGET_INVALID")}),
        (
            {"action": "REVOKE_BADGE", "target": {"kind": "COUNT", "value": 2}},
            {("target", "TARGET_NEEDS_ISSUE")},
        ),
        ({"module": "CAMPAIGNS"}, {("badge", "RULE_BADGE_NOT_ELIGIBLE")}),
        ({"module": "NOPE"}, {("module", "INVALID_CHOICE")}),
        ({"condition": "amount >= 500"}, {("condition", "INVALID")}),
        ({"badge": None}, {("badge", "NULL")}),
        ({"confirm_claim": "yes"}, {("confirm_claim", "INVALID")}),
    ],
)
def test_the_services_refusals_answer_400_with_their_codes(editor_a, badge, changes, expected):
    assert codes(editor_a.post(URL, gold_rule(badge, **changes), format="json")) == expected
    assert not Rule.objects.exists()


def test_every_broken_rule_is_listed(editor_a, badge):
    body = gold_rule(badge, name="", program="", event_name="x")
    assert codes(editor_a.post(URL, body, format="json")) == {
        ("name", "RULE_NAME_INVALID"),
        ("program", "PROGRAM_INVALID"),
        ("event_name", "EVENT_NAME_NOT_ALLOWED"),
    }


def test_rule_names_are_unique_in_the_org(editor_a, badge):
    rule_for(badge, name="Gold Shopper on big bills")
    assert codes(editor_a.post(URL, gold_rule(badge), format="json")) == {
        ("name", "RULE_NAME_TAKEN")
    }


def test_a_badge_is_found_in_the_acting_org_only(editor_a, badge, org_b):
    foreign = BadgeFactory(org=org_b)
    answers = [
        editor_a.post(URL, gold_rule(badge, badge=str(badge_id)), format="json")
        for badge_id in (foreign.pk, uuid.uuid4())
    ]
    assert [codes(answer) for answer in answers] == [{("badge", "BADGE_NOT_FOUND")}] * 2
    assert answers[0].json() == answers[1].json(), "the same answer for another org's badge"
    assert not Rule.objects.exists()
    assert not foreign.claims.exists()


def test_an_update_changes_what_it_sends(editor_a, badge):
    rule = rule_for(badge, condition={"field": "amount", "op": "gte", "value": 500})
    response = editor_a.patch(
        f"{URL}{rule.pk}/",
        {"name": "Renamed", "condition": None, "is_active": False},
        format="json",
    )
    assert response.status_code == 200, response.json()
    read = response.json()
    assert (read["name"], read["condition"], read["is_active"]) == ("Renamed", None, False)
    assert read["program"] == rule.program


def test_a_new_program_is_a_new_claim_confirmed_like_the_first(editor_a, badge):
    rule = rule_for(badge)
    url = f"{URL}{rule.pk}/"
    assert codes(editor_a.patch(url, {"program": "Fuel program"}, format="json")) == {
        ("confirm_claim", "CLAIM_CONFIRMATION_REQUIRED")
    }
    response = editor_a.patch(
        url, {"program": "Fuel program", "confirm_claim": True}, format="json"
    )
    assert response.status_code == 200
    assert badge.claims.filter(reference="Fuel program").exists()


def test_a_rules_identity_is_fixed(editor_a, badge, org_a):
    rule = rule_for(badge)
    other = BadgeFactory(org=org_a)
    url = f"{URL}{rule.pk}/"
    same = {"module": "LOYALTY", "event_type": "TransactionAdd", "badge": str(badge.pk)}
    assert editor_a.patch(url, {**same, "target": None}, format="json").status_code == 200
    response = editor_a.patch(
        url,
        {"event_type": "ReturnBill", "badge": str(other.pk), "action": "REVOKE_BADGE"},
        format="json",
    )
    assert codes(response) == {
        ("event_type", "RULE_FIELD_FIXED"),
        ("badge", "RULE_FIELD_FIXED"),
        ("action", "RULE_FIELD_FIXED"),
    }


def test_a_rule_is_deleted(editor_a, badge):
    rule = rule_for(badge)
    assert editor_a.delete(f"{URL}{rule.pk}/").status_code == 204
    assert not Rule.objects.exists()
    assert editor_a.get(f"{URL}{rule.pk}/").status_code == 404


def test_an_unknown_or_malformed_id_is_404(editor_a):
    for key in (uuid.uuid4(), "not-a-uuid"):
        response = editor_a.get(f"{URL}{key}/")
        assert (response.status_code, response.json()["code"]) == (404, "NOT_FOUND")


@pytest.fixture
def three_rules(org_a):
    badge = BadgeFactory(org=org_a)
    issue = rule_for(badge, name="A issue")
    revoke = rule_for(
        badge, name="B revoke", event_type="ReturnBill", action="REVOKE_BADGE", program="P2"
    )
    off = rule_for(badge, name="C off", event_type="Behavioral", event_name="app_open")
    Rule.objects.filter(pk=off.pk).update(is_active=False)
    return issue, revoke, off


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["A issue", "B revoke", "C off"]),
        ("?event_type=ReturnBill", ["B revoke"]),
        ("?event_type=ReturnBill&event_type=Behavioral", ["B revoke", "C off"]),
        ("?action=ISSUE_BADGE", ["A issue", "C off"]),
        ("?is_active=false", ["C off"]),
        ("?is_active=true", ["A issue", "B revoke"]),
    ],
)
def test_the_list_is_by_name_and_filters(viewer_a, three_rules, query, expected):
    response = viewer_a.get(URL + query)
    assert response.status_code == 200, response.json()
    assert [r["name"] for r in response.json()["results"]] == expected
    assert response.json()["count"] == len(expected)


def test_an_unknown_filter_value_is_a_400(viewer_a, three_rules):
    assert codes(viewer_a.get(f"{URL}?event_type=Purchase")) == {("event_type", "INVALID_CHOICE")}


def test_a_filtered_out_rule_still_reads_by_id(viewer_a, three_rules):
    issue, _, _ = three_rules
    assert viewer_a.get(f"{URL}{issue.pk}/?is_active=false").status_code == 200


@pytest.mark.parametrize("value", ["abc", "2", "True", ""])
def test_is_active_is_true_or_false_and_nothing_else(viewer_a, three_rules, value):
    assert codes(viewer_a.get(f"{URL}?is_active={value}")) == {("is_active", "INVALID_CHOICE")}
