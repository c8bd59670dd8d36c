"""An API call resolves its caller (token, user, membership and org) in one statement, and tells
the cases that statement can't answer apart as before: an unknown token or an inactive user
(401), a user in no org (403), an org the user is not in (404), several orgs and none named
(400)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from badges.models import Role
from tests.factories import MembershipFactory, TokenFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/org/"


def client_of(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {TokenFactory(user=user).key}")
    return client


def test_a_members_caller_is_one_statement(org_a):
    client = client_of(MembershipFactory(org=org_a, role=Role.VIEWER).user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(URL)
    assert response.json()["slug"] == "brand-a"
    assert len(queries.captured_queries) == 1


def test_x_org_names_the_org_by_slug_or_by_id(org_a, org_b):
    membership = MembershipFactory(org=org_a, role=Role.VIEWER)
    MembershipFactory(org=org_b, user=membership.user, role=Role.VIEWER)
    client = client_of(membership.user)
    assert client.get(URL, HTTP_X_ORG="brand-b").json()["slug"] == "brand-b"
    assert client.get(URL, HTTP_X_ORG=str(org_a.pk)).json()["slug"] == "brand-a"
    response = client.get(URL)
    assert (response.status_code, response.json()["code"]) == (400, "ORG_REQUIRED")


def test_an_org_slug_that_looks_like_another_orgs_id_names_the_slug(org_a, org_b):
    org_b.slug = str(org_a.pk)
    org_b.save()
    membership = MembershipFactory(org=org_a, role=Role.VIEWER)
    MembershipFactory(org=org_b, user=membership.user, role=Role.VIEWER)
    assert client_of(membership.user).get(URL, HTTP_X_ORG=str(org_a.pk)).json()["slug"] == str(
        org_a.pk
    )


def test_an_unknown_token_or_an_inactive_user_is_not_authenticated(org_a):
    membership = MembershipFactory(org=org_a, role=Role.VIEWER)
    stranger = APIClient()
    stranger.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    assert stranger.get(URL).status_code == 401
    client = client_of(membership.user)
    membership.user.is_active = False
    membership.user.save()
    assert client.get(URL).status_code == 401


def test_a_user_in_no_org_is_refused_and_another_org_is_not_found(org_a, org_b):
    assert client_of(UserFactory()).get(URL).status_code == 403
    membership = MembershipFactory(org=org_a, role=Role.VIEWER)
    assert client_of(membership.user).get(URL, HTTP_X_ORG="brand-b").status_code == 404
