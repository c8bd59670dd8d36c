"""The group and custom field pages in Chromium: create, edit, disable, enable and delete a
group (its confirmations counting the badges that lose their group), create, edit and disable
a custom field, refused submissions showing the API's codes, and a viewer who sees no write
control and is refused a write page; every page and state checked by
``Watched.assert_healthy``. Writes the README's screenshots of both lists."""

import pytest
from playwright.sync_api import expect

from badges.models import Role
from customfields.models import CustomField
from customfields.values import DataType
from groups.models import BadgeGroup
from tests.browser.ui import PASSWORD, Watched, member
from tests.factories import (
    BadgeFactory,
    BadgeGroupFactory,
    CustomFieldFactory,
    OrganizationFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def brand(db):
    org = OrganizationFactory(name="Acme Rewards", slug="acme", timezone="Europe/Amsterdam")
    member(org, Role.EDITOR, "maria")
    member(org, Role.VIEWER, "victor")
    return org


def click_to_page(page, locator):
    with page.expect_navigation():
        locator.click()


def test_a_group_created_edited_disabled_enabled_and_deleted(page, live_server, brand):
    ui = Watched(page, live_server.url)
    ui.sign_in("maria", PASSWORD, "/groups/ui/")
    expect(page.get_by_text("No groups yet.")).to_be_visible()
    ui.assert_healthy("groups, none yet")

    click_to_page(page, page.get_by_role("link", name="New group"))
    expect(page.get_by_label("Name")).to_be_focused()
    ui.assert_healthy("new group form")
    page.get_by_label("Name").fill("Monthly challenges")
    page.get_by_label("Rank").fill("2")
    click_to_page(page, page.get_by_role("button", name="Create group"))
    expect(page.get_by_role("status")).to_contain_text("“Monthly challenges” is saved.")
    ui.assert_healthy("group created")

    # The same name again (ignoring case) is the API's refusal, on the name.
    click_to_page(page, page.get_by_role("link", name="New group"))
    page.get_by_label("Name").fill("monthly CHALLENGES")
    page.get_by_label("Rank").fill("1")
    with page.expect_navigation() as refused:
        page.get_by_role("button", name="Create group").click()
    assert refused.value.status == 400
    expect(page.locator("#err-name")).to_contain_text(
        "An active group named 'monthly CHALLENGES' already exists. (GROUP_NAME_TAKEN)"
    )
    expect(page.locator("#form-errors")).to_be_focused()
    ui.assert_healthy("group refused")
    assert BadgeGroup.objects.filter(org=brand).count() == 1
    page.get_by_label("Name").fill("Weekly streaks")
    click_to_page(page, page.get_by_role("button", name="Create group"))

    click_to_page(page, page.get_by_role("link", name="Edit Monthly challenges"))
    expect(page.get_by_label("Name")).to_have_value("Monthly challenges")
    ui.assert_healthy("group edit form")
    page.get_by_label("Rank").fill("3")
    click_to_page(page, page.get_by_role("button", name="Save group"))
    monthly = BadgeGroup.objects.get(name="Monthly challenges")
    assert monthly.rank == 3
    rows = page.locator("#groups tbody th")
    expect(rows).to_have_text(["Weekly streaks", "Monthly challenges"])

    for name in ("Gold Shopper", "Night Owl", "Trail Blazer"):
        BadgeFactory(org=brand, name=name, group=monthly)
    seasonal = BadgeGroupFactory(org=brand, name="Seasonal", rank=5, is_active=False)
    BadgeFactory(org=brand, group=seasonal)
    welcome = BadgeGroupFactory(org=brand, name="Welcome", rank=0)
    BadgeFactory.create_batch(2, org=brand, group=welcome)

    page.reload()
    click_to_page(page, page.get_by_role("link", name="Disable Monthly challenges"))
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Disable the group “Monthly challenges”?"
    )
    expect(page.get_by_role("main")).to_contain_text(
        "3 badges will count as having no group while it is disabled."
    )
    expect(page.get_by_role("button", name="Disable group")).to_be_focused()
    ui.assert_healthy("disable confirmation")
    click_to_page(page, page.get_by_role("button", name="Disable group"))
    assert not BadgeGroup.objects.get(pk=monthly.pk).is_active
    ui.open("/groups/ui/")
    expect(page.locator(f"#group-{monthly.pk}")).to_contain_text("Disabled")
    ui.assert_healthy("group disabled")

    click_to_page(page, page.get_by_role("link", name="Enable Monthly challenges"))
    expect(page.get_by_role("main")).to_contain_text("3 badges will be shown in this group again")
    ui.assert_healthy("enable confirmation")
    click_to_page(page, page.get_by_role("button", name="Enable group"))
    assert BadgeGroup.objects.get(pk=monthly.pk).is_active
    ui.open("/groups/ui/")
    ui.screenshot("groups")

    click_to_page(page, page.get_by_role("link", name="Delete Monthly challenges"))
    expect(page.get_by_role("main")).to_contain_text("3 badges will have no group.")
    ui.assert_healthy("delete confirmation")
    click_to_page(page, page.get_by_role("button", name="Delete group"))
    expect(page.get_by_role("status")).to_contain_text(
        "“Monthly challenges” is deleted; 3 badges have no group now."
    )
    expect(rows).to_have_text(["Welcome", "Weekly streaks", "Seasonal"])
    assert not BadgeGroup.objects.filter(pk=monthly.pk).exists()
    ui.assert_healthy("group deleted")


def test_a_custom_field_created_edited_and_disabled(page, live_server, brand):
    ui = Watched(page, live_server.url)
    ui.sign_in("maria", PASSWORD, "/custom-fields/ui/")
    expect(page.get_by_text("No active custom fields.")).to_be_visible()
    ui.assert_healthy("fields, none yet")

    click_to_page(page, page.get_by_role("link", name="New custom field"))
    ui.assert_healthy("new field form")
    default = page.get_by_label("Default value")
    expect(default).to_have_count(4)  # one per data type, the chosen type's shown
    expect(page.get_by_role("textbox", name="Default value")).to_be_visible()
    page.get_by_label("Name").fill("Store tier")
    page.get_by_label("Integer").check()
    number = page.get_by_role("spinbutton", name="Default value")
    expect(number).to_be_visible()
    expect(page.get_by_role("textbox", name="Default value")).to_have_count(0)
    ui.assert_healthy("new field form, integer chosen")
    number.fill("1.5")
    page.get_by_label("Mandatory").check()
    with page.expect_navigation() as refused:
        page.get_by_role("button", name="Create field").click()
    assert refused.value.status == 400
    expect(page.locator("#err-default_value__INTEGER")).to_have_text(
        "An INTEGER value is a whole number. (CUSTOM_FIELD_VALUE_INVALID)"
    )
    expect(page.get_by_label("Integer")).to_be_checked()
    ui.assert_healthy("field refused")
    assert not CustomField.objects.exists()
    page.get_by_role("spinbutton", name="Default value").fill("2")
    click_to_page(page, page.get_by_role("button", name="Create field"))
    expect(page.get_by_role("status")).to_contain_text("“Store tier” is saved.")
    tier = CustomField.objects.get(name="Store tier")
    assert (tier.data_type, tier.default_value, tier.is_mandatory) == ("INTEGER", "2", True)

    click_to_page(page, page.get_by_role("link", name="New custom field"))
    page.get_by_label("Name").fill("Vegan friendly")
    page.get_by_label("Boolean").check()
    page.get_by_role("combobox", name="Default value").select_option(label="Yes")
    click_to_page(page, page.get_by_role("button", name="Create field"))
    assert CustomField.objects.get(name="Vegan friendly").default_value == "true"

    click_to_page(page, page.get_by_role("link", name="Edit Store tier"))
    expect(page.locator("#data-type")).to_have_text("Integer")
    expect(page.locator("input[name=data_type]")).to_have_count(0)
    ui.assert_healthy("field edit form")
    page.get_by_label("Name").fill("Store level")
    page.get_by_role("spinbutton", name="Default value").fill("3")
    click_to_page(page, page.get_by_role("button", name="Save field"))
    tier.refresh_from_db()
    assert (tier.name, tier.default_value, tier.data_type) == ("Store level", "3", "INTEGER")

    CustomFieldFactory(org=brand, name="Valid in", default_value="Stores only")
    CustomFieldFactory(org=brand, name="Launch date", data_type=DataType.DATE)
    CustomFieldFactory(org=brand, name="Legacy code", is_active=False)
    page.reload()
    click_to_page(page, page.get_by_role("link", name="Disable Store level"))
    main = page.get_by_role("main")
    expect(main).to_contain_text("A disabled field can never be enabled again.")
    expect(main).to_contain_text("Its values stop appearing on badges")
    ui.assert_healthy("field disable confirmation")
    click_to_page(page, page.get_by_role("button", name="Disable for good"))
    assert not CustomField.objects.get(pk=tier.pk).is_active
    disabled = page.locator("#disabled-fields tbody")
    expect(disabled.locator("th")).to_have_text(["Legacy code", "Store level"])
    expect(disabled.get_by_role("link")).to_have_count(0)
    expect(page.locator("#active-fields tbody th")).to_have_text(
        ["Launch date", "Valid in", "Vegan friendly"]
    )
    ui.assert_healthy("field disabled")
    ui.open("/custom-fields/ui/")
    ui.screenshot("custom-fields")


def test_a_viewer_sees_no_write_control_and_is_refused_a_write_page(page, live_server, brand):
    group = BadgeGroupFactory(org=brand, name="Monthly challenges")
    CustomFieldFactory(org=brand, name="Store tier")
    ui = Watched(page, live_server.url)
    ui.sign_in("victor", PASSWORD, "/groups/ui/")
    expect(page.locator("#groups tbody th")).to_have_text(["Monthly challenges"])
    main = page.get_by_role("main")
    expect(main.get_by_role("link", name="New group")).to_have_count(0)
    expect(main.get_by_role("link", name="Edit Monthly challenges")).to_have_count(0)
    expect(main.get_by_role("link", name="Delete Monthly challenges")).to_have_count(0)
    ui.assert_healthy("groups, viewer")
    ui.open("/custom-fields/ui/")
    expect(page.locator("#active-fields tbody th")).to_have_text(["Store tier"])
    expect(main.get_by_role("link")).to_have_count(0)
    ui.assert_healthy("fields, viewer")

    ui.open(f"/groups/ui/{group.pk}/delete/", status=403)
    expect(page.get_by_role("heading", level=1)).to_have_text("You can't do that here")
    ui.assert_healthy("write page refused")
    assert BadgeGroup.objects.filter(pk=group.pk).exists()
