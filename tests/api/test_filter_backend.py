"""The list filter backend builds a form of the filters a call sends, and none for a call that
sends none: what the whole form would give, without building and cleaning the rest."""

import pytest
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from badges.filters import BadgeFilter
from badges.models import Badge
from badges_project.api.filtering import FilterBackend
from tests.factories import BadgeFactory

pytestmark = pytest.mark.django_db


class BadgeListView:
    filterset_class = BadgeFilter


def call(query: str) -> Request:
    return Request(APIRequestFactory().get(f"/api/v1/badges/{query}"))


def test_the_form_holds_only_the_filters_sent():
    filterset = FilterBackend().get_filterset(
        call("?ordering=name&status=live"), Badge.objects.all(), BadgeListView()
    )
    assert set(filterset.filters) == {"ordering", "status"}
    assert set(filterset.form.fields) == {"ordering", "status"}


def test_a_call_sending_no_filter_gets_the_list_as_it_is():
    badges = Badge.objects.all()
    assert FilterBackend().filter_queryset(call("?page=2"), badges, BadgeListView()) is badges


def test_filters_not_sent_change_nothing_in_what_is_sent(org_a):
    for name in ("b", "a", "c"):
        BadgeFactory(org=org_a, name=name)
    found = FilterBackend().filter_queryset(
        call("?ordering=-name"), Badge.objects.filter(org=org_a), BadgeListView()
    )
    assert [b.name for b in found] == ["c", "b", "a"]


def test_only_the_filters_sent_are_copied_from_a_filterset_made_once_for_them():
    """django-filter deep-copies a filterset's filters on every call: the filterset a call
    gets holds the filters it sends alone, its class made once per set of names sent."""
    view, badges = BadgeListView(), Badge.objects.all()
    first = FilterBackend().get_filterset(call("?status=live&ordering=name"), badges, view)
    again = FilterBackend().get_filterset(call("?ordering=-name&status=paused"), badges, view)
    assert isinstance(first, BadgeFilter)
    assert set(type(first).base_filters) == {"ordering", "status"}
    assert type(again) is type(first)
