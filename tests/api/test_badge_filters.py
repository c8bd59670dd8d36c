"""SPEC 17 badge list: repeatable filters, search, ordering, pagination and a constant query
count whatever the number of badges."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from badges.filters import BadgeFilter
from badges.models import Badge
from tests.factories import (
    BadgeBenefitFactory,
    BadgeClaimFactory,
    BadgeFactory,
    BadgeFieldValueFactory,
    BadgeOwnerFactory,
    CustomFieldFactory,
    FixedWindowConfigFactory,
    RollingLimitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/badges/"


@pytest.fixture
def universe(org_a):
    """One badge per status, one inactive, owners and claims spread over modules."""
    upcoming = BadgeFactory(org=org_a, name="Upcoming", upcoming=True)
    live = BadgeFactory(org=org_a, name="Live gold")
    ended = BadgeFactory(org=org_a, name="Ended", ended=True)
    inactive = BadgeFactory(org=org_a, name="Inactive gold", is_active=False)
    BadgeOwnerFactory(badge=upcoming, module="CAMPAIGNS")
    BadgeOwnerFactory(badge=ended, module="JOURNEYS")
    BadgeClaimFactory(badge=live, module="LOYALTY")
    BadgeOwnerFactory(badge=inactive, module="MILESTONES")
    BadgeClaimFactory(badge=inactive, module="MILESTONES")
    return {"upcoming": upcoming, "live": live, "ended": ended, "inactive": inactive}


def names(client, query: str) -> set[str]:
    response = client.get(URL + query)
    assert response.status_code == 200, response.json()
    return {badge["name"] for badge in response.json()["results"]}


def test_status_filter_is_repeatable(viewer_a, universe):
    assert names(viewer_a, "?status=upcoming") == {"Upcoming"}
    assert names(viewer_a, "?status=live") == {"Live gold", "Inactive gold"}
    assert names(viewer_a, "?status=ended") == {"Ended"}
    assert names(viewer_a, "?status=upcoming&status=ended") == {"Upcoming", "Ended"}


def test_activation_filter(viewer_a, universe):
    assert names(viewer_a, "?is_active=false") == {"Inactive gold"}
    assert len(names(viewer_a, "?is_active=true&is_active=false")) == 4


def test_owner_and_claimed_by_filters(viewer_a, universe):
    assert names(viewer_a, "?owner=CAMPAIGNS") == {"Upcoming"}
    assert names(viewer_a, "?owner=CAMPAIGNS&owner=JOURNEYS") == {"Upcoming", "Ended"}
    assert len(names(viewer_a, "?owner=LOYALTY")) == 4
    assert names(viewer_a, "?claimed_by=LOYALTY") == {"Live gold"}
    assert names(viewer_a, "?claimed_by=LOYALTY&claimed_by=MILESTONES") == {
        "Live gold",
        "Inactive gold",
    }


def test_filters_combine(viewer_a, universe):
    assert names(viewer_a, "?status=live&is_active=true&search=GOLD") == {"Live gold"}
    assert names(viewer_a, "?owner=LOYALTY&claimed_by=MILESTONES") == {"Inactive gold"}


def test_search_matches_part_of_the_name_ignoring_case(viewer_a, universe):
    assert names(viewer_a, "?search=gold") == {"Live gold", "Inactive gold"}


def test_ordering(viewer_a, universe):
    response = viewer_a.get(URL + "?ordering=name")
    assert [b["name"] for b in response.json()["results"]] == [
        "Ended",
        "Inactive gold",
        "Live gold",
        "Upcoming",
    ]
    response = viewer_a.get(URL + "?ordering=-start_on")
    assert response.json()["results"][0]["name"] == "Upcoming"


@pytest.mark.parametrize(
    "query", ["?ordering=-issued_count,-name", "?ordering=-issued_count&ordering=-name"]
)
def test_ordering_by_several_fields_takes_one_list_or_the_parameter_repeated(
    viewer_a, universe, query
):
    response = viewer_a.get(URL + query)
    assert [b["name"] for b in response.json()["results"]] == [
        "Upcoming",
        "Live gold",
        "Inactive gold",
        "Ended",
    ]


def test_default_order_is_most_recently_updated_first(viewer_a, org_a):
    now = timezone.now()
    BadgeFactory(org=org_a, name="Older", updated_on=now - timedelta(days=2))
    BadgeFactory(org=org_a, name="Newer", updated_on=now - timedelta(days=1))
    assert [b["name"] for b in viewer_a.get(URL).json()["results"]] == ["Newer", "Older"]


@pytest.mark.parametrize(
    "query", ["?status=archived", "?owner=ADS", "?is_active=maybe", "?ordering=secret"]
)
def test_unknown_filter_values_are_a_400(viewer_a, universe, query):
    response = viewer_a.get(URL + query)
    assert response.status_code == 400
    assert response.json()["errors"]


def test_pagination_shape(viewer_a, universe):
    body = viewer_a.get(URL + "?page_size=3&ordering=name").json()
    assert (body["count"], len(body["results"]), body["previous"]) == (4, 3, None)
    second = viewer_a.get(body["next"]).json()
    assert [b["name"] for b in second["results"]] == ["Upcoming"]


def _rich_badges(org, n):
    field = CustomFieldFactory(org=org)
    for index in range(n):
        badge = BadgeFactory(org=org, created_by=UserFactory(), updated_by=UserFactory())
        if index % 2:
            BadgeFieldValueFactory(badge=badge, field=field)
        BadgeOwnerFactory(badge=badge, module="CAMPAIGNS")
        BadgeClaimFactory(badge=badge)
        BadgeBenefitFactory(badge=badge)
        RollingLimitFactory(badge=badge)
        FixedWindowConfigFactory(badge=badge)


@pytest.mark.parametrize("n", [3, 50])
def test_list_runs_a_constant_number_of_queries(viewer_a, org_a, n, django_assert_num_queries):
    _rich_badges(org_a, n)
    # the caller (token, membership and org in one), count, badges, then one per part of the
    # definitions (5, and images), their authors, the org's custom fields and the badges' values
    with django_assert_num_queries(12):
        response = viewer_a.get(URL + "?page_size=100")
    assert response.json()["count"] == n


@pytest.mark.parametrize("n", [3, 50])
def test_detail_runs_a_constant_number_of_queries(viewer_a, org_a, n, django_assert_num_queries):
    _rich_badges(org_a, 1)
    badge = BadgeFactory(org=org_a, created_by=UserFactory())
    for _ in range(n):
        BadgeClaimFactory(badge=badge)
    # the caller, the badge, its parts (5, and images), its authors, custom fields and values
    with django_assert_num_queries(11):
        response = viewer_a.get(f"{URL}{badge.pk}/")
    assert len(response.json()["claims"]) == n


@pytest.mark.parametrize("ordering", ["", "&ordering=name", "&ordering=-issued_count,name"])
def test_deep_pages_pick_their_keys_first_and_list_the_same_badges(viewer_a, org_a, ordering):
    """A page after the first reads its badges' keys first (a subquery, no extra query); the
    pages together list every badge once, in the list's order."""
    for n in range(7):
        BadgeFactory(org=org_a, name=f"Badge {n}", updated_on=timezone.now() - timedelta(hours=n))
    whole = [b["name"] for b in viewer_a.get(f"{URL}?page_size=100{ordering}").json()["results"]]
    paged = []
    for page in (1, 2, 3):
        with CaptureQueriesContext(connection) as queries:
            response = viewer_a.get(f"{URL}?page_size=3&page={page}{ordering}")
        paged += [b["name"] for b in response.json()["results"]]
        page_sql = [q["sql"] for q in queries if 'FROM "badges_badge"' in q["sql"]][1]
        assert (page_sql.count("SELECT") > 1) == (page > 1), page_sql
    assert paged == whole and len(whole) == 7


def test_a_list_sent_no_filter_parameter_builds_no_filter(viewer_a, org_a, universe, monkeypatch):
    """The filters' form costs a page of badges 2 ms; a call without filter parameters lists
    what the unbound form would (every badge, in the default order) without building it."""
    everything = [b.name for b in Badge.objects.filter(org=org_a)]

    def refused(*args, **kwargs):
        raise AssertionError("filter built")

    monkeypatch.setattr(BadgeFilter, "__init__", refused)
    assert [b["name"] for b in viewer_a.get(URL + "?page_size=10").json()["results"]] == everything
    with pytest.raises(AssertionError, match="filter built"):
        viewer_a.get(URL + "?status=live")
