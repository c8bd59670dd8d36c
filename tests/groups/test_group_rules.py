"""SPEC 10: badge groups, and a badge's group and rank, through the API."""

import pytest
import time_machine
from django.db import IntegrityError
from django.utils import timezone

from badges.exceptions import RuleViolation
from badges.models import BadgeChange
from groups import services
from groups.models import BadgeGroup
from tests.api.test_badges_api import gold_shopper
from tests.factories import BadgeFactory, BadgeGroupFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/groups/"


@pytest.fixture(autouse=True)
def september():
    with time_machine.travel("2026-09-20T12:00:00+00:00", tick=False):
        yield


def codes(response) -> set[str]:
    return {e["code"] for e in response.json()["errors"]}


def test_create_read_and_list_by_rank(editor_a):
    second = editor_a.post(URL, {"name": "Workout", "rank": 2}, format="json")
    first = editor_a.post(URL, {"name": "Limited Edition", "rank": 1}, format="json")
    assert first.status_code == 201, first.json()
    body = first.json()
    assert (body["name"], body["rank"], body["is_active"]) == ("Limited Edition", 1, True)
    assert editor_a.get(f"{URL}{body['id']}/").json() == body
    listed = editor_a.get(URL).json()["results"]
    assert [g["id"] for g in listed] == [body["id"], second.json()["id"]]


def test_name_is_unique_among_the_orgs_active_groups_ignoring_case(editor_a, editor_b, org_a):
    BadgeGroupFactory(org=org_a, name="Monthly")
    response = editor_a.post(URL, {"name": " monthly ", "rank": 3}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "GROUP_NAME_TAKEN")
    assert editor_b.post(URL, {"name": "Monthly", "rank": 3}, format="json").status_code == 201


def test_a_disabled_groups_name_can_be_reused_and_enabling_it_then_clashes(editor_a, org_a):
    old = BadgeGroupFactory(org=org_a, name="Monthly", is_active=False)
    assert editor_a.post(URL, {"name": "Monthly", "rank": 1}, format="json").status_code == 201
    response = editor_a.patch(f"{URL}{old.pk}/", {"is_active": True}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "GROUP_NAME_TAKEN")


def test_rank_is_mandatory_not_unique_and_bounded(editor_a):
    response = editor_a.post(URL, {"name": "No rank"}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "REQUIRED")
    assert editor_a.post(URL, {"name": "A", "rank": 1}, format="json").status_code == 201
    assert editor_a.post(URL, {"name": "B", "rank": 1}, format="json").status_code == 201
    response = editor_a.post(URL, {"name": "C", "rank": 10**10}, format="json")
    assert "RANK_INVALID" in codes(response)


def test_name_is_required(editor_a):
    response = editor_a.post(URL, {"name": "  ", "rank": 1}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "GROUP_NAME_REQUIRED")


def test_update_renames_reranks_and_disables(editor_a, org_a):
    group = BadgeGroupFactory(org=org_a, name="Old", rank=1)
    response = editor_a.patch(
        f"{URL}{group.pk}/", {"name": "New", "rank": 7, "is_active": False}, format="json"
    )
    assert response.status_code == 200, response.json()
    group.refresh_from_db()
    assert (group.name, group.rank, group.is_active) == ("New", 7, False)


def test_deleting_a_group_leaves_its_badges_with_no_group_and_their_rank(editor_a, org_a):
    group = BadgeGroupFactory(org=org_a)
    badge = BadgeFactory(org=org_a, group=group, rank=4)
    assert editor_a.delete(f"{URL}{group.pk}/").status_code == 204
    assert not BadgeGroup.objects.exists()
    body = editor_a.get(f"/api/v1/badges/{badge.pk}/").json()
    assert (body["group"], body["rank"]) == (None, 4)


def test_another_orgs_group_is_404_and_never_listed(editor_a, org_b):
    foreign = BadgeGroupFactory(org=org_b)
    assert editor_a.get(f"{URL}{foreign.pk}/").status_code == 404
    assert editor_a.patch(f"{URL}{foreign.pk}/", {"rank": 2}, format="json").status_code == 404
    assert editor_a.delete(f"{URL}{foreign.pk}/").status_code == 404
    assert editor_a.get(f"{URL}not-a-uuid/").status_code == 404
    assert editor_a.get(URL).json()["count"] == 0
    assert BadgeGroup.objects.filter(pk=foreign.pk).exists()


def test_viewers_read_groups_and_editors_write_them(viewer_a, org_a):
    group = BadgeGroupFactory(org=org_a)
    assert viewer_a.get(URL).status_code == 200
    assert viewer_a.post(URL, {"name": "x", "rank": 1}, format="json").status_code == 403
    assert viewer_a.patch(f"{URL}{group.pk}/", {"rank": 2}, format="json").status_code == 403
    assert viewer_a.delete(f"{URL}{group.pk}/").status_code == 403


def test_a_lost_race_on_the_name_gets_the_same_refusal(org_a, monkeypatch):
    BadgeGroupFactory(org=org_a, name="Monthly")
    monkeypatch.setattr(services, "_violations", lambda *args: [])
    with pytest.raises(RuleViolation) as refused:
        services.group_create(
            org=org_a,
            now=timezone.now(),
            definition=services.GroupDefinition(name="MONTHLY", rank=1),
        )
    assert refused.value.violations[0].code == "GROUP_NAME_TAKEN"


def test_the_database_refuses_two_active_groups_of_one_name(org_a):
    BadgeGroupFactory(org=org_a, name="Monthly")
    BadgeGroupFactory(org=org_a, name="monthly", is_active=False)
    with pytest.raises(IntegrityError):
        BadgeGroupFactory(org=org_a, name="MONTHLY")


# A badge's group and rank -----------------------------------------------------------------


def test_badge_create_and_update_set_group_and_rank(editor_a, org_a):
    group = BadgeGroupFactory(org=org_a)
    other = BadgeGroupFactory(org=org_a)
    response = editor_a.post(
        "/api/v1/badges/", gold_shopper(group=str(group.pk), rank=3), format="json"
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["group"], body["rank"]) == (str(group.pk), 3)
    url = f"/api/v1/badges/{body['id']}/"
    body = editor_a.patch(url, {"group": str(other.pk), "rank": None}, format="json").json()
    assert (body["group"], body["rank"]) == (str(other.pk), None)
    change = BadgeChange.objects.filter(action="updated").get()
    assert change.changes == {"group": [str(group.pk), str(other.pk)], "rank": [3, None]}
    body = editor_a.patch(url, {"group": None}, format="json").json()
    assert body["group"] is None


def test_a_badge_cannot_join_another_orgs_or_an_unknown_or_a_disabled_group(editor_a, org_a, org_b):
    foreign = BadgeGroupFactory(org=org_b)
    disabled = BadgeGroupFactory(org=org_a, is_active=False)
    for group, code in [
        (foreign.pk, "GROUP_NOT_FOUND"),
        ("0b6f1d2e-0000-4000-8000-000000000000", "GROUP_NOT_FOUND"),
        (disabled.pk, "GROUP_INACTIVE"),
    ]:
        response = editor_a.post("/api/v1/badges/", gold_shopper(group=str(group)), format="json")
        assert response.status_code == 400
        assert response.json()["errors"] == [
            {"field": "group", "code": code, "message": response.json()["group"][0]}
        ]


def test_a_badge_keeps_a_group_disabled_after_it_joined(editor_a, org_a):
    group = BadgeGroupFactory(org=org_a)
    badge = BadgeFactory(org=org_a, group=group, upcoming=True)
    group.is_active = False
    group.save()
    response = editor_a.patch(f"/api/v1/badges/{badge.pk}/", {"rank": 2}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["group"] == str(group.pk)


def test_badge_rank_is_bounded(editor_a):
    response = editor_a.post("/api/v1/badges/", gold_shopper(rank=-(10**10)), format="json")
    assert "RANK_INVALID" in codes(response)


def test_the_badge_list_filters_by_group(editor_a, org_a, org_b):
    first, second = BadgeGroupFactory(org=org_a), BadgeGroupFactory(org=org_a)
    a = BadgeFactory(org=org_a, group=first)
    b = BadgeFactory(org=org_a, group=second)
    BadgeFactory(org=org_a)

    def ids(query):
        return {r["id"] for r in editor_a.get("/api/v1/badges/" + query).json()["results"]}

    assert ids(f"?group={first.pk}") == {str(a.pk)}
    assert ids(f"?group={first.pk}&group={second.pk}") == {str(a.pk), str(b.pk)}
    foreign = BadgeGroupFactory(org=org_b)
    assert editor_a.get(f"/api/v1/badges/?group={foreign.pk}").status_code == 400
