"""Create and edit forms write through the API's services: every field the API takes, the
services' refusals shown next to the fields they name with the API's message and code, and an
edit that changes nothing writes nothing."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from badges.models import Badge, BadgeChange, BadgeOwner, LimitScope, Module
from customfields.values import DataType
from tests.factories import (
    BadgeBenefitFactory,
    BadgeFactory,
    BadgeFieldValueFactory,
    BadgeGroupFactory,
    CustomFieldFactory,
    FixedWindowConfigFactory,
    RollingLimitFactory,
)
from tests.ui.pages import form_values

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def local(org, moment) -> str:
    return moment.astimezone(org.tzinfo).strftime("%Y-%m-%dT%H:%M")


def create_data(org, **changes) -> dict:
    data = {
        "name": "Gold Shopper",
        "description": "Spend 500 in a month.",
        "start_on": local(org, NOW + timedelta(days=1)),
        "expires_on": local(org, NOW + timedelta(days=60)),
        "issue_type": "ENROL_ISSUE",
        "enrolment_expiry__type": "RELATIVE",
        "enrolment_expiry__value": "2",
        "enrolment_expiry__unit": "WEEKS",
        "issue_expiry__type": "RELATIVE",
        "issue_expiry__value": "1",
        "issue_expiry__unit": "MONTHS",
        "owners": ["LOYALTY", "CAMPAIGNS"],
        "customer_limit__overall": "3",
        "customer_limit__rolling__0__limit": "1",
        "customer_limit__rolling__0__value": "7",
        "customer_limit__rolling__0__unit": "DAYS",
        "badge_limit__overall": "100000",
        "badge_limit__fixed_window__max_earn_limit": "500",
        "badge_limit__fixed_window__duration_type": "WEEKS",
        "badge_limit__fixed_window__refresh_rate": "1",
        "badge_limit__fixed_window__week_start_day": "MONDAY",
        "benefits__0__type": "POINTS",
        "benefits__0__reference_id": "P-500",
        "benefits__0__name": "500 points",
        "benefits__0__details": '{"earn": "on issue"}',
        "rank": "2",
    }
    data.update(changes)
    return data


@time_machine.travel(NOW, tick=False)
def test_creating_writes_every_field_the_form_takes(editor_page, org_a):
    group = BadgeGroupFactory(org=org_a)
    field = CustomFieldFactory(org=org_a, name="Tier", data_type=DataType.INTEGER)
    data = create_data(org_a, group=str(group.pk), **{f"cf__{field.pk}": "3"})
    response = editor_page.post("/badges/ui/new/", data)
    badge = Badge.objects.get(name="Gold Shopper")
    assert response.status_code == 302 and response["Location"] == f"/badges/ui/{badge.pk}/"
    assert badge.start_on == NOW + timedelta(days=1) - timedelta(seconds=NOW.second)
    assert badge.enrolment_expiry.value == 2 and badge.issue_expiry.unit == "MONTHS"
    assert sorted(o.module for o in badge.owners.all()) == ["CAMPAIGNS", "LOYALTY"]
    customer = badge.limit_set(LimitScope.CUSTOMER, NOW)
    assert customer.overall == 3 and customer.rolling[0].value == 7
    fixed = badge.limit_set(LimitScope.BADGE, NOW).fixed_window
    assert (fixed.max_earn_limit, fixed.duration_type, fixed.week_start_day) == (
        500,
        "WEEKS",
        "MONDAY",
    )
    assert badge.benefits.get().details == {"earn": "on issue"}
    assert badge.group == group and badge.rank == 2
    assert badge.custom_field_values.get().value == "3"
    assert badge.created_by == editor_page.user


@time_machine.travel(NOW, tick=False)
def test_refusals_are_shown_next_to_their_fields_and_nothing_is_written(editor_page, org_a):
    BadgeFactory(org=org_a, name="Gold Shopper")
    data = create_data(
        org_a,
        start_on=local(org_a, NOW - timedelta(hours=1)),
        owners=[],
        customer_limit__rolling__0__limit="0",
    )
    response = editor_page.post("/badges/ui/new/", data)
    assert response.status_code == 400
    form = response.context["form"]
    assert form.errors["name"] == [
        "A badge named 'Gold Shopper' already exists. (BADGE_NAME_TAKEN)"
    ]
    assert form.errors["start_on"] == ["The start must be in the future. (START_ON_NOT_IN_FUTURE)"]
    assert "(OWNER_REQUIRED)" in form.errors["owners"][0]
    assert "(LIMIT_INVALID)" in form.errors["customer_limit__rolling__0__limit"][0]
    text = response.content.decode()
    assert 'aria-describedby="err-start_on"' in text and 'aria-invalid="true"' in text
    assert Badge.objects.filter(org=org_a).count() == 1


def test_a_benefit_row_filled_in_part_is_refused_on_its_row(editor_page, org_a):
    """As the API's serializer requires a benefit's type, reference and name."""
    response = editor_page.post("/badges/ui/new/", create_data(org_a, benefits__3__type="COUPON"))
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert (
        errors["benefits__3__reference_id"]
        == errors["benefits__3__name"]
        == ["This field is required."]
    )
    assert not Badge.objects.exists()


@pytest.fixture
def live_badge(org_a):
    start = timezone.now().replace(microsecond=123456) - timedelta(days=1, seconds=17)
    badge = BadgeFactory(
        org=org_a, name="Live", start_on=start, customer_overall_limit=5, issued_for_a_day=True
    )
    RollingLimitFactory(badge=badge, scope=LimitScope.CUSTOMER, limit=2, value=3, unit="DAYS")
    FixedWindowConfigFactory(badge=badge, scope=LimitScope.BADGE)
    BadgeBenefitFactory(badge=badge, details={"series": "S1"})
    return badge


def form_data(response) -> dict:
    """What the browser sends back for the page as rendered, untouched."""
    assert response.status_code == 200
    return form_values(response)


def test_saving_an_unchanged_edit_writes_nothing(editor_page, live_badge):
    page = editor_page.get(f"/badges/ui/{live_badge.pk}/edit/")
    assert page.status_code == 200
    changes = BadgeChange.objects.filter(badge=live_badge).count()
    revision = live_badge.revision
    response = editor_page.post(f"/badges/ui/{live_badge.pk}/edit/", form_data(page))
    assert response.status_code == 302, response.context and response.context["form"].errors
    live_badge.refresh_from_db()
    assert BadgeChange.objects.filter(badge=live_badge).count() == changes
    assert live_badge.revision == revision


def test_editing_limits_and_the_fixed_window(editor_page, live_badge):
    data = form_data(editor_page.get(f"/badges/ui/{live_badge.pk}/edit/"))
    data.update(
        {
            "customer_limit__overall": "9",
            "customer_limit__rolling__1__limit": "4",
            "customer_limit__rolling__1__value": "2",
            "customer_limit__rolling__1__unit": "WEEKS",
            "badge_limit__fixed_window__max_earn_limit": "70",
        }
    )
    response = editor_page.post(f"/badges/ui/{live_badge.pk}/edit/", data)
    assert response.status_code == 302
    now = timezone.now()
    live_badge = Badge.objects.get(pk=live_badge.pk)
    customer = live_badge.limit_set(LimitScope.CUSTOMER, now)
    assert customer.overall == 9
    assert [(w.limit, w.value, w.unit) for w in customer.rolling] == [
        (2, 3, "DAYS"),
        (4, 2, "WEEKS"),
    ]
    assert (
        Badge.objects.get(pk=live_badge.pk)
        .limit_set(LimitScope.BADGE, now)
        .fixed_window.max_earn_limit
        == 70
    )
    assert (
        live_badge.updated_by == editor_page.user
        or Badge.objects.get(pk=live_badge.pk).updated_by == editor_page.user
    )


def test_a_live_badges_start_cant_move_and_owners_only_grow(editor_page, live_badge):
    data = form_data(editor_page.get(f"/badges/ui/{live_badge.pk}/edit/"))
    data["start_on"] = local(live_badge.org, timezone.now() + timedelta(days=2))
    data["owners"] = ["JOURNEYS"]  # LOYALTY, held, is kept: its box can't be unticked
    response = editor_page.post(f"/badges/ui/{live_badge.pk}/edit/", data)
    assert response.status_code == 400
    assert "(START_ON_LOCKED)" in response.context["form"].errors["start_on"][0]
    del data["start_on"]
    data["start_on"] = form_data(editor_page.get(f"/badges/ui/{live_badge.pk}/edit/"))["start_on"]
    assert editor_page.post(f"/badges/ui/{live_badge.pk}/edit/", data).status_code == 302
    assert sorted(o.module for o in live_badge.owners.all()) == [Module.JOURNEYS, Module.LOYALTY]


def test_viewers_can_open_neither_form_for_writing(viewer_page, org_a):
    badge = BadgeFactory(org=org_a)
    assert viewer_page.get("/badges/ui/new/").status_code == 403
    assert viewer_page.get(f"/badges/ui/{badge.pk}/edit/").status_code == 403
    assert viewer_page.post("/badges/ui/new/", {}).status_code == 403
    assert viewer_page.post(f"/badges/ui/{badge.pk}/edit/", {}).status_code == 403
    assert not Badge.objects.exclude(pk=badge.pk).exists()


def test_another_orgs_badge_cant_be_edited(editor_page, org_b):
    badge = BadgeFactory(org=org_b)
    assert editor_page.get(f"/badges/ui/{badge.pk}/edit/").status_code == 404
    assert editor_page.post(f"/badges/ui/{badge.pk}/edit/", {}).status_code == 404


def unchanged_save(page, badge) -> tuple:
    """Open the edit page, send it back untouched: (response, change records added)."""
    before = BadgeChange.objects.filter(badge=badge).count()
    url = f"/badges/ui/{badge.pk}/edit/"
    response = page.post(url, form_data(page.get(url)))
    return response, BadgeChange.objects.filter(badge=badge).count() - before


def test_the_form_shows_the_orgs_wall_clock_and_an_upcoming_start_stays(editor_page, org_a):
    start = datetime(2027, 3, 1, 18, 30, tzinfo=UTC)  # 2 March, 00:00 in Asia/Kolkata
    badge = BadgeFactory(
        org=org_a,
        start_on=start,
        issue_expiry_type="FIXED_DATE",
        issue_expiry_date=start + timedelta(days=40),
    )
    page = editor_page.get(f"/badges/ui/{badge.pk}/edit/")
    assert form_values(page)["start_on"] == "2027-03-02T00:00"
    response, changes = unchanged_save(editor_page, badge)
    assert response.status_code == 302 and changes == 0
    badge.refresh_from_db()
    assert badge.start_on == start and badge.issue_expiry_date == start + timedelta(days=40)


def test_an_unchanged_save_keeps_owners_in_the_order_they_were_added(editor_page, org_a):
    badge = BadgeFactory(org=org_a)  # LOYALTY first
    BadgeOwner.objects.create(badge=badge, module=Module.CAMPAIGNS, added_on=timezone.now())
    response, changes = unchanged_save(editor_page, badge)
    assert response.status_code == 302 and changes == 0


def test_every_rolling_window_a_badge_holds_is_on_the_form(editor_page, org_a):
    badge = BadgeFactory(org=org_a)
    for value, unit in ((1, "DAYS"), (2, "DAYS"), (1, "WEEKS"), (1, "MONTHS")):
        RollingLimitFactory(badge=badge, scope=LimitScope.CUSTOMER, limit=1, value=value, unit=unit)
    values = form_values(editor_page.get(f"/badges/ui/{badge.pk}/edit/"))
    assert "customer_limit__rolling__4__limit" in values  # the four held, and one more
    response, changes = unchanged_save(editor_page, badge)
    assert response.status_code == 302 and changes == 0
    assert badge.rolling_limits.count() == 4


def test_a_description_with_line_breaks_saves_unchanged(editor_page, org_a):
    badge = BadgeFactory(org=org_a, description="Spend 500.\nIn one month.")
    response, changes = unchanged_save(editor_page, badge)
    assert response.status_code == 302 and changes == 0
    assert Badge.objects.get(pk=badge.pk).description == "Spend 500.\nIn one month."


def test_a_time_in_a_repeated_hour_saves_unchanged_and_cant_be_typed_new(editor_page, org_a):
    org_a.timezone = "Europe/London"
    org_a.save()
    start = datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # 01:30 BST; 01:30 GMT comes after it
    badge = BadgeFactory(org=org_a, start_on=start)
    response, changes = unchanged_save(editor_page, badge)
    assert response.status_code == 302 and changes == 0
    data = form_data(editor_page.get(f"/badges/ui/{badge.pk}/edit/"))
    data["expires_on"] = "2027-10-31T01:45"  # repeated: two instants
    response = editor_page.post(f"/badges/ui/{badge.pk}/edit/", data)
    assert response.status_code == 400
    assert "doesn't name one moment" in response.context["form"].errors["expires_on"][0]


@pytest.mark.parametrize(
    "details", ["[1, 2]", "5", '"text"', "true", "null", "{x", "[" * 100_000 + "]" * 100_000]
)
def test_benefit_details_are_a_json_object(editor_page, org_a, details):
    response = editor_page.post("/badges/ui/new/", create_data(org_a, benefits__0__details=details))
    assert response.status_code == 400
    assert "JSON object" in response.context["form"].errors["benefits__0__details"][0]
    assert not Badge.objects.exists()


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("details", ['{"a": NaN}', '{"a": -Infinity}', '{"a": [1e999]}'])
def test_benefit_details_the_services_refuse_are_shown_on_their_field(editor_page, org_a, details):
    response = editor_page.post("/badges/ui/new/", create_data(org_a, benefits__0__details=details))
    assert response.status_code == 400
    error = response.context["form"].errors["benefits__0__details"][0]
    assert "(BENEFIT_DETAILS_INVALID)" in error
    assert not Badge.objects.exists()


@pytest.mark.parametrize(
    "field, length", [("benefits__0__reference_id", 101), ("benefits__0__name", 201)]
)
def test_benefit_text_is_bounded_as_the_api_bounds_it(editor_page, org_a, field, length):
    response = editor_page.post("/badges/ui/new/", create_data(org_a, **{field: "x" * length}))
    assert response.status_code == 400 and field in response.context["form"].errors
    assert not Badge.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_fixed_window_given_in_part_is_judged_not_dropped(editor_page, org_a):
    data = create_data(org_a, customer_limit__fixed_window__refresh_rate="2")
    response = editor_page.post("/badges/ui/new/", data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert any("customer_limit__fixed_window" in name for name in errors)


def test_texts_a_browser_sends_back_reshaped_are_kept_as_stored(editor_page, org_a):
    """A one-line input drops line breaks, a text area sends CRLF: untouched, they're kept."""
    field = CustomFieldFactory(org=org_a, name="Note", data_type=DataType.STRING)
    empty = CustomFieldFactory(org=org_a, name="Empty", data_type=DataType.STRING)
    badge = BadgeFactory(org=org_a, name="Line\nBreak", description="lone\rCR and\r\nCRLF")
    BadgeBenefitFactory(badge=badge, name="name\nwith break", reference_id="R\n1")
    BadgeFieldValueFactory(badge=badge, field=field, value="two\nlines")
    BadgeFieldValueFactory(badge=badge, field=empty, value="")
    response, changes = unchanged_save(editor_page, badge)
    assert response.status_code == 302 and changes == 0
    badge = Badge.objects.get(pk=badge.pk)
    assert (badge.name, badge.description) == ("Line\nBreak", "lone\rCR and\r\nCRLF")
    values = {v.field_id: v.value for v in badge.custom_field_values.all()}
    assert values == {field.pk: "two\nlines", empty.pk: ""}


def test_a_time_outside_the_calendar_once_in_utc_is_refused_on_its_field(editor_page, org_a):
    """0001-01-01 00:00 in Asia/Kolkata is before the year 1 in UTC (a 500 before)."""
    response = editor_page.post("/badges/ui/new/", create_data(org_a, start_on="0001-01-01T00:00"))
    assert response.status_code == 400
    assert "between the years 1 and 9999" in response.context["form"].errors["start_on"][0]
