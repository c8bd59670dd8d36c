"""The browsable API renders every resource for a signed-in member, titled with the resource's
name, and offers no OPTIONS (the OpenAPI schema describes every route)."""

import pytest
from rest_framework.test import APIClient

from badges.models import Role
from tests.factories import BadgeFactory, MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def browser(org_a):
    client = APIClient()
    client.force_login(MembershipFactory(org=org_a, role=Role.ADMIN).user)
    return client


def test_each_resource_renders_in_the_browsable_api_under_its_own_name(browser, org_a):
    badge = BadgeFactory(org=org_a)
    pages = {
        "/api/v1/badges/": "Badge List",
        f"/api/v1/badges/{badge.pk}/": "Badge Instance",
        "/api/v1/customers/": "Customer List",
        "/api/v1/groups/": "Group List",
        "/api/v1/custom-fields/": "Custom Field List",
        "/api/v1/org/": "Org",
    }
    for url, title in pages.items():
        response = browser.get(url, HTTP_ACCEPT="text/html")
        assert response.status_code == 200, url
        assert f"<title>{title} \u2013 Django REST framework</title>" in response.content.decode()


def test_options_is_not_offered(browser):
    response = browser.options("/api/v1/badges/")
    assert (response.status_code, response.json()["code"]) == (405, "METHOD_NOT_ALLOWED")
