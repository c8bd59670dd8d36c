"""The customer-care actions of the customer page: enrol, issue with source MEMBERCARE after a
dry run that explains itself, revoke an issuance or an enrolment. Each asks first, goes through
the services the API uses, and makes one record however often its submit is sent."""

import re

import pytest

from badges.models import Enrolment, Issuance, RollingLimit
from tests.customer_view import at, live_badge
from tests.factories import (
    BadgeFactory,
    CustomerFactory,
    EnrolmentFactory,
    IssuanceFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("october_10th")]

CUSTOMER = "/customers/ui/c-1/"


def request_id_of(response) -> str:
    return re.search(r'name="request_id" value="([^"]+)"', response.content.decode()).group(1)


def care_issue(client, badge, step, **fields):
    url = f"{CUSTOMER}issue/?badge={badge.pk}"
    request_id = fields.pop("request_id", None) or request_id_of(client.get(url))
    body = {"badge": badge.pk, "request_id": request_id, "reason": "Complained", "step": step}
    return client.post(f"{CUSTOMER}issue/", {**body, **fields})


def test_the_issue_form_checks_first_and_writes_nothing(editor_page, org_a, customer):
    badge = live_badge(org_a, "Gold")
    form = editor_page.get(f"{CUSTOMER}issue/?badge={badge.pk}")
    assert form.status_code == 200 and "Issue badge" not in form.content.decode()
    checked = care_issue(editor_page, badge, "check")
    body = checked.content.decode()
    assert checked.status_code == 200
    assert "It would be issued" in body and 'value="issue"' in body
    assert not Issuance.objects.exists() and not Enrolment.objects.exists()


def test_confirming_issues_with_source_membercare_the_reason_and_the_event_date(
    editor_page, org_a, customer
):
    badge = live_badge(org_a, "Gold")
    response = care_issue(editor_page, badge, "issue", event_date="2026-10-09T10:00")
    assert (response.status_code, response["Location"]) == (302, CUSTOMER)
    issuance = Issuance.objects.get()
    assert (issuance.source, issuance.issue_reason) == ("MEMBERCARE", "Complained")
    assert issuance.event_date == at("2026-10-09T04:30:00Z"), "10:00 in Asia/Kolkata"
    assert issuance.customer == customer


def test_a_double_submitted_issue_makes_one_issuance(editor_page, org_a, customer):
    badge = live_badge(org_a, "Gold", issued_for_a_day=True)
    request_id = request_id_of(editor_page.get(f"{CUSTOMER}issue/?badge={badge.pk}"))
    first = care_issue(editor_page, badge, "issue", request_id=request_id)
    again = care_issue(editor_page, badge, "issue", request_id=request_id)
    assert first.status_code == again.status_code == 302
    assert Issuance.objects.count() == 1
    followed = editor_page.get(CUSTOMER).content.decode()
    assert "was already made" in followed


def test_a_refused_check_explains_the_code_the_limit_and_when_it_reopens(
    editor_page, org_a, customer
):
    badge = live_badge(org_a, "Daily", issued_for_a_day=True)
    RollingLimit.objects.create(badge=badge, scope="CUSTOMER", limit=1, value=2, unit="DAYS")
    IssuanceFactory(
        badge=badge,
        customer=customer,
        issued_on=at("2026-10-09T06:00:00Z"),
        expires_on=at("2026-10-10T06:00:00Z"),
    )
    response = care_issue(editor_page, badge, "check")
    body = response.content.decode()
    assert response.status_code == 200
    assert "It would be refused" in body and "CUSTOMER_LIMIT_REACHED" in body
    assert "customer limit, 1 in any 2 days" in body
    assert "11 Oct 2026, 11:30" in body, "Oct 11 06:00 UTC in Asia/Kolkata"
    assert 'value="issue"' not in body, "nothing to confirm"
    assert Issuance.objects.count() == 1


def test_a_refusal_at_confirmation_explains_itself_and_writes_nothing(editor_page, org_a, customer):
    badge = live_badge(org_a, "Gold")
    IssuanceFactory(badge=badge, customer=customer, issued_on=at("2026-10-09T00:00Z"))
    response = care_issue(editor_page, badge, "issue")
    assert response.status_code == 400
    assert "OVERLAPPING_ISSUANCE" in response.content.decode()
    assert Issuance.objects.count() == 1


def test_the_form_needs_a_reason_and_a_moment_the_org_has(editor_page, org_a, customer):
    badge = live_badge(org_a, "Gold")
    response = care_issue(editor_page, badge, "issue", reason="")
    assert response.status_code == 400 and "This field is required" in response.content.decode()
    response = care_issue(editor_page, badge, "check", event_date="not a date")
    assert response.status_code == 400
    assert not Issuance.objects.exists()


def test_enrol_asks_first_and_a_double_submit_makes_one_enrolment(editor_page, org_a, customer):
    badge = live_badge(org_a, "Club", enrol_issue=True)
    url = f"{CUSTOMER}enrol/?badge={badge.pk}"
    page = editor_page.get(url)
    assert page.status_code == 200 and not Enrolment.objects.exists()
    body = {"badge": badge.pk, "request_id": request_id_of(page), "enrol_event_date": ""}
    first = editor_page.post(f"{CUSTOMER}enrol/", body)
    again = editor_page.post(f"{CUSTOMER}enrol/", body)
    assert first.status_code == again.status_code == 302
    assert Enrolment.objects.filter(customer=customer, badge=badge).count() == 1
    assert "already holds an enrolment" in editor_page.get(CUSTOMER).content.decode()


def test_a_refused_enrol_explains_itself(editor_page, org_a, customer):
    badge = BadgeFactory(org=org_a, upcoming=True, enrol_issue=True)
    page = editor_page.get(f"{CUSTOMER}enrol/?badge={badge.pk}")
    response = editor_page.post(
        f"{CUSTOMER}enrol/", {"badge": badge.pk, "request_id": request_id_of(page)}
    )
    assert response.status_code == 400 and "BADGE_UPCOMING" in response.content.decode()
    assert not Enrolment.objects.exists()


def test_revoking_an_issuance_needs_a_reason_and_keeps_the_first(editor_page, org_a, customer):
    issuance = IssuanceFactory(badge=live_badge(org_a, "Gold"), customer=customer)
    url = f"{CUSTOMER}issuances/{issuance.issual_id}/revoke/"
    assert editor_page.get(url).status_code == 200
    assert editor_page.post(url, {"reason": ""}).status_code == 400
    response = editor_page.post(url, {"reason": "Bill returned"})
    assert (response.status_code, response["Location"]) == (302, CUSTOMER)
    issuance.refresh_from_db()
    assert (issuance.status, issuance.revoke_reason) == ("REVOKED", "Bill returned")
    assert issuance.revoked_by == editor_page.user
    editor_page.post(url, {"reason": "Again"})
    issuance.refresh_from_db()
    assert issuance.revoke_reason == "Bill returned"
    assert "It was revoked on" in editor_page.get(url).content.decode()


def test_revoking_an_enrolment(editor_page, org_a, customer):
    enrolment = EnrolmentFactory(
        badge=live_badge(org_a, "Club", enrol_issue=True), customer=customer
    )
    url = f"{CUSTOMER}enrolments/{enrolment.pk}/revoke/"
    response = editor_page.post(url, {"reason": "Opted out"})
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert (enrolment.revoke_reason, enrolment.revoked_on) == ("Opted out", at("2026-10-10T12:00Z"))


def write_urls(org, customer) -> list[str]:
    badge = live_badge(org, "Gold", enrol_issue=True)
    issuance = IssuanceFactory(badge=badge, customer=customer)
    enrolment = EnrolmentFactory(badge=badge, customer=customer)
    return [
        f"{CUSTOMER}enrol/?badge={badge.pk}",
        f"{CUSTOMER}issue/?badge={badge.pk}",
        f"{CUSTOMER}issuances/{issuance.issual_id}/revoke/",
        f"{CUSTOMER}enrolments/{enrolment.pk}/revoke/",
    ]


def test_viewers_get_403_on_every_care_url_and_nothing_changes(viewer_page, org_a, customer):
    for url in write_urls(org_a, customer):
        assert viewer_page.get(url).status_code == 403, url
        assert viewer_page.post(url, {"reason": "x", "step": "issue"}).status_code == 403, url
    assert viewer_page.post("/customers/ui/", {"customer_id": "c-2"}).status_code == 403
    assert not Issuance.objects.filter(revoked_on__isnull=False).exists()
    assert Issuance.objects.count() == 1


def test_another_orgs_customer_badge_or_records_are_not_found(editor_page, org_a, org_b):
    theirs = CustomerFactory(org=org_b, customer_id="c-1")
    for url in write_urls(org_b, theirs):
        assert editor_page.get(url).status_code == 404, url
    CustomerFactory(org=org_a, customer_id="c-1")
    their_badge = live_badge(org_b, "Theirs")
    assert editor_page.get(f"{CUSTOMER}issue/?badge={their_badge.pk}").status_code == 404
    assert editor_page.get(f"{CUSTOMER}issue/?badge=not-a-uuid").status_code == 404
    their_issuance = IssuanceFactory(badge=their_badge, customer=theirs)
    url = f"{CUSTOMER}issuances/{their_issuance.issual_id}/revoke/"
    assert editor_page.post(url, {"reason": "x"}).status_code == 404


def test_another_customers_issuance_is_not_revoked_through_this_customer(
    editor_page, org_a, customer
):
    someone_else = CustomerFactory(org=org_a, customer_id="c-2")
    other = IssuanceFactory(badge=live_badge(org_a), customer=someone_else)
    url = f"{CUSTOMER}issuances/{other.issual_id}/revoke/"
    assert editor_page.post(url, {"reason": "x"}).status_code == 404
    assert Issuance.objects.get().revoked_on is None


def test_a_badge_named_on_the_customer_page_opens_its_care_issue(
    editor_page, org_a, org_b, customer
):
    ended = BadgeFactory(
        org=org_a,
        name="Summer",
        start_on=at("2026-09-01T00:00Z"),
        expires_on=at("2026-10-01T00:00Z"),
    )
    BadgeFactory(org=org_b, name="Theirs")
    found = editor_page.get(f"{CUSTOMER}issue/?badge_name=Summer")
    assert (found.status_code, found["Location"]) == (302, f"{CUSTOMER}issue/?badge={ended.pk}")
    for unknown in ("Theirs", "summer", ""):
        response = editor_page.get(f"{CUSTOMER}issue/?badge_name={unknown}")
        assert (response.status_code, response["Location"]) == (302, CUSTOMER), unknown
    assert "No badge of this org has that name." in editor_page.get(CUSTOMER).content.decode()


def test_a_refused_input_is_described_by_its_error_then_its_help(editor_page, org_a, customer):
    response = care_issue(editor_page, live_badge(org_a, "Gold"), "check", reason="")
    body = response.content.decode()
    assert 'aria-describedby="err-reason id_reason_helptext"' in body
    assert 'id="err-reason"' in body and 'id="id_reason_helptext"' in body


def test_a_check_that_would_issue_fixes_the_values_checked(editor_page, org_a, customer):
    badge = live_badge(org_a, "Gold")
    checked = care_issue(editor_page, badge, "check", event_date="2026-10-09T10:00")
    body = checked.content.decode()
    assert '<input type="hidden" name="reason" value="Complained">' in body
    assert '<input type="hidden" name="event_date" value="2026-10-09T10:00">' in body
    assert 'type="text" name="reason"' not in body and "9 Oct 2026, 10:00" in body
    change = care_issue(
        editor_page,
        badge,
        "edit",
        request_id=request_id_of(checked),
        event_date="2026-10-09T10:00",
    )
    assert 'type="text" name="reason"' in change.content.decode()
    assert request_id_of(change) == request_id_of(checked)
    assert not Issuance.objects.exists()


def test_a_refused_confirmation_makes_a_new_request_id_so_the_next_check_is_fresh(
    editor_page, org_a, customer
):
    badge = live_badge(org_a, "Gold")
    held = IssuanceFactory(badge=badge, customer=customer, issued_on=at("2026-10-09T00:00Z"))
    request_id = request_id_of(editor_page.get(f"{CUSTOMER}issue/?badge={badge.pk}"))
    refused = care_issue(editor_page, badge, "issue", request_id=request_id)
    assert refused.status_code == 400 and "OVERLAPPING_ISSUANCE" in refused.content.decode()
    fresh = request_id_of(refused)
    assert fresh != request_id
    editor_page.post(f"{CUSTOMER}issuances/{held.issual_id}/revoke/", {"reason": "Returned"})
    again = care_issue(editor_page, badge, "check", request_id=fresh)
    assert "It would be issued" in again.content.decode()
    replayed = care_issue(editor_page, badge, "issue", request_id=request_id)
    assert "This request was refused before" in replayed.content.decode()


def test_naming_a_badge_keeps_to_the_customer_whatever_their_id(editor_page, org_a):
    CustomerFactory(org=org_a, customer_id="X1")
    CustomerFactory(org=org_a, customer_id="X%31")
    badge = live_badge(org_a, "Gold")
    response = editor_page.get("/customers/ui/X%2531/issue/?badge_name=Gold")
    assert response["Location"] == f"/customers/ui/X%2531/issue/?badge={badge.pk}"
