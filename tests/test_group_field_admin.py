"""Admin for groups and custom fields: pages load and writes go through the services."""

import pytest

from customfields.models import CustomField
from groups.models import BadgeGroup
from tests.factories import (
    BadgeFactory,
    BadgeFieldValueFactory,
    BadgeGroupFactory,
    CustomFieldFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    client.force_login(UserFactory(username="operator", is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize("page", ["/admin/groups/badgegroup/", "/admin/customfields/customfield/"])
def test_changelists_load(operator, page):
    BadgeGroupFactory()
    CustomFieldFactory()
    assert operator.get(page).status_code == 200


def test_badge_page_shows_group_rank_and_custom_field_values(operator):
    group = BadgeGroupFactory(name="Limited Edition")
    badge = BadgeFactory(org=group.org, group=group, rank=2)
    BadgeFieldValueFactory(badge=badge, value="Stores only")
    page = operator.get(f"/admin/badges/badge/{badge.pk}/change/").content.decode()
    assert "Limited Edition" in page
    assert "Stores only" in page


def test_group_admin_writes_through_the_service(operator):
    org = OrganizationFactory()
    BadgeGroupFactory(org=org, name="Monthly")
    response = operator.post(
        "/admin/groups/badgegroup/add/",
        {"org": org.pk, "name": "monthly", "rank": 1, "is_active": "on"},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"] == [
        "An active group named 'monthly' already exists."
    ]
    response = operator.post(
        "/admin/groups/badgegroup/add/",
        {"org": org.pk, "name": "Workout", "rank": 2, "is_active": "on"},
    )
    assert response.status_code == 302
    group = BadgeGroup.objects.get(name="Workout")
    badge = BadgeFactory(org=org, group=group)
    response = operator.post(f"/admin/groups/badgegroup/{group.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    badge.refresh_from_db()
    assert badge.group is None


def test_custom_field_admin_writes_through_the_service(operator):
    org = OrganizationFactory()
    url = "/admin/customfields/customfield/add/"
    form = {"org": org.pk, "name": "Exclusive", "data_type": "BOOLEAN", "is_active": "on"}
    response = operator.post(url, {**form, "is_mandatory": "on"})
    assert response.context["adminform"].form.errors["default_value"] == [
        "A mandatory custom field needs a default value."
    ]
    response = operator.post(url, {**form, "is_mandatory": "on", "default_value": "True"})
    assert response.status_code == 302
    field = CustomField.objects.get()
    assert (field.is_mandatory, field.default_value) == (True, "true")
    change = f"/admin/customfields/customfield/{field.pk}/change/"
    response = operator.post(
        change, {"name": "Exclusive", "is_mandatory": "on", "default_value": "maybe"}
    )
    assert response.context["adminform"].form.errors["default_value"] == [
        "A BOOLEAN value is true or false."
    ]
    assert operator.post(change, {"name": "Exclusive", "default_value": "false"}).status_code == 302
    field.refresh_from_db()
    assert (field.is_active, field.default_value) == (False, "false")
