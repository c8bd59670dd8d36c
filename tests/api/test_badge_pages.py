"""SPEC 17 badge list: a call sending no filter but its ordering reads its page and its count
together, by statements written once (``selectors.BadgePages``), and lists exactly what the
filtered list (django-filter's ordering over the queryset) lists."""

from datetime import timedelta

import pytest
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.utils import timezone

from badges import selectors
from badges.filters import BADGE_ORDERINGS, BadgeFilter
from badges_project.paging import LAST_OFFSET, KeysFirstPaginator
from tests.factories import BadgeFactory
from tests.pipelines import statements_sent

pytestmark = pytest.mark.django_db

URL = "/api/v1/badges/"
# Sends every badge through the filters: the queryset's ordering, not the page read's.
EVERY_BADGE_FILTERED = "&is_active=true&is_active=false"


@pytest.fixture
def badges(org_a):
    """Seven badges whose every ordering field but the name (unique in an org) has ties, so
    that pages end on the id."""
    now = timezone.now()
    return [
        BadgeFactory(
            org=org_a,
            name=f"Badge {n * 3 % 7}",
            start_on=now - timedelta(days=n % 2),
            expires_on=now + timedelta(days=30 + n % 3),
            updated_on=now - timedelta(hours=n % 4),
            issued_count=n % 2,
            is_active=n != 4,
        )
        for n in range(7)
    ]


ORDERINGS = [
    "",
    *(f"&ordering={field}" for field in BADGE_ORDERINGS),
    *(f"&ordering=-{field}" for field in BADGE_ORDERINGS),
    "&ordering=-issued_count,name",
    "&ordering=name,-start_on,created_on",
    "&ordering=expires_on&ordering=-name",
]


@pytest.mark.parametrize("ordering", ORDERINGS)
def test_a_list_sent_only_its_ordering_lists_what_the_filtered_list_lists(
    viewer_a, badges, ordering
):
    for page in (1, 2, 3):
        query = f"?page_size=3&page={page}{ordering}"
        read = viewer_a.get(URL + query).json()
        filtered = viewer_a.get(URL + query + EVERY_BADGE_FILTERED).json()
        assert read["results"] == filtered["results"]
        assert (read["count"], read["next"] is None) == (7, page == 3)
    assert viewer_a.get(f"{URL}?page=4&page_size=3{ordering}").status_code == 404


@pytest.mark.parametrize(
    ("params", "read"),
    [
        ({}, ("-updated_on", "id")),
        ({"ordering": "name"}, ("name", "id")),
        ({"ordering": "-issued_count,name"}, ("-issued_count", "name", "id")),
        ({"ordering": "name", "page": "2", "page_size": "9"}, ("name", "id")),
        ({"ordering": "name", "search": "gold"}, None),
        ({"status": "live"}, None),
        ({"ordering": "id"}, None),  # not a choice: the filter refuses it
        ({"ordering": "name,"}, None),
        ({"ordering": "name,-name"}, None),  # a field twice: the filter decides
    ],
)
def test_the_page_is_read_directly_only_for_an_ordering_of_choices_alone(params, read):
    assert BadgeFilter.ordering_alone(params) == read


def test_a_refused_ordering_still_answers_400(viewer_a, badges):
    response = viewer_a.get(URL + "?ordering=id")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "ordering"


def test_a_page_read_with_its_count_finds_them_once(org_a, badges, django_assert_num_queries):
    pages = selectors.BadgePages(org=org_a, ordering=("name", "id"))
    paginator = KeysFirstPaginator(pages, 3)
    with django_assert_num_queries(2):
        page = paginator.page("3")
        assert paginator.count == 7 and paginator.num_pages == 3
    expected = sorted(badges, key=lambda b: (b.name, b.pk))
    assert [b.pk for b in page] == [b.pk for b in expected[6:]]
    assert all(b.org is org_a for b in page)
    with pytest.raises(EmptyPage):
        KeysFirstPaginator(pages, 3).page(4)
    with pytest.raises(EmptyPage):
        KeysFirstPaginator(pages, 3).page(0)
    with pytest.raises(PageNotAnInteger):
        KeysFirstPaginator(pages, 3).page("two")


def test_a_page_past_the_last_offset_a_database_takes_is_empty_without_a_read(
    org_a, badges, django_assert_num_queries
):
    """LIMIT and OFFSET are 64-bit: the last page they reach is read (and empty); the next
    one is refused before any statement, which the database would refuse."""
    pages = selectors.BadgePages(org=org_a, ordering=("name", "id"))
    last = LAST_OFFSET // 7  # offset + limit == LAST_OFFSET: 7 divides 2**63 - 1
    with django_assert_num_queries(2), pytest.raises(EmptyPage):
        KeysFirstPaginator(pages, 7).page(str(last))
    with django_assert_num_queries(0), pytest.raises(EmptyPage):
        KeysFirstPaginator(pages, 7).page(str(last + 1))


def test_a_page_no_database_can_skip_to_is_not_found(viewer_a, badges):
    past = LAST_OFFSET // 50 + 2  # its offset, (past - 1) * 50, passes LAST_OFFSET
    assert viewer_a.get(f"{URL}?page={past}").status_code == 404


def test_an_org_without_badges_has_one_empty_page(org_a):
    page = KeysFirstPaginator(selectors.BadgePages(org=org_a, ordering=("id",)), 3).page(1)
    assert list(page) == [] and page.paginator.count == 0


@pytest.mark.postgres
def test_the_page_and_its_count_go_in_one_pipeline_on_postgresql(viewer_a, badges):
    with statements_sent() as piped:
        viewer_a.get(URL + "?ordering=name&page=2&page_size=3")
    # The caller, then the count and the page together, then what the badges show together.
    assert piped[1:3] == [(True, "COUNT(*)"), (True, '"id",')]
    assert not piped[0][0] and all(together for together, _ in piped[3:])
