"""SPEC 11: every custom-field rule, through the API."""

import json

import pytest
import time_machine
from django.db import IntegrityError
from django.utils import timezone

from badges.exceptions import RuleViolation
from badges.models import BadgeChange
from customfields import services
from customfields.models import CustomField
from tests.api.test_badges_api import gold_shopper
from tests.factories import (
    BadgeFactory,
    BadgeFieldValueFactory,
    CustomerFactory,
    CustomFieldFactory,
    IssuanceFactory,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/custom-fields/"
BADGES = "/api/v1/badges/"


@pytest.fixture(autouse=True)
def september():
    with time_machine.travel("2026-09-20T12:00:00+00:00", tick=False):
        yield


def create(client, **body):
    return client.post(URL, {"name": "Terms", "data_type": "STRING", **body}, format="json")


def codes(response) -> list[str]:
    return [e["code"] for e in response.json()["errors"]]


def badge_fields(client, badge_id) -> dict:
    body = client.get(f"{BADGES}{badge_id}/").json()
    return {f["name"]: f["value"] for f in body["custom_fields"]}


def test_create_and_read_a_field(editor_a):
    response = create(editor_a, is_mandatory=True, default_value="Valid in stores only")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {k: body[k] for k in ("name", "data_type", "is_mandatory", "default_value")} == {
        "name": "Terms",
        "data_type": "STRING",
        "is_mandatory": True,
        "default_value": "Valid in stores only",
    }
    assert body["is_active"] is True
    assert editor_a.get(f"{URL}{body['id']}/").json() == body


def test_only_one_active_field_per_name(editor_a):
    assert create(editor_a).status_code == 201
    response = create(editor_a, name="terms ")
    assert (response.status_code, codes(response)) == (400, ["CUSTOM_FIELD_NAME_TAKEN"])


def test_a_disabled_fields_name_can_be_reused(editor_a):
    old = create(editor_a).json()
    response = editor_a.patch(f"{URL}{old['id']}/", {"is_active": False}, format="json")
    assert response.status_code == 200
    response = create(editor_a, data_type="BOOLEAN")
    assert response.status_code == 201, response.json()


def test_a_mandatory_field_needs_a_default_value(editor_a):
    response = create(editor_a, is_mandatory=True)
    assert (response.status_code, codes(response)) == (400, ["DEFAULT_VALUE_REQUIRED"])
    field = create(editor_a).json()
    response = editor_a.patch(f"{URL}{field['id']}/", {"is_mandatory": True}, format="json")
    assert codes(response) == ["DEFAULT_VALUE_REQUIRED"]
    mandatory = create(editor_a, name="Legal", is_mandatory=True, default_value="x").json()
    response = editor_a.patch(f"{URL}{mandatory['id']}/", {"default_value": None}, format="json")
    assert codes(response) == ["DEFAULT_VALUE_REQUIRED"]


def test_the_database_refuses_a_mandatory_field_without_default(org_a):
    with pytest.raises(IntegrityError):
        CustomFieldFactory(org=org_a, is_mandatory=True, default_value=None)


def test_name_default_and_mandatory_are_updatable_both_ways(editor_a):
    field = create(editor_a).json()
    url = f"{URL}{field['id']}/"
    body = editor_a.patch(
        url, {"name": "T&C", "default_value": "Read me", "is_mandatory": True}, format="json"
    ).json()
    assert (body["name"], body["default_value"], body["is_mandatory"]) == ("T&C", "Read me", True)
    body = editor_a.patch(url, {"is_mandatory": False}, format="json").json()
    assert body["is_mandatory"] is False


def test_the_data_type_never_changes(editor_a):
    field = create(editor_a).json()
    response = editor_a.patch(f"{URL}{field['id']}/", {"data_type": "INTEGER"}, format="json")
    assert (response.status_code, codes(response)) == (400, ["DATA_TYPE_FIXED"])
    assert CustomField.objects.get().data_type == "STRING"


def test_active_goes_from_true_to_false_never_back(editor_a):
    field = create(editor_a).json()
    url = f"{URL}{field['id']}/"
    assert editor_a.patch(url, {"is_active": False}, format="json").json()["is_active"] is False
    response = editor_a.patch(url, {"is_active": True}, format="json")
    assert (response.status_code, codes(response)) == (400, ["CUSTOM_FIELD_REACTIVATION"])
    response = editor_a.patch(url, {"name": "Renamed"}, format="json")
    assert codes(response) == ["CUSTOM_FIELD_INACTIVE"]


def test_there_is_no_limit_on_the_number_of_fields(editor_a):
    for n in range(120):
        assert create(editor_a, name=f"Field {n}").status_code == 201
    assert editor_a.get(URL + "?page_size=200").json()["count"] == 120


@pytest.mark.parametrize(
    ("data_type", "good", "bad"),
    [
        ("BOOLEAN", True, ["true", 1, "yes"]),
        ("INTEGER", -(2**63), [1.5, "3", True, 2**63]),
        ("STRING", "x" * 1000, ["x" * 1001, 3, False]),
        ("DATE", "2026-02-28", ["2026-02-30", "01/02/2026", "2026-2-1", 20260201]),
    ],
)
def test_values_are_validated_against_the_data_type(editor_a, data_type, good, bad):
    field = create(editor_a, data_type=data_type).json()
    for value in bad:
        response = editor_a.post(
            BADGES,
            gold_shopper(custom_fields=[{"field": field["id"], "value": value}]),
            format="json",
        )
        assert codes(response) == ["CUSTOM_FIELD_VALUE_INVALID"], value
        response = editor_a.patch(f"{URL}{field['id']}/", {"default_value": value}, format="json")
        assert codes(response) == ["CUSTOM_FIELD_VALUE_INVALID"], value
    response = editor_a.post(
        BADGES, gold_shopper(custom_fields=[{"field": field["id"], "value": good}]), format="json"
    )
    assert response.status_code == 201, response.json()
    assert response.json()["custom_fields"] == [
        {"field": field["id"], "name": "Terms", "data_type": data_type, "value": good}
    ]


def test_a_mandatory_field_a_badge_does_not_set_reads_its_default(editor_a):
    early = create(
        editor_a, name="Exclusive", data_type="BOOLEAN", is_mandatory=True, default_value=False
    ).json()
    badge = editor_a.post(BADGES, gold_shopper(), format="json").json()
    assert badge["custom_fields"] == [
        {"field": early["id"], "name": "Exclusive", "data_type": "BOOLEAN", "value": False}
    ]
    # A field made after the badge applies to it too, and an optional one is absent.
    create(editor_a, name="Limit", data_type="INTEGER", is_mandatory=True, default_value=3)
    create(editor_a, name="Optional", default_value="unused")
    assert badge_fields(editor_a, badge["id"]) == {"Exclusive": False, "Limit": 3}
    url = f"{BADGES}{badge['id']}/"
    editor_a.patch(url, {"custom_fields": [{"field": early["id"], "value": True}]}, format="json")
    assert badge_fields(editor_a, badge["id"]) == {"Exclusive": True, "Limit": 3}
    # Clearing the value falls back to the default again.
    editor_a.patch(url, {"custom_fields": [{"field": early["id"], "value": None}]}, format="json")
    assert badge_fields(editor_a, badge["id"]) == {"Exclusive": False, "Limit": 3}


def test_only_active_fields_appear_in_any_read(editor_a, org_a):
    kept = CustomFieldFactory(org=org_a, name="Kept")
    gone = CustomFieldFactory(org=org_a, name="Gone", is_mandatory=True, default_value="d")
    badge = BadgeFactory(org=org_a)
    BadgeFieldValueFactory(badge=badge, field=kept, value="k")
    BadgeFieldValueFactory(badge=badge, field=gone, value="g")
    IssuanceFactory(badge=badge, customer=CustomerFactory(org=org_a, customer_id="c-1"))
    editor_a.patch(f"{URL}{gone.pk}/", {"is_active": False}, format="json")

    def shown(fields):
        return [f["name"] for f in fields]

    assert shown(editor_a.get(f"{BADGES}{badge.pk}/").json()["custom_fields"]) == ["Kept"]
    assert shown(editor_a.get(BADGES).json()["results"][0]["custom_fields"]) == ["Kept"]
    customer_badges = editor_a.get("/api/v1/customers/c-1/badges/").json()["results"]
    assert shown(customer_badges[0]["custom_fields"]) == ["Kept"]
    available = editor_a.get("/api/v1/customers/c-1/available-badges/").json()["results"]
    assert shown(available[0]["custom_fields"]) == ["Kept"]
    assert [f["name"] for f in editor_a.get(URL).json()["results"]] == ["Kept"]
    listed = editor_a.get(URL + "?include_inactive=true").json()["results"]
    assert [f["name"] for f in listed] == ["Gone", "Kept"]


def test_a_badge_value_needs_one_of_the_orgs_active_fields(editor_a, org_a, org_b):
    foreign = CustomFieldFactory(org=org_b)
    disabled = CustomFieldFactory(org=org_a, is_active=False)
    for field, code in [
        (foreign.pk, "CUSTOM_FIELD_NOT_FOUND"),
        ("0b6f1d2e-0000-4000-8000-000000000000", "CUSTOM_FIELD_NOT_FOUND"),
        (disabled.pk, "CUSTOM_FIELD_INACTIVE"),
    ]:
        response = editor_a.post(
            BADGES,
            gold_shopper(custom_fields=[{"field": str(field), "value": "x"}]),
            format="json",
        )
        assert (response.status_code, codes(response)) == (400, [code])
    field = CustomFieldFactory(org=org_a)
    twice = [{"field": str(field.pk), "value": "a"}, {"field": str(field.pk), "value": "b"}]
    response = editor_a.post(BADGES, gold_shopper(custom_fields=twice), format="json")
    assert codes(response) == ["CUSTOM_FIELD_DUPLICATE"]
    badge = editor_a.post(BADGES, gold_shopper(), format="json").json()
    response = editor_a.patch(f"{BADGES}{badge['id']}/", {"custom_fields": twice}, format="json")
    assert codes(response) == ["CUSTOM_FIELD_DUPLICATE"], "also when merged over stored values"


def test_patch_replaces_the_values_it_names_and_history_records_them(editor_a, org_a):
    first = CustomFieldFactory(org=org_a, name="First")
    second = CustomFieldFactory(org=org_a, name="Second")
    body = gold_shopper(
        custom_fields=[
            {"field": str(first.pk), "value": "one"},
            {"field": str(second.pk), "value": "two"},
        ]
    )
    badge = editor_a.post(BADGES, body, format="json").json()
    url = f"{BADGES}{badge['id']}/"
    editor_a.patch(url, {"custom_fields": [{"field": str(second.pk), "value": "2"}]}, format="json")
    assert badge_fields(editor_a, badge["id"]) == {"First": "one", "Second": "2"}
    editor_a.patch(url, {"custom_fields": [{"field": str(first.pk), "value": None}]}, format="json")
    assert badge_fields(editor_a, badge["id"]) == {"Second": "2"}
    changes = [c.changes["custom_fields"] for c in BadgeChange.objects.filter(action="updated")]
    assert {"field": str(first.pk), "value": "one"} in changes[-1][0]
    assert changes[0][1] == [{"field": str(second.pk), "value": "2"}]


def test_another_orgs_field_is_404_and_viewers_cannot_write(editor_a, viewer_a, org_a, org_b):
    foreign = CustomFieldFactory(org=org_b)
    assert editor_a.get(f"{URL}{foreign.pk}/").status_code == 404
    assert editor_a.patch(f"{URL}{foreign.pk}/", {"name": "x"}, format="json").status_code == 404
    assert editor_a.get(URL).json()["count"] == 0
    own = CustomFieldFactory(org=org_a)
    assert viewer_a.get(f"{URL}{own.pk}/").status_code == 200
    assert create(viewer_a).status_code == 403
    assert viewer_a.patch(f"{URL}{own.pk}/", {"name": "x"}, format="json").status_code == 403


def test_a_lost_race_on_the_name_gets_the_same_refusal(org_a, monkeypatch):
    CustomFieldFactory(org=org_a, name="Terms")
    monkeypatch.setattr(services, "_violations", lambda *args: [])
    with pytest.raises(RuleViolation) as refused:
        services.custom_field_create(
            org=org_a,
            now=timezone.now(),
            definition=services.FieldDefinition(name="terms", data_type="STRING"),
        )
    assert refused.value.violations[0].code == "CUSTOM_FIELD_NAME_TAKEN"


def test_a_value_with_a_nul_character_is_refused_not_a_crash(editor_a):
    """PostgreSQL can't store NUL in text; the rule refuses it on every database."""
    response = create(editor_a, default_value="a\u0000b")
    assert codes(response) == ["CUSTOM_FIELD_VALUE_INVALID"]
    field = create(editor_a).json()
    body = gold_shopper(custom_fields=[{"field": field["id"], "value": "a\u0000b"}])
    assert codes(editor_a.post(BADGES, body, format="json")) == ["CUSTOM_FIELD_VALUE_INVALID"]


def test_a_value_with_an_unpaired_surrogate_is_refused_not_a_crash(editor_a):
    """JSON can escape one (\\ud800); UTF-8 can't hold it, so psycopg failed writing it."""

    def sent(url, body):  # json.dumps escapes the surrogate, as a client's JSON would
        return editor_a.post(url, json.dumps(body), content_type="application/json")

    field = {"name": "Tier", "data_type": "STRING", "is_mandatory": True}
    assert codes(sent(URL, {**field, "default_value": "x\udfff"})) == ["CUSTOM_FIELD_VALUE_INVALID"]
    created = create(editor_a).json()
    body = gold_shopper(custom_fields=[{"field": created["id"], "value": "a\ud800b"}])
    assert codes(sent(BADGES, body)) == ["CUSTOM_FIELD_VALUE_INVALID"]


def test_a_value_of_another_json_type_is_refused_even_when_it_compares_equal(editor_a):
    """true == 1 in Python; the API still refuses true for an INTEGER field set to 1."""
    field = create(editor_a, data_type="INTEGER").json()
    body = gold_shopper(custom_fields=[{"field": field["id"], "value": 1}])
    badge = editor_a.post(BADGES, body, format="json").json()
    for wrong in (True, 1.0):
        response = editor_a.patch(
            f"{BADGES}{badge['id']}/",
            {"custom_fields": [{"field": field["id"], "value": wrong}]},
            format="json",
        )
        assert codes(response) == ["CUSTOM_FIELD_VALUE_INVALID"], wrong


def test_an_unrelated_patch_records_no_custom_field_change(editor_a, org_a):
    """Field ids sort one way and names the other: the history compares values, not order."""
    alpha = CustomFieldFactory(org=org_a, name="Alpha", id="ffffffff-0000-4000-8000-000000000000")
    zulu = CustomFieldFactory(org=org_a, name="Zulu", id="00000000-0000-4000-8000-000000000000")
    values = [{"field": str(f.pk), "value": f.name} for f in (alpha, zulu)]
    badge = editor_a.post(BADGES, gold_shopper(custom_fields=values), format="json").json()
    url = f"{BADGES}{badge['id']}/"
    assert editor_a.patch(url, {"description": "new"}, format="json").status_code == 200
    assert editor_a.patch(url, {"rank": None}, format="json").status_code == 200
    updates = BadgeChange.objects.filter(action="updated")
    assert [sorted(change.changes) for change in updates] == [["description"]]
