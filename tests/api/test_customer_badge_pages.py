"""SPEC 15 customer badges: a call sending no filter (nor ``sort_on``) reads its page and its
count together, by statements written once (``customer_selectors.CustomerBadgePages``), and
lists exactly what the filtered list (the display order compiled by the ORM) lists."""

import pytest
from django.core.paginator import EmptyPage, PageNotAnInteger

from badges.filters import CustomerBadgeFilter
from badges.models import IssuanceStatus
from badges.selectors import customers as customer_selectors
from badges_project.paging import LAST_OFFSET, KeysFirstPaginator
from tests.customer_view import BADGES, at, live_badge
from tests.factories import BadgeGroupFactory, CustomerFactory, IssuanceFactory
from tests.pipelines import statements_sent

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("october_10th")]

# Sends every issuance through the filters: the queryset's display order, not the page read's.
EVERY_ISSUANCE_FILTERED = "".join(f"&status={status}" for status in IssuanceStatus.values)
DAYS = ["2026-10-02T00:00:00Z", "2026-10-05T00:00:00Z", "2026-10-08T00:00:00Z"]


@pytest.fixture
def held(org_a, customer):
    """Eleven issuances meeting every term of the display order: groups by rank, equal ranks
    kept apart by name, a disabled group, ranked and unranked badges, ends and names that tie,
    several issuances of one badge (two of them issued at the same instant, one revoked)."""
    alpha = BadgeGroupFactory(org=org_a, name="alpha", rank=2)
    beta = BadgeGroupFactory(org=org_a, name="Beta", rank=2)
    first = BadgeGroupFactory(org=org_a, name="Zeta", rank=1)
    disabled = BadgeGroupFactory(org=org_a, name="Off", rank=0, is_active=False)
    badges = [
        live_badge(org_a, "b-ranked", group=beta, rank=3),
        live_badge(org_a, "a-late", group=alpha, ends="2026-12-01T00:00:00Z"),
        live_badge(org_a, "a-ranked", group=alpha, rank=1),
        live_badge(org_a, "z", group=first),
        live_badge(org_a, "off-ranked", group=disabled, rank=1),
        live_badge(org_a, "Echo", ends="2026-11-01T00:00:00Z"),
        live_badge(org_a, "delta", ends="2026-11-01T00:00:00Z"),
        live_badge(org_a, "Repeat", rank=1),
    ]
    issued = [IssuanceFactory(badge=badge, customer=customer) for badge in badges]
    repeat, revoked = badges[-1], {"revoked_on": at(DAYS[1]), "status": IssuanceStatus.REVOKED}
    for issued_on, expires_on, more in ((0, 1, {}), (1, 2, {}), (1, 2, revoked)):
        issued.append(
            IssuanceFactory(
                badge=repeat,
                customer=customer,
                issued_on=at(DAYS[issued_on]),
                expires_on=at(DAYS[expires_on]),
                **more,
            )
        )
    return issued


@pytest.mark.parametrize("page_size", [3, 4, 20])
def test_a_call_sending_no_filter_lists_what_the_filtered_list_lists(viewer_a, held, page_size):
    pages = -(-len(held) // page_size)
    for page in range(1, pages + 1):
        query = f"?page_size={page_size}&page={page}"
        read = viewer_a.get(BADGES + query).json()
        filtered = viewer_a.get(BADGES + query + EVERY_ISSUANCE_FILTERED).json()
        assert read["results"] == filtered["results"]
        assert (read["count"], read["next"] is None) == (len(held), page == pages)
    assert viewer_a.get(f"{BADGES}?page_size={page_size}&page={pages + 1}").status_code == 404


def test_the_page_read_lists_the_display_order(viewer_a, held):
    names = [row["badge_name"] for row in viewer_a.get(BADGES).json()["results"]]
    assert names == [
        "z",
        "a-ranked",
        "a-late",
        "b-ranked",
        "off-ranked",
        "Repeat",
        "Repeat",
        "Repeat",
        "Repeat",
        "delta",
        "Echo",
    ]


@pytest.mark.parametrize(
    ("params", "alone"),
    [
        ({}, True),
        ({"page": "2", "page_size": "50"}, True),
        ({"unknown": "x"}, True),  # not a filter: ignored, as the filters ignore it
        ({"status": "ACTIVE"}, False),
        ({"badge": "x"}, False),
        ({"group": "x"}, False),
        ({"sort_on": "name"}, False),
        ({"sort_on": "nonsense"}, False),  # the filter refuses it
    ],
)
def test_the_page_is_read_directly_only_for_a_call_sending_no_filter(params, alone):
    assert CustomerBadgeFilter.display_order_alone(params) is alone


def test_a_refused_sort_still_answers_400(viewer_a, held):
    response = viewer_a.get(BADGES + "?sort_on=nonsense")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "sort_on"


def test_a_page_read_with_its_count_finds_them_once(customer, held, django_assert_num_queries):
    pages = customer_selectors.CustomerBadgePages(customer=customer)
    paginator = KeysFirstPaginator(pages, 4)
    with django_assert_num_queries(2):
        page = paginator.page("3")
        assert paginator.count == 11 and paginator.num_pages == 3
        # Each issuance holds its badge and the badge's group (none for a badge without one).
        assert [(i.badge.name, i.badge.group) for i in page] == [
            ("Repeat", None),
            ("delta", None),
            ("Echo", None),
        ]
    assert page[0].badge.rank == 1 and page[1].badge.expires_on == at("2026-11-01T00:00:00Z")
    with pytest.raises(EmptyPage):
        KeysFirstPaginator(pages, 4).page(4)
    with pytest.raises(EmptyPage):
        KeysFirstPaginator(pages, 4).page(0)
    with pytest.raises(PageNotAnInteger):
        KeysFirstPaginator(pages, 4).page("two")


def test_the_page_holds_each_badges_group_as_read(customer, held):
    first = KeysFirstPaginator(customer_selectors.CustomerBadgePages(customer=customer), 5).page(1)
    groups = [(i.badge.name, i.badge.group.name, i.badge.group.is_active) for i in first[:5]]
    assert groups == [
        ("z", "Zeta", True),
        ("a-ranked", "alpha", True),
        ("a-late", "alpha", True),
        ("b-ranked", "Beta", True),
        ("off-ranked", "Off", False),
    ]


def test_a_page_no_database_can_skip_to_is_not_found(viewer_a, held):
    past = LAST_OFFSET // 50 + 2  # its offset, (past - 1) * 50, passes LAST_OFFSET
    assert viewer_a.get(f"{BADGES}?page={past}").status_code == 404


def test_a_customer_holding_nothing_has_one_empty_page(org_a):
    nobody = CustomerFactory(org=org_a, customer_id="c-none")
    pages = customer_selectors.CustomerBadgePages(customer=nobody)
    page = KeysFirstPaginator(pages, 3).page(1)
    assert list(page) == [] and page.paginator.count == 0


@pytest.mark.postgres
def test_the_page_and_its_count_go_in_one_pipeline_on_postgresql(viewer_a, held):
    with statements_sent() as piped:
        viewer_a.get(BADGES + "?page=2&page_size=3")
    # The caller and the customer, then the count and the page together, then what the
    # badges show together.
    assert [together for together, _ in piped[:2]] == [False, False]
    assert piped[2:4] == [(True, "COUNT(*)"), (True, '"badges_issuance"."id",')]
    assert all(together for together, _ in piped[4:])
