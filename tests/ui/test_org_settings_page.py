"""The org settings page: every member reads the settings, admins change them through the
org service the API uses (its refusals, messages and codes), and a webhook signing secret is
shown once, on the answer to the POST that set it, never on a read."""

import base64
import re
import sys
from datetime import timedelta
from html import unescape
from zoneinfo import available_timezones

import pytest
from django.core.signals import got_request_exception
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.views.debug import ExceptionReporter

from badges.models import Notification, NotificationAttempt, Organization, Role
from badges.services import orgs
from badges.services.issuance import IssueOrder, issue
from tests.factories import BadgeFactory
from tests.ui.conftest import signed_in
from tests.ui.pages import form_values

pytestmark = pytest.mark.django_db

PAGE = "/org/settings/"
SECRET_SET = "/org/settings/secret/"
GENERATE = "/org/settings/secret/generate/"
REMOVE = "/org/settings/secret/remove/"
SHOWN = re.compile(r'id="new-secret" value="([^"]*)"')
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>")


@pytest.fixture
def admin_page(org_a):
    return signed_in(org_a, Role.ADMIN)


def form_data(**changes) -> dict:
    sent = {
        "name": "Brand A",
        "timezone": "Asia/Kolkata",
        "retro_max_allowed_age_days": "30",
        "retro_delay_since_registration_hours": "0",
        "webhook_url": "",
    }
    return {**sent, **changes}


def stored(org) -> Organization:
    return Organization.objects.get(pk=org.pk)


def test_admin_saves_every_setting_through_the_service(admin_page, org_a, monkeypatch):
    calls = []
    update = orgs.org_update
    monkeypatch.setattr(orgs, "org_update", lambda **kw: calls.append(kw) or update(**kw))
    response = admin_page.post(
        PAGE,
        form_data(
            name="  Brand A Rewards ",
            timezone="Europe/London",
            retro_max_allowed_age_days="45",
            retro_delay_since_registration_hours="24",
            revoke_on_return="on",
            webhook_url="https://hooks.example.com/badges",
        ),
    )
    org = stored(org_a)
    assert (org.name, org.timezone) == ("Brand A Rewards", "Europe/London")
    assert (org.retro_max_allowed_age_days, org.retro_delay_since_registration_hours) == (45, 24)
    assert org.revoke_on_return and org.webhook_url == "https://hooks.example.com/badges"
    assert len(calls) == 1 and calls[0]["org"].pk == org_a.pk
    # The webhook URL was set without a secret: the one generated for it is shown this once.
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    shown = response.content.decode()
    assert "The settings are saved." in shown and org.webhook_secret in shown
    page = admin_page.get(PAGE).content.decode()
    assert 'value="Europe/London"' in page and org.webhook_secret not in page


def test_saving_settings_with_a_secret_set_shows_no_secret(admin_page, org_a):
    org_a.webhook_secret = "whsec_c2V0"
    org_a.save()
    response = admin_page.post(PAGE, form_data(webhook_url="https://hooks.example.com/b"))
    assert response.status_code == 302 and response["Location"] == PAGE
    assert stored(org_a).webhook_secret == "whsec_c2V0"


def test_an_untouched_form_saves_the_stored_settings_unchanged(admin_page, org_a):
    org_a.revoke_on_return, org_a.webhook_url = True, "https://hooks.example.com/x"
    org_a.webhook_secret = "whsec_c2V0"
    org_a.save()
    sent = form_values(admin_page.get(PAGE), "settings-form")
    sent.pop("csrfmiddlewaretoken", None)
    assert admin_page.post(PAGE, sent).status_code == 302
    org = stored(org_a)
    assert org.revoke_on_return and org.webhook_url == "https://hooks.example.com/x"
    assert (org.name, org.timezone, org.retro_max_allowed_age_days) == (
        "Brand A",
        "Asia/Kolkata",
        30,
    )


def test_unticking_revoke_on_return_turns_it_off(admin_page, org_a):
    org_a.revoke_on_return = True
    org_a.save()
    assert admin_page.post(PAGE, form_data()).status_code == 302
    assert not stored(org_a).revoke_on_return


def test_the_timezone_input_suggests_every_iana_name_of_a_place(admin_page):
    page = admin_page.get(PAGE).content.decode()
    assert 'list="timezones"' in re.search(r'<input[^>]*name="timezone"[^>]*>', page).group(0)
    listed = page.split('<datalist id="timezones">')[1].split("</datalist>")[0]
    names = re.findall(r'<option value="([^"]+)">', listed)
    assert names == sorted(set(available_timezones()) - {"localtime", "Factory"})
    assert "Asia/Kolkata" in names


# field, value sent, code, and the value as the API takes it where its message is the page's
# (a blank name or timezone is the API serializer's words there, the service's here).
REFUSALS = [
    ("timezone", "Mars/Olympus", "TIMEZONE_INVALID", "Mars/Olympus"),
    ("timezone", "", "BLANK", None),
    ("name", "", "BLANK", None),
    ("retro_max_allowed_age_days", "-1", "MIN_VALUE", -1),
    ("retro_max_allowed_age_days", "1000000", "MAX_VALUE", 1000000),
    ("retro_max_allowed_age_days", "abc", "INVALID", "abc"),
    ("retro_delay_since_registration_hours", "", "REQUIRED", None),
    ("webhook_url", "not a url", "INVALID", "not a url"),
]


@pytest.mark.parametrize(("field", "sent", "code", "api_value"), REFUSALS)
def test_a_refused_setting_shows_the_apis_code_on_its_field_and_writes_nothing(
    admin_page, admin_a, org_a, field, sent, code, api_value
):
    response = admin_page.post(
        PAGE, form_data(**{"name": "Renamed", "revoke_on_return": "on", field: sent})
    )
    assert response.status_code == 400
    page = response.content.decode()
    error = re.search(
        rf'<div class="invalid-feedback d-block" id="err-{field}">([^<]*)</div>', page
    )
    assert error and error.group(1).endswith(f"({code})"), page
    tag = re.search(rf'<input[^>]*name="{field}"[^>]*>', page).group(0)
    assert 'aria-invalid="true"' in tag and f'aria-describedby="err-{field}' in tag
    org = stored(org_a)
    assert (org.name, org.revoke_on_return) == ("Brand A", False)  # nothing written
    if api_value is not None:
        api = admin_a.patch("/api/v1/org/", {field: api_value}, format="json").json()
        assert unescape(error.group(1)) == f"{api['errors'][0]['message']} ({api['code']})"


def test_generating_shows_a_standard_webhooks_secret_once(admin_page, org_a):
    response = admin_page.post(GENERATE)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = SHOWN.search(response.content.decode()).group(1)
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    assert stored(org_a).webhook_secret == secret
    assert "won't be shown again" in response.content.decode()
    following = admin_page.get(PAGE)
    assert secret not in following.content.decode()
    assert "A signing secret is set" in following.content.decode()
    assert not SHOWN.search(following.content.decode())


def test_generating_again_replaces_the_secret(admin_page, org_a):
    first = SHOWN.search(admin_page.post(GENERATE).content.decode()).group(1)
    second = SHOWN.search(admin_page.post(GENERATE).content.decode()).group(1)
    assert first != second and stored(org_a).webhook_secret == second


def test_a_typed_secret_is_set_trimmed_and_shown_once(admin_page, org_a):
    response = admin_page.post(SECRET_SET, {"webhook_secret": "  whsec_bXkgc2VjcmV0  "})
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert SHOWN.search(response.content.decode()).group(1) == "whsec_bXkgc2VjcmV0"
    assert stored(org_a).webhook_secret == "whsec_bXkgc2VjcmV0"
    assert "whsec_bXkgc2VjcmV0" not in admin_page.get(PAGE).content.decode()


@pytest.mark.parametrize(("sent", "code"), [("", "REQUIRED"), ("x" * 201, "MAX_LENGTH")])
def test_a_refused_secret_is_not_echoed_and_not_written(admin_page, org_a, sent, code):
    org_a.webhook_secret = "whsec_old"
    org_a.save()
    response = admin_page.post(SECRET_SET, {"webhook_secret": sent})
    assert response.status_code == 400
    page = response.content.decode()
    assert f"({code})</div>" in page and "whsec_old" not in page
    if sent:
        assert sent not in page
    assert stored(org_a).webhook_secret == "whsec_old"


def test_removing_asks_first_then_removes(admin_page, org_a):
    org_a.webhook_secret = "whsec_old"
    org_a.save()
    confirmation = admin_page.get(REMOVE)
    assert confirmation.status_code == 200
    assert "Remove the webhook signing secret?" in confirmation.content.decode()
    assert stored(org_a).webhook_secret == "whsec_old"
    response = admin_page.post(REMOVE)
    assert response.status_code == 302 and response["Location"] == PAGE
    assert stored(org_a).webhook_secret == ""
    page = admin_page.get(PAGE).content.decode()
    assert "No signing secret" in page and "The signing secret is removed." in page
    assert REMOVE not in page  # nothing left to remove


def test_reads_never_hold_the_secret(admin_page, org_a):
    org_a.webhook_secret = "whsec_c3RvcmVkIHNlY3JldA=="
    org_a.save()
    viewer = signed_in(org_a, Role.VIEWER)
    for client in (admin_page, viewer):
        page = client.get(PAGE).content.decode()
        assert "whsec_c3RvcmVkIHNlY3JldA==" not in page
        assert "A signing secret is set" in page


@pytest.mark.parametrize("role", [Role.EDITOR, Role.VIEWER])
def test_non_admins_read_the_values_without_a_form_and_every_post_is_403(org_a, role):
    org_a.webhook_url, org_a.retro_max_allowed_age_days = "https://hooks.example.com/b", 7
    org_a.save()
    page = signed_in(org_a, role)
    response = page.get(PAGE)
    main = response.content.decode().split('<main id="main"')[1].split("</main>")[0]
    assert response.status_code == 200
    assert not re.search(r"<(form|input|select|textarea|button)\b", main)
    assert "Asia/Kolkata" in main and "7 days" in main and "https://hooks.example.com/b" in main
    assert "No signing secret" in main
    for path in (PAGE, SECRET_SET, GENERATE, REMOVE):
        assert page.post(path, {"webhook_secret": "whsec_x", **form_data()}).status_code == 403
    assert page.get(REMOVE).status_code == 403
    org = stored(org_a)
    assert (org.webhook_secret, org.timezone) == ("", "Asia/Kolkata")


def test_another_orgs_settings_are_neither_shown_nor_changed(admin_page, org_a, org_b):
    org_b.webhook_url = "https://hooks.example.com/brand-b"
    org_b.save()
    assert "brand-b" not in admin_page.get(PAGE).content.decode()
    admin_page.post(GENERATE)
    admin_page.post(PAGE, form_data(timezone="Europe/Paris"))
    assert stored(org_b).webhook_secret == "" and stored(org_b).timezone == "UTC"


def test_the_page_reads_in_a_few_queries_whatever_the_role(org_a):
    counts = []
    for role in (Role.ADMIN, Role.EDITOR, Role.VIEWER):
        page = signed_in(org_a, role)
        with CaptureQueriesContext(connection) as queries:
            assert page.get(PAGE).status_code == 200
        counts.append(len(queries))
    # The session, the acting membership with its org, and the org's last deliveries.
    assert counts == [counts[0]] * 3 and counts[0] <= 4, counts


def test_pages_hold_no_inline_script_and_the_secret_page_runs_its_own_file(admin_page):
    for response in (admin_page.get(PAGE), admin_page.post(GENERATE), admin_page.get(REMOVE)):
        text = response.content.decode()
        assert not INLINE_SCRIPT.search(text)
        assert not re.search(r'\sstyle="|\son[a-z]+="', text)
        assert "'unsafe" not in response["Content-Security-Policy"]
    assert "js/secret.js" in admin_page.post(GENERATE).content.decode()


@pytest.mark.parametrize(
    ("path", "data", "secret"),
    [
        (SECRET_SET, {"webhook_secret": "whsec_dHlwZWQ="}, "whsec_dHlwZWQ="),
        (GENERATE, {}, "whsec_"),  # the generated one, whatever it is
    ],
)
def test_an_error_report_while_a_secret_is_written_holds_no_secret(
    admin_page, monkeypatch, path, data, secret
):
    """Whatever fails once the secret is known, Django's error report (the request's POST,
    every frame's variables, as mailed to admins or sent to an error tracker) doesn't hold it."""
    reports = []

    def broken(**changes):
        raise RuntimeError("the database went away")

    def report(request, **kwargs):
        reports.append(ExceptionReporter(request, *sys.exc_info()).get_traceback_html())

    monkeypatch.setattr(orgs, "org_update", broken)
    admin_page.raise_request_exception = False
    got_request_exception.connect(report)
    try:
        assert admin_page.post(path, data).status_code == 500
    finally:
        got_request_exception.disconnect(report)
    (html,) = reports
    assert "the database went away" in html and "changes" in html  # the frames are there
    assert secret not in html


def test_the_page_lists_the_last_deliveries_newest_first(org_a):
    org_a.webhook_url, org_a.webhook_secret = "https://hooks.example.com/a", "whsec_c2V0"
    org_a.save()
    badge = BadgeFactory(org=org_a, name="Gold Shopper")
    now = timezone.now()
    issue(badge=badge, customer_ids=["c-1", "c-2"], order=IssueOrder(request_id="r"), now=now)
    first, second = Notification.objects.order_by("customer__customer_id")
    for note, status_code, error, at in (
        (first, 200, "", now),
        (second, None, "No answer within 10 s.", now + timedelta(seconds=1)),
    ):
        NotificationAttempt.objects.create(
            notification=note,
            org=org_a,
            attempted_on=at,
            url=org_a.webhook_url,
            status_code=status_code,
            latency_ms=12,
            error=error,
        )
    page = signed_in(org_a, Role.VIEWER).get(PAGE).content.decode()
    table = page[page.index("Last deliveries") :]
    assert table.index("c-2") < table.index("c-1")
    assert "200 delivered" in table and "No answer within 10 s." in table
    assert "Gold Shopper" in table


def test_the_page_says_when_nothing_was_delivered_yet(org_a):
    page = signed_in(org_a, Role.VIEWER).get(PAGE).content.decode()
    assert "No delivery yet." in page
