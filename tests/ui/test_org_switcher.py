"""A page acts in one org: the user's only org, or the one chosen in the switcher. A user in
several orgs chooses first; an org the user is not in can't be chosen."""

import pytest
from django.test import Client

from badges.models import Role
from tests.factories import BadgeFactory, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_orgs(org_a, org_b):
    user = UserFactory()
    MembershipFactory(user=user, org=org_a, role=Role.EDITOR)
    MembershipFactory(user=user, org=org_b, role=Role.VIEWER)
    client = Client()
    client.force_login(user)
    BadgeFactory(org=org_a, name="Only in A")
    BadgeFactory(org=org_b, name="Only in B")
    return client


def test_a_user_in_several_orgs_chooses_first(two_orgs):
    response = two_orgs.get("/badges/ui/?status=live")
    assert response.status_code == 302
    assert response["Location"] == "/org/?next=%2Fbadges%2Fui%2F%3Fstatus%3Dlive"
    page = two_orgs.get(response["Location"]).content.decode()
    assert "Brand A" in page and "Brand B" in page


def test_the_chosen_org_is_the_one_every_page_acts_in(two_orgs):
    response = two_orgs.post("/org/", {"org": "brand-b", "next": "/badges/ui/"})
    assert response["Location"] == "/badges/ui/"
    page = two_orgs.get("/badges/ui/").content.decode()
    assert "Only in B" in page and "Only in A" not in page
    assert "Deactivate" not in page  # a viewer in B
    two_orgs.post("/org/", {"org": "brand-a"})
    page = two_orgs.get("/badges/ui/").content.decode()
    assert "Only in A" in page and "Deactivate" in page  # an editor in A


def test_an_org_the_user_is_not_in_cant_be_chosen(two_orgs):
    OrganizationFactory(slug="brand-c")
    assert two_orgs.post("/org/", {"org": "brand-c"}).status_code == 404
    assert two_orgs.get("/badges/ui/").status_code == 302  # still to choose


def test_a_user_in_one_org_acts_in_it_directly(editor_page):
    assert editor_page.get("/badges/ui/").status_code == 200


def test_a_user_in_no_org_is_refused(client):
    client.force_login(UserFactory())
    assert client.get("/badges/ui/").status_code == 403
