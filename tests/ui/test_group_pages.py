"""The group pages write through the API's group services: create and edit with the
services' refusals on the fields (the API's messages and codes, 400, nothing written), disable,
enable and delete behind confirmations that say what happens to the group's badges, viewers
refused every write page, another org's groups not found, and a list read in constant queries."""

from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from badges.models import Badge
from groups.models import BadgeGroup
from tests.factories import BadgeFactory, BadgeGroupFactory

pytestmark = pytest.mark.django_db

LIST = "/groups/ui/"
NEW = "/groups/ui/new/"


def text(response) -> str:
    return response.content.decode()


def assert_shows_the_apis_errors(page, api_answer) -> None:
    """Each of the API's errors for the same input, message and code, is on the page."""
    assert api_answer.status_code == 400
    for error in api_answer.json()["errors"]:
        assert escape(f"{error['message']} ({error['code']})") in text(page), error


def test_the_list_shows_groups_by_rank_with_their_badge_counts(editor_page, org_a):
    gold = BadgeGroupFactory(org=org_a, name="Gold", rank=2)
    BadgeGroupFactory(org=org_a, name="Silver", rank=1, is_active=False)
    BadgeGroupFactory(org=org_a, name="Bronze", rank=2)
    for _ in range(3):
        BadgeFactory(org=org_a, group=gold)
    response = editor_page.get(LIST)
    assert response.status_code == 200
    assert [g.name for g in response.context["groups"]] == ["Silver", "Bronze", "Gold"]
    assert [g.badge_count for g in response.context["groups"]] == [0, 0, 3]
    page = text(response)
    assert "Disabled" in page and "Active" in page
    assert f'href="/badges/ui/?group={gold.pk}">3<' in page
    assert 'href="/groups/ui/new/"' in page


def test_an_org_without_groups_sees_the_empty_state(editor_page, viewer_page):
    page = text(editor_page.get(LIST))
    assert "No groups yet." in page and "Create a group, then put badges in it" in page
    page = text(viewer_page.get(LIST))
    assert "No groups yet." in page and "An editor can create groups" in page
    assert "Create a group, then" not in page


def test_creating_a_group_writes_it_through_the_service(editor_page, org_a):
    response = editor_page.get(NEW)
    assert response.status_code == 200
    response = editor_page.post(NEW, {"name": " Monthly ", "rank": "3"})
    assert response.status_code == 302 and response["Location"] == LIST
    group = BadgeGroup.objects.get(org=org_a)
    assert (group.name, group.rank, group.is_active) == ("Monthly", 3, True)
    assert "“Monthly” is saved." in text(editor_page.get(LIST))


def test_a_taken_name_and_a_rank_out_of_range_are_the_apis_refusals(editor_page, editor_a, org_a):
    BadgeGroupFactory(org=org_a, name="Monthly")
    response = editor_page.post(NEW, {"name": "monthly", "rank": "5000000000"})
    assert response.status_code == 400
    assert "GROUP_NAME_TAKEN" in text(response) and "RANK_INVALID" in text(response)
    assert response.context["form"].errors["name"] and response.context["form"].errors["rank"]
    api = editor_a.post("/api/v1/groups/", {"name": "monthly", "rank": 5000000000}, format="json")
    assert_shows_the_apis_errors(response, api)
    assert BadgeGroup.objects.filter(org=org_a).count() == 1


def test_an_empty_name_is_the_services_refusal(editor_page, org_a):
    response = editor_page.post(NEW, {"name": "   ", "rank": "1"})
    assert response.status_code == 400 and "GROUP_NAME_REQUIRED" in text(response)
    assert not BadgeGroup.objects.exists()


@pytest.mark.parametrize("rank", ["", "one", "1.5", "1e3"])
def test_a_rank_that_is_not_a_whole_number_is_a_form_error(editor_page, rank):
    response = editor_page.post(NEW, {"name": "Monthly", "rank": rank})
    assert response.status_code == 400
    assert response.context["form"].errors["rank"]
    assert 'aria-invalid="true"' in text(response)
    assert not BadgeGroup.objects.exists()


def test_editing_renames_and_reranks(editor_page, org_a):
    group = BadgeGroupFactory(org=org_a, name="Monthly", rank=1)
    response = editor_page.get(f"/groups/ui/{group.pk}/edit/")
    assert response.status_code == 200 and 'value="Monthly"' in text(response)
    response = editor_page.post(f"/groups/ui/{group.pk}/edit/", {"name": "Weekly", "rank": "-4"})
    assert response.status_code == 302
    group.refresh_from_db()
    assert (group.name, group.rank, group.is_active) == ("Weekly", -4, True)


def test_an_edit_refused_writes_nothing(editor_page, editor_a, org_a):
    BadgeGroupFactory(org=org_a, name="Weekly")
    group = BadgeGroupFactory(org=org_a, name="Monthly", rank=1)
    response = editor_page.post(f"/groups/ui/{group.pk}/edit/", {"name": "WEEKLY", "rank": "2"})
    assert response.status_code == 400
    api = editor_a.patch(f"/api/v1/groups/{group.pk}/", {"name": "WEEKLY"}, format="json")
    assert_shows_the_apis_errors(response, api)
    group.refresh_from_db()
    assert (group.name, group.rank) == ("Monthly", 1)


def test_an_untouched_name_with_a_line_break_is_kept(editor_page, org_a):
    group = BadgeGroupFactory(org=org_a, name="Two\nlines", rank=1)
    response = editor_page.post(f"/groups/ui/{group.pk}/edit/", {"name": "Twolines", "rank": "1"})
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.name == "Two\nlines"


def test_an_edit_posting_is_active_doesnt_change_it(editor_page, org_a):
    group = BadgeGroupFactory(org=org_a, name="Monthly", is_active=False)
    data = {"name": "Monthly", "rank": "1", "is_active": "true"}
    assert editor_page.post(f"/groups/ui/{group.pk}/edit/", data).status_code == 302
    group.refresh_from_db()
    assert not group.is_active


def test_disabling_asks_first_and_says_how_many_badges_count_as_ungrouped(editor_page, org_a):
    group = BadgeGroupFactory(org=org_a, name="Monthly")
    for _ in range(3):
        BadgeFactory(org=org_a, group=group)
    response = editor_page.get(f"/groups/ui/{group.pk}/disable/")
    assert response.status_code == 200
    assert "3 badges will count as having no group while it is disabled." in text(response)
    assert BadgeGroup.objects.get(pk=group.pk).is_active
    response = editor_page.post(f"/groups/ui/{group.pk}/disable/")
    assert response.status_code == 302 and response["Location"] == LIST
    group.refresh_from_db()
    assert not group.is_active
    assert Badge.objects.filter(group=group).count() == 3  # they keep it


def test_enabling_asks_first_and_a_taken_name_is_the_apis_refusal(editor_page, editor_a, org_a):
    group = BadgeGroupFactory(org=org_a, name="Monthly", is_active=False)
    BadgeFactory(org=org_a, group=group)
    response = editor_page.get(f"/groups/ui/{group.pk}/enable/")
    assert "1 badge will be shown in this group again" in text(response)
    taken = BadgeGroupFactory(org=org_a, name="monthly")
    response = editor_page.post(f"/groups/ui/{group.pk}/enable/")
    assert response.status_code == 400
    api = editor_a.patch(f"/api/v1/groups/{group.pk}/", {"is_active": True}, format="json")
    assert_shows_the_apis_errors(response, api)
    assert not BadgeGroup.objects.get(pk=group.pk).is_active
    taken.delete()
    assert editor_page.post(f"/groups/ui/{group.pk}/enable/").status_code == 302
    assert BadgeGroup.objects.get(pk=group.pk).is_active


def test_a_confirmation_of_what_is_done_already_offers_no_button(editor_page, org_a):
    group = BadgeGroupFactory(org=org_a, name="Monthly")
    response = editor_page.get(f"/groups/ui/{group.pk}/enable/")
    assert "It is enabled already." in text(response)
    assert 'type="submit"' not in text(response).split('id="main"')[1]


def test_deleting_says_how_many_badges_lose_their_group(editor_page, org_a):
    group = BadgeGroupFactory(org=org_a, name="Monthly")
    badges = [BadgeFactory(org=org_a, group=group, rank=i) for i in range(3)]
    response = editor_page.get(f"/groups/ui/{group.pk}/delete/")
    assert response.status_code == 200
    assert "3 badges will have no group." in text(response)
    assert BadgeGroup.objects.filter(pk=group.pk).exists()
    response = editor_page.post(f"/groups/ui/{group.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == LIST
    assert not BadgeGroup.objects.filter(pk=group.pk).exists()
    kept = Badge.objects.filter(pk__in=[b.pk for b in badges]).order_by("rank")
    assert [(b.group_id, b.rank) for b in kept] == [(None, 0), (None, 1), (None, 2)]
    assert "“Monthly” is deleted; 3 badges have no group now." in text(editor_page.get(LIST))


def test_deleting_an_empty_group_says_no_badge_is_in_it(editor_page, org_a):
    group = BadgeGroupFactory(org=org_a, name="Monthly")
    assert "No badge is in this group." in text(editor_page.get(f"/groups/ui/{group.pk}/delete/"))


def write_urls(group) -> list[str]:
    return [NEW] + [f"/groups/ui/{group.pk}/{a}/" for a in ("edit", "disable", "enable", "delete")]


def test_viewers_see_no_write_control_and_every_write_page_is_403(viewer_page, org_a):
    group = BadgeGroupFactory(org=org_a, name="Monthly")
    page = text(viewer_page.get(LIST))
    assert "Monthly" in page
    for control in ("New group", "/edit/", "/disable/", "/enable/", "/delete/"):
        assert control not in page
    for url in write_urls(group):
        assert viewer_page.get(url).status_code == 403, url
        assert viewer_page.post(url, {"name": "Taken over", "rank": "9"}).status_code == 403, url
    assert BadgeGroup.objects.get(pk=group.pk).name == "Monthly"


def test_another_orgs_group_is_not_found_on_every_page(editor_page, org_b):
    group = BadgeGroupFactory(org=org_b, name="Theirs", is_active=False)
    for url in write_urls(group)[1:]:
        assert editor_page.get(url).status_code == 404, url
        assert editor_page.post(url, {"name": "Mine", "rank": "9"}).status_code == 404, url
    assert "Theirs" not in text(editor_page.get(LIST))
    group.refresh_from_db()
    assert (group.name, group.is_active) == ("Theirs", False)


def test_the_list_reads_in_the_same_queries_for_3_and_30_groups(editor_page, org_a):
    def add(count):
        for i in range(count):
            group = BadgeGroupFactory(org=org_a, rank=i, is_active=i % 2 == 0)
            BadgeFactory(org=org_a, group=group)

    add(3)
    with CaptureQueriesContext(connection) as few:
        assert editor_page.get(LIST).status_code == 200
    add(27)
    with CaptureQueriesContext(connection) as many:
        response = editor_page.get(LIST)
    assert len(response.context["groups"]) == 30
    assert len(many) == len(few)
