"""The custom field pages write through the API's services: create with a default value typed
per data type, edit name, default and mandatory but never the data type, the services'
refusals on the inputs (the API's messages and codes, 400, nothing written), disable for good
behind a confirmation and never enable again, viewers refused every write page, another org's
fields not found, and a list read in constant queries."""

from html import escape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customfields.models import CustomField
from customfields.values import DataType
from tests.factories import CustomFieldFactory

pytestmark = pytest.mark.django_db

LIST = "/custom-fields/ui/"
NEW = "/custom-fields/ui/new/"


def text(response) -> str:
    return response.content.decode()


def main(response) -> str:
    """The page's own part, after the header's controls (its sign-out button among them)."""
    return text(response).split('id="main"', 1)[1]


def assert_shows_the_apis_errors(page, api_answer) -> None:
    """Each of the API's errors for the same input, message and code, is on the page."""
    assert api_answer.status_code == 400
    for error in api_answer.json()["errors"]:
        assert escape(f"{error['message']} ({error['code']})") in text(page), error


def new_field(data_type=DataType.STRING, default="", **changes) -> dict:
    data = {"name": "Store", "data_type": data_type, f"default_value__{data_type}": default}
    return data | changes


def test_the_list_shows_active_fields_and_disabled_ones_apart(editor_page, org_a):
    CustomFieldFactory(org=org_a, name="Vegan", data_type=DataType.BOOLEAN, default_value="true")
    CustomFieldFactory(
        org=org_a, name="Points", data_type=DataType.INTEGER, is_mandatory=True, default_value="5"
    )
    CustomFieldFactory(org=org_a, name="Old", is_active=False)
    response = editor_page.get(LIST)
    assert response.status_code == 200
    assert [f.name for f in response.context["active"]] == ["Points", "Vegan"]
    assert [f.name for f in response.context["disabled"]] == ["Old"]
    page = main(response)
    assert page.index("Points") < page.index("Vegan") < page.index("Disabled fields")
    assert page.index("Disabled fields") < page.index("Old")
    assert "Mandatory" in page and "Integer" in page and "Yes" in page
    assert "Enable" not in page and page.count("/disable/") == 2  # none for "Old"


def test_an_org_without_fields_sees_the_empty_state(editor_page, viewer_page):
    page = text(editor_page.get(LIST))
    assert "No active custom fields." in page and "Create a field, then set its value" in page
    page = text(viewer_page.get(LIST))
    assert "No active custom fields." in page and "An editor can create custom fields." in page
    assert "Create a field, then" not in page


@pytest.mark.parametrize(
    ("data_type", "typed", "stored"),
    [
        (DataType.BOOLEAN, "false", "false"),
        (DataType.INTEGER, " 42 ", "42"),
        (DataType.STRING, " in stores ", " in stores "),
        (DataType.DATE, "2026-10-01", "2026-10-01"),
    ],
)
def test_creating_a_field_reads_the_default_of_its_data_type(
    editor_page, org_a, data_type, typed, stored
):
    assert editor_page.get(NEW).status_code == 200
    data = new_field(data_type, typed, is_mandatory="on")
    response = editor_page.post(NEW, data)
    assert response.status_code == 302 and response["Location"] == LIST
    field = CustomField.objects.get(org=org_a)
    assert (field.name, field.data_type, field.is_mandatory) == ("Store", data_type, True)
    assert field.default_value == stored


def test_only_the_chosen_types_default_is_read_and_empty_is_none(editor_page, org_a):
    data = new_field(DataType.INTEGER, "", default_value__STRING="left over")
    assert editor_page.post(NEW, data).status_code == 302
    assert CustomField.objects.get(org=org_a).default_value is None


def test_the_new_field_form_offers_an_input_fitting_each_type(editor_page):
    page = text(editor_page.get(NEW))
    assert '<select name="default_value__BOOLEAN"' in page
    assert 'type="number" name="default_value__INTEGER"' in page
    assert 'type="date" name="default_value__DATE"' in page
    assert 'type="text" name="default_value__STRING"' in page
    assert 'value="STRING" class="form-check-input" id="id_data_type_2" required checked' in page


@pytest.mark.parametrize(
    ("data_type", "typed", "sent", "code"),
    [
        (DataType.INTEGER, "1.5", "1.5", "CUSTOM_FIELD_VALUE_INVALID"),
        (
            DataType.INTEGER,
            "99999999999999999999",
            99999999999999999999,
            "CUSTOM_FIELD_VALUE_INVALID",
        ),
        (DataType.DATE, "2026-02-30", "2026-02-30", "CUSTOM_FIELD_VALUE_INVALID"),
        (DataType.BOOLEAN, "maybe", "maybe", None),  # not a choice: the form's own error
        (DataType.STRING, "x" * 1001, "x" * 1001, "CUSTOM_FIELD_VALUE_INVALID"),
        (DataType.DATE, "", None, "DEFAULT_VALUE_REQUIRED"),
    ],
)
def test_a_default_that_doesnt_fit_is_the_apis_refusal_on_its_input(
    editor_page, editor_a, org_a, data_type, typed, sent, code
):
    response = editor_page.post(NEW, new_field(data_type, typed, is_mandatory="on"))
    assert response.status_code == 400
    assert response.context["form"].errors[f"default_value__{data_type}"]
    if code:
        body = {"name": "Store", "data_type": data_type, "is_mandatory": True}
        api = editor_a.post("/api/v1/custom-fields/", body | {"default_value": sent}, format="json")
        assert api.json()["code"] == code
        assert_shows_the_apis_errors(response, api)
    assert not CustomField.objects.exists()


def test_a_taken_name_is_the_apis_refusal(editor_page, editor_a, org_a):
    CustomFieldFactory(org=org_a, name="Store")
    response = editor_page.post(NEW, new_field(name=" STORE "))
    assert response.status_code == 400 and response.context["form"].errors["name"]
    api = editor_a.post(
        "/api/v1/custom-fields/", {"name": " STORE ", "data_type": "STRING"}, format="json"
    )
    assert_shows_the_apis_errors(response, api)
    assert CustomField.objects.count() == 1


def test_editing_changes_name_default_and_mandatory(editor_page, org_a):
    field = CustomFieldFactory(org=org_a, name="Points", data_type=DataType.INTEGER)
    url = f"/custom-fields/ui/{field.pk}/edit/"
    response = editor_page.get(url)
    assert response.status_code == 200
    assert 'type="number" name="default_value"' in text(response)
    data = {"name": "Bonus points", "default_value": "-7", "is_mandatory": "on"}
    assert editor_page.post(url, data).status_code == 302
    field.refresh_from_db()
    assert (field.name, field.default_value, field.is_mandatory) == ("Bonus points", "-7", True)
    assert editor_page.post(url, {"name": "Bonus points", "default_value": "-7"}).status_code == 302
    field.refresh_from_db()
    assert not field.is_mandatory


def test_the_data_type_shows_read_only_and_a_posted_one_is_ignored(editor_page, org_a):
    field = CustomFieldFactory(org=org_a, name="Points", data_type=DataType.INTEGER)
    url = f"/custom-fields/ui/{field.pk}/edit/"
    page = main(editor_page.get(url))
    assert 'name="data_type"' not in page and "never changes" in page
    data = {"name": "Points", "default_value": "3", "data_type": "STRING"}
    assert editor_page.post(url, data).status_code == 302
    field.refresh_from_db()
    assert (field.data_type, field.default_value) == (DataType.INTEGER, "3")


def test_an_edit_refused_writes_nothing(editor_page, editor_a, org_a):
    field = CustomFieldFactory(
        org=org_a,
        name="Day",
        data_type=DataType.DATE,
        is_mandatory=True,
        default_value="2026-10-01",
    )
    url = f"/custom-fields/ui/{field.pk}/edit/"
    response = editor_page.post(url, {"name": "Renamed", "default_value": "", "is_mandatory": "on"})
    assert response.status_code == 400
    assert response.context["form"].errors["default_value"]
    api = editor_a.patch(
        f"/api/v1/custom-fields/{field.pk}/", {"default_value": None}, format="json"
    )
    assert_shows_the_apis_errors(response, api)
    field.refresh_from_db()
    assert (field.name, field.default_value) == ("Day", "2026-10-01")


@pytest.mark.parametrize("stored", ["", "two\nlines"])
def test_an_untouched_string_default_is_kept_as_stored(editor_page, org_a, stored):
    field = CustomFieldFactory(org=org_a, name="Note", is_mandatory=True, default_value=stored)
    url = f"/custom-fields/ui/{field.pk}/edit/"
    sent = stored.replace("\n", "")
    response = editor_page.post(url, {"name": "Note", "default_value": sent, "is_mandatory": "on"})
    assert response.status_code == 302
    field.refresh_from_db()
    assert field.default_value == stored


def test_disabling_asks_first_and_says_it_is_for_good(editor_page, org_a):
    field = CustomFieldFactory(org=org_a, name="Store")
    url = f"/custom-fields/ui/{field.pk}/disable/"
    response = editor_page.get(url)
    assert response.status_code == 200
    assert "can never be enabled again" in text(response)
    assert "values stop appearing on badges" in text(response)
    assert CustomField.objects.get(pk=field.pk).is_active
    response = editor_page.post(url)
    assert response.status_code == 302 and response["Location"] == LIST
    assert not CustomField.objects.get(pk=field.pk).is_active
    page = main(editor_page.get(LIST))
    assert "“Store” is disabled." in page
    assert f"/custom-fields/ui/{field.pk}/" not in page  # no action on a disabled field


def test_a_disabled_field_is_never_enabled_again(editor_page, org_a):
    field = CustomFieldFactory(org=org_a, name="Store", is_active=False)
    url = f"/custom-fields/ui/{field.pk}/edit/"
    assert editor_page.get(f"/custom-fields/ui/{field.pk}/enable/").status_code == 404
    response = editor_page.get(url)
    assert "disabled for good" in text(response) and "Save field" not in text(response)
    response = editor_page.post(url, {"name": "Store", "default_value": "", "is_active": "true"})
    assert response.status_code == 302  # nothing to change: is_active is not read
    response = editor_page.post(url, {"name": "Shop", "default_value": ""})
    assert response.status_code == 400 and "CUSTOM_FIELD_INACTIVE" in text(response)
    field.refresh_from_db()
    assert (field.name, field.is_active) == ("Store", False)
    response = editor_page.get(f"/custom-fields/ui/{field.pk}/disable/")
    assert "It is disabled already." in text(response) and "Disable for good" not in text(response)


def write_urls(field) -> list[str]:
    return [NEW] + [f"/custom-fields/ui/{field.pk}/{a}/" for a in ("edit", "disable")]


def test_viewers_see_no_write_control_and_every_write_page_is_403(viewer_page, org_a):
    field = CustomFieldFactory(org=org_a, name="Store")
    page = main(viewer_page.get(LIST))
    assert "Store" in page
    for control in ("New custom field", "/new/", "/edit/", "/disable/"):
        assert control not in page
    for url in write_urls(field):
        assert viewer_page.get(url).status_code == 403, url
        assert viewer_page.post(url, new_field(name="Taken over")).status_code == 403, url
    field.refresh_from_db()
    assert (field.name, field.is_active) == ("Store", True)


def test_another_orgs_field_is_not_found_on_every_page(editor_page, org_b):
    field = CustomFieldFactory(org=org_b, name="Theirs")
    for url in write_urls(field)[1:]:
        assert editor_page.get(url).status_code == 404, url
        assert editor_page.post(url, {"name": "Mine", "default_value": ""}).status_code == 404
    assert "Theirs" not in text(editor_page.get(LIST))
    field.refresh_from_db()
    assert (field.name, field.is_active) == ("Theirs", True)


def test_the_list_reads_in_the_same_queries_for_3_and_30_fields(editor_page, org_a):
    def add(count):
        for i in range(count):
            CustomFieldFactory(org=org_a, is_active=i % 3 != 0, default_value=str(i))

    add(3)
    with CaptureQueriesContext(connection) as few:
        assert editor_page.get(LIST).status_code == 200
    add(27)
    with CaptureQueriesContext(connection) as many:
        response = editor_page.get(LIST)
    assert len(response.context["active"]) + len(response.context["disabled"]) == 30
    assert len(many) == len(few)
