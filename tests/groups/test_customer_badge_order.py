"""SPEC 10: the customer badge order, by groups and ranks, done in the database."""

import pytest

from badges.models import Badge
from badges.selectors.customers import DisplayOrder
from tests.customer_view import AVAILABLE, BADGES, at, live_badge
from tests.factories import BadgeGroupFactory, IssuanceFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("october_10th")]


def holding(customer, *badges):
    for badge in badges:
        IssuanceFactory(badge=badge, customer=customer, issued_on=at("2026-10-05T00:00:00Z"))


def names(client, url=BADGES, query=""):
    response = client.get(url + query)
    assert response.status_code == 200, response.json()
    return [r.get("badge_name") or r.get("name") for r in response.json()["results"]]


@pytest.fixture
def seed_001(org_a, customer):
    """Groups G1, G2, G3 ranked 1, 2, 3; B1 in G1, B2 in G2, B3 in no group with rank 1.
    B1 ends after B2, which decides their order once neither has a group."""
    groups = {
        name: BadgeGroupFactory(org=org_a, name=name, rank=rank)
        for name, rank in (("G1", 1), ("G2", 2), ("G3", 3))
    }
    b1 = live_badge(org_a, "B1", ends="2026-10-30T00:00:00Z", group=groups["G1"])
    b2 = live_badge(org_a, "B2", ends="2026-10-20T00:00:00Z", group=groups["G2"])
    b3 = live_badge(org_a, "B3", rank=1)
    holding(customer, b3, b2, b1)
    return groups


def test_worked_example_of_seed_001(editor_a, seed_001):
    assert names(editor_a) == ["B1", "B2", "B3"]
    assert names(editor_a, AVAILABLE) == ["B1", "B2", "B3"]


def test_deleting_g1_puts_its_badge_among_badges_with_no_group(editor_a, seed_001):
    response = editor_a.delete(f"/api/v1/groups/{seed_001['G1'].pk}/")
    assert response.status_code == 204
    assert names(editor_a) == ["B2", "B3", "B1"]
    assert names(editor_a, AVAILABLE) == ["B2", "B3", "B1"]


def test_then_disabling_g2_leaves_no_group_so_rank_then_latest_end(editor_a, seed_001):
    editor_a.delete(f"/api/v1/groups/{seed_001['G1'].pk}/")
    response = editor_a.patch(
        f"/api/v1/groups/{seed_001['G2'].pk}/", {"is_active": False}, format="json"
    )
    assert response.status_code == 200
    # B3 has a rank; B1 and B2 have none and come by expires_on descending (B1 ends later).
    assert names(editor_a) == ["B3", "B1", "B2"]
    assert names(editor_a, AVAILABLE) == ["B3", "B1", "B2"]
    # Enabling G2 again restores its place.
    editor_a.patch(f"/api/v1/groups/{seed_001['G2'].pk}/", {"is_active": True}, format="json")
    assert names(editor_a) == ["B2", "B3", "B1"]


def test_inside_a_group_ranked_badges_by_rank_then_the_rest_by_latest_end(
    editor_a, org_a, customer
):
    group = BadgeGroupFactory(org=org_a, rank=5)
    holding(
        customer,
        live_badge(org_a, "late end", ends="2026-12-01T00:00:00Z", group=group),
        live_badge(org_a, "early end", ends="2026-10-20T00:00:00Z", group=group),
        live_badge(org_a, "rank 2", group=group, rank=2),
        live_badge(org_a, "rank 1", ends="2026-10-11T00:00:00Z", group=group, rank=1),
        live_badge(org_a, "no group rank 1", rank=1),
        live_badge(org_a, "no group", ends="2027-01-01T00:00:00Z"),
    )
    assert names(editor_a) == [
        "rank 1",
        "rank 2",
        "late end",
        "early end",
        "no group rank 1",
        "no group",
    ]


def test_groups_come_by_rank_and_equal_ranks_keep_each_group_together(editor_a, org_a, customer):
    first = BadgeGroupFactory(org=org_a, name="Alpha", rank=1)
    second = BadgeGroupFactory(org=org_a, name="beta", rank=1)
    third = BadgeGroupFactory(org=org_a, name="Gamma", rank=0)
    holding(
        customer,
        live_badge(org_a, "b1", group=second, rank=1),
        live_badge(org_a, "a2", group=first, rank=2),
        live_badge(org_a, "b2", group=second, rank=2),
        live_badge(org_a, "a1", group=first, rank=1),
        live_badge(org_a, "g", group=third, rank=9),
    )
    assert names(editor_a) == ["g", "a1", "a2", "b1", "b2"]


def test_ties_break_by_name_ignoring_case_then_id(editor_a, org_a, customer):
    holding(
        customer,
        live_badge(org_a, "beta", rank=1),
        live_badge(org_a, "Alpha", rank=1),
        live_badge(org_a, "delta"),
        live_badge(org_a, "Charlie"),
    )
    assert names(editor_a) == ["Alpha", "beta", "Charlie", "delta"]


def test_several_issuances_of_one_badge_come_newest_first(editor_a, org_a, customer):
    badge = live_badge(org_a, "Repeat")
    old = IssuanceFactory(
        badge=badge,
        customer=customer,
        issued_on=at("2026-10-02T00:00:00Z"),
        expires_on=at("2026-10-05T00:00:00Z"),
    )
    new = IssuanceFactory(badge=badge, customer=customer, issued_on=at("2026-10-09T00:00:00Z"))
    results = editor_a.get(BADGES).json()["results"]
    assert [r["issual_id"] for r in results] == [str(new.issual_id), str(old.issual_id)]


def test_sort_on_replaces_the_display_order(editor_a, org_a, customer):
    group = BadgeGroupFactory(org=org_a, rank=1)
    a = live_badge(org_a, "a", group=group)
    b = live_badge(org_a, "B")
    c = live_badge(org_a, "c", rank=1)
    IssuanceFactory(
        badge=a, customer=customer, issued_on=at("2026-10-03T00:00:00Z"), expires_on=None
    )
    IssuanceFactory(
        badge=b,
        customer=customer,
        issued_on=at("2026-10-01T00:00:00Z"),
        expires_on=at("2026-10-20T00:00:00Z"),
    )
    IssuanceFactory(
        badge=c,
        customer=customer,
        issued_on=at("2026-10-02T00:00:00Z"),
        expires_on=at("2026-10-05T00:00:00Z"),
    )
    assert names(editor_a) == ["a", "c", "B"]
    assert names(editor_a, query="?sort_on=issued_on") == ["B", "c", "a"]
    assert names(editor_a, query="?sort_on=-issued_on") == ["a", "c", "B"]
    # An issuance that never expires comes last ascending, first descending.
    assert names(editor_a, query="?sort_on=expires_on") == ["c", "B", "a"]
    assert names(editor_a, query="?sort_on=-expires_on") == ["a", "B", "c"]
    assert names(editor_a, query="?sort_on=name") == ["a", "B", "c"]
    assert names(editor_a, query="?sort_on=-name") == ["c", "B", "a"]
    response = editor_a.get(BADGES + "?sort_on=rank")
    assert (response.status_code, response.json()["code"]) == (400, "INVALID_CHOICE")


def test_the_order_pages_through_without_overlap(editor_a, org_a, customer):
    group = BadgeGroupFactory(org=org_a, rank=1)
    for n in range(7):
        holding(customer, live_badge(org_a, f"b{n}", group=group if n % 2 else None))
    first = names(editor_a, query="?page_size=4")
    second = names(editor_a, query="?page_size=4&page=2")
    assert first + second == names(editor_a)
    assert len(set(first + second)) == 7


def test_the_display_order_reversed_is_every_term_reversed(org_a, seed_001):
    """``DisplayOrder`` writes its nine terms as one expression: reversing a queryset (as
    ``last()`` does) must reverse each of them, not only the last."""
    in_order = Badge.objects.filter(org=org_a).order_by(DisplayOrder())
    names_in_order = [badge.name for badge in in_order]
    assert names_in_order == ["B1", "B2", "B3"]
    assert [badge.name for badge in in_order.reverse()] == names_in_order[::-1]
    assert in_order.last().name == "B3"
