"""The Badge Universe lists the acting org's badges under the API list's filters: the same
parameters give the same badges in the same order, a page of any size costs the same number
of queries, and an htmx request gets the results alone."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from badges.filters import BADGE_ORDERINGS
from badges.models import Badge, BadgeOwner, Module
from badges.ui.views import ORDERING_LABELS
from tests.factories import BadgeClaimFactory, BadgeFactory, BadgeOwnerFactory

pytestmark = pytest.mark.django_db

UNIVERSE = "/badges/ui/"


def row_ids(response) -> list[str]:
    return [str(badge.pk) for badge in response.context["rows"]]


@pytest.fixture
def universe(org_a, org_b):
    """Badges of every status and activation, owners and claims mixed, and one of org B."""
    made = [
        BadgeFactory(org=org_a, name="Live loyalty"),
        BadgeFactory(org=org_a, name="Upcoming journey", upcoming=True, owners=None),
        BadgeFactory(org=org_a, name="Ended campaign", ended=True, owners=None),
        BadgeFactory(org=org_a, name="Inactive live", is_active=False),
        BadgeFactory(org=org_a, name="Claimed milestone", owners=None),
    ]
    BadgeOwnerFactory(badge=made[1], module=Module.JOURNEYS)
    BadgeOwnerFactory(badge=made[2], module=Module.CAMPAIGNS)
    BadgeOwnerFactory(badge=made[4], module=Module.MILESTONES)
    BadgeClaimFactory(badge=made[4], module=Module.MILESTONES)
    BadgeFactory(org=org_b, name="Live loyalty of B")
    return made


def test_signing_in_is_required(client):
    response = client.get(UNIVERSE + "?status=live")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/badges/ui/%3Fstatus%3Dlive"


def test_lists_the_acting_orgs_badges_only(editor_page, universe):
    response = editor_page.get(UNIVERSE)
    assert response.status_code == 200
    assert sorted(row_ids(response)) == sorted(str(b.pk) for b in universe)
    assert b"Live loyalty of B" not in response.content


@pytest.mark.parametrize(
    "query",
    [
        "",
        "status=live",
        "status=upcoming&status=ended",
        "is_active=false",
        "is_active=true&status=live",
        "owner=JOURNEYS",
        "owner=LOYALTY&owner=CAMPAIGNS",
        "claimed_by=MILESTONES",
        "claimed_by=LOYALTY",
        "search=LIVE",
        "search=live&is_active=true",
        "ordering=name",
        "ordering=-name",
        "ordering=expires_on",
        "ordering=-issued_count,name",
    ],
)
def test_filters_give_what_the_api_list_gives(editor_page, editor_a, universe, query):
    page = editor_page.get(f"{UNIVERSE}?{query}")
    api = editor_a.get(f"/api/v1/badges/?{query}")
    assert page.status_code == api.status_code == 200
    assert row_ids(page) == [badge["id"] for badge in api.json()["results"]]


def test_the_sort_menu_offers_every_api_ordering_both_ways():
    assert set(ORDERING_LABELS) == {
        f"{sign}{term}" for term in BADGE_ORDERINGS for sign in ("", "-")
    }


def test_pages_of_fifty_as_the_api_list(editor_page, editor_a, org_a):
    Badge.objects.bulk_create(
        BadgeFactory.build(org=org_a, name=f"Bulk {i:03}", owners=None) for i in range(120)
    )
    for number in (1, 2, 3):
        page = editor_page.get(f"{UNIVERSE}?ordering=name&page={number}")
        api = editor_a.get(f"/api/v1/badges/?ordering=name&page={number}")
        assert row_ids(page) == [badge["id"] for badge in api.json()["results"]]
    assert len(row_ids(editor_page.get(f"{UNIVERSE}?page=3"))) == 20
    assert editor_page.get(f"{UNIVERSE}?page=4").status_code == 404
    assert editor_page.get(f"{UNIVERSE}?page=x").status_code == 404


def test_a_filter_the_api_refuses_is_refused_with_its_message(editor_page, universe):
    response = editor_page.get(f"{UNIVERSE}?status=paused&ordering=colour")
    assert response.status_code == 400
    assert response.context["rows"] == []
    text = response.content.decode()
    assert "Select a valid choice. paused is not one of the available choices." in text
    assert "colour" in text


def test_an_htmx_request_gets_the_results_alone(editor_page, universe):
    response = editor_page.get(f"{UNIVERSE}?status=live", headers={"HX-Request": "true"})
    text = response.content.decode()
    assert response.status_code == 200
    assert text.lstrip().startswith('<section id="results"')
    assert "<html" not in text and 'id="filters"' not in text
    assert "Live loyalty" in text and "Upcoming journey" not in text


def test_htmx_restoring_history_gets_the_whole_page_and_answers_vary(editor_page, universe):
    restore = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    response = editor_page.get(f"{UNIVERSE}?status=live", headers=restore)
    assert "<html" in response.content.decode()
    assert "HX-Request" in response["Vary"]
    swapped = editor_page.get(f"{UNIVERSE}?status=live", headers={"HX-Request": "true"})
    assert "HX-Request" in swapped["Vary"]


def test_every_filtered_url_renders_as_a_whole_page(editor_page, universe):
    response = editor_page.get(f"{UNIVERSE}?status=live&owner=LOYALTY")
    text = response.content.decode()
    assert "<html" in text and 'id="filters"' in text
    assert 'value="live" id="f-status-live" checked' in text
    assert 'value="LOYALTY" id="f-owner-LOYALTY" checked' in text


def test_a_row_shows_owners_claims_and_not_claimed(editor_page, universe):
    text = editor_page.get(UNIVERSE).content.decode()
    assert "Not claimed" in text  # the loyalty badge
    assert "Milestones: " in text  # the claim of the milestone badge


def test_viewers_see_no_write_controls(viewer_page, editor_page, universe):
    assert b"Deactivate" not in viewer_page.get(UNIVERSE).content
    assert b"Upload image" not in viewer_page.get(UNIVERSE).content
    editor = editor_page.get(UNIVERSE).content
    assert b"Deactivate" in editor and b"Activate" in editor


def test_an_ended_badge_offers_no_deactivation(editor_page, universe):
    ended = universe[2]
    text = editor_page.get(f"{UNIVERSE}?status=ended").content.decode()
    assert f"/badges/ui/{ended.pk}/deactivate/" not in text


def test_a_page_costs_the_same_queries_at_2000_badges_as_at_ten(editor_page, org_a):
    """Every badge with owners, a claim and benefits: the queries do not grow with the rows."""

    def make(count, prefix):
        badges = Badge.objects.bulk_create(
            BadgeFactory.build(org=org_a, name=f"{prefix} {i:04}", owners=None)
            for i in range(count)
        )
        BadgeOwner.objects.bulk_create(
            BadgeOwner(badge=b, module=Module.LOYALTY, added_on=timezone.now()) for b in badges
        )
        for badge in badges[:60]:
            BadgeClaimFactory(badge=badge, module=Module.LOYALTY)

    make(10, "Few")
    with CaptureQueriesContext(connection) as few:
        assert editor_page.get(UNIVERSE).status_code == 200
    make(1990, "Many")
    with CaptureQueriesContext(connection) as many:
        response = editor_page.get(f"{UNIVERSE}?page=2")
    assert response.status_code == 200 and len(row_ids(response)) == 50
    assert len(many) == len(few)
    with CaptureQueriesContext(connection) as filtered:
        response = editor_page.get(f"{UNIVERSE}?claimed_by=LOYALTY&ordering=name&page=2")
    assert len(row_ids(response)) == 20  # 10 + 60 claimed
    assert len(filtered) == len(few)


def test_durations_and_instants_show_in_the_orgs_timezone(editor_page, org_a):
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)
    start = start.replace(hour=18, minute=30)  # 00:00 the next day in Asia/Kolkata
    BadgeFactory(org=org_a, name="Midnight", start_on=start)
    text = editor_page.get(UNIVERSE).content.decode()
    local = start.astimezone(org_a.tzinfo)
    assert f"{local.day} {local:%b %Y}, 00:00" in text


@pytest.mark.parametrize("number", ["", "+1", " 1", "1.0", "\u0661"])
def test_a_page_number_is_ascii_digits_as_in_the_api(editor_page, editor_a, universe, number):
    query = f"?page={number}"
    assert editor_page.get(UNIVERSE + query).status_code == 404
    assert editor_a.get(f"/api/v1/badges/{query}").status_code == 404


def test_htmx_restoring_a_refused_url_gets_the_page_with_its_refusal(editor_page, universe):
    """htmx restores only 2xx answers from history: the refusal is shown on a 200 then."""
    restore = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    response = editor_page.get(f"{UNIVERSE}?status=LIVE", headers=restore)
    assert response.status_code == 200
    assert "These filters can't be applied" in response.content.decode()
    assert editor_page.get(f"{UNIVERSE}?status=LIVE").status_code == 400


def test_an_ordering_of_several_terms_is_shown_as_sent(editor_page, universe):
    text = editor_page.get(f"{UNIVERSE}?ordering=name,-start_on").content.decode()
    assert '<option value="name,-start_on" selected>' in text


def test_a_search_matching_nothing_says_so_and_how_to_widen_it(editor_page, universe):
    page = editor_page.get(UNIVERSE + "?search=no-such-badge").content.decode()
    assert "No badges match these filters." in page
    assert "Clear a filter or search for another name." in page
