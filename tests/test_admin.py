"""The admin face: pages load for operators, and writes go through the same services."""

import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from badges.models import (
    Badge,
    BadgeChange,
    BadgeClaim,
    BadgeImage,
    Notification,
    NotificationAttempt,
    NotificationStatus,
    Organization,
)
from badges.services.issuance import IssueOrder, issue
from tests.factories import (
    BadgeBenefitFactory,
    BadgeChangeFactory,
    BadgeClaimFactory,
    BadgeFactory,
    BadgeImageFactory,
    EnrolmentFactory,
    FixedWindowConfigFactory,
    IssuanceFactory,
    IssueRequestFactory,
    MembershipFactory,
    RollingLimitFactory,
    UserFactory,
)
from tests.images.hostile import ACCEPTED, REFUSED

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client):
    user = UserFactory(username="operator", is_staff=True, is_superuser=True)
    client.force_login(user)
    client.user = user
    return client


@pytest.mark.parametrize(
    "model",
    [
        "badge",
        "badgeowner",
        "badgeclaim",
        "badgebenefit",
        "rollinglimit",
        "fixedwindowconfig",
        "badgechange",
        "badgeimage",
        "organization",
        "membership",
        "customer",
        "enrolment",
        "issuance",
        "issuerequest",
        "notification",
        "notificationattempt",
    ],
)
def test_every_changelist_loads(operator, model):
    badge = BadgeFactory()
    BadgeClaimFactory(badge=badge)
    BadgeBenefitFactory(badge=badge)
    RollingLimitFactory(badge=badge)
    FixedWindowConfigFactory(badge=badge)
    BadgeChangeFactory(badge=badge)
    MembershipFactory(org=badge.org)
    IssueRequestFactory(issuance__badge=badge)
    EnrolmentFactory()
    BadgeImageFactory(badge=badge)
    response = operator.get(f"/admin/badges/{model}/")
    assert response.status_code == 200


def test_badge_change_page_shows_derived_fields_and_inlines(operator):
    badge = BadgeFactory()
    FixedWindowConfigFactory(badge=badge)
    response = operator.get(f"/admin/badges/badge/{badge.pk}/change/")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<div class="readonly">Live</div>' in page
    assert "Change history" in page
    assert re.search(r'class="field-current_status">\s*<p>ACTIVE</p>', page)


def test_status_filter(operator):
    BadgeFactory(name="Soon", upcoming=True)
    BadgeFactory(name="Now")
    response = operator.get("/admin/badges/badge/?status=upcoming")
    # The rows listed, not the page's text: a CSRF token once held "Now".
    assert [badge.name for badge in response.context["cl"].result_list] == ["Soon"]


def _form(org, **overrides):
    start = timezone.now() + timedelta(days=2)
    data = {
        "org": org.pk,
        "name": "Admin badge",
        "description": "",
        "start_on_0": start.strftime("%Y-%m-%d"),
        "start_on_1": "10:00:00",
        "expires_on_0": (start + timedelta(days=10)).strftime("%Y-%m-%d"),
        "expires_on_1": "10:00:00",
        "issue_type": "ISSUE",
        "enrolment_expiry_type": "",
        "issue_expiry_type": "NEVER",
        "owners": ["LOYALTY"],
    }
    for prefix in (
        "owners",
        "claims",
        "benefits",
        "rolling_limits",
        "fixed_window_configs",
        "images",
        "custom_field_values",
        "changes",
    ):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    return {**data, **overrides}


def test_admin_creates_a_badge_through_the_service(operator):
    org = MembershipFactory().org
    response = operator.post("/admin/badges/badge/add/", _form(org))
    assert response.status_code == 302, response.context["adminform"].form.errors
    badge = Badge.objects.get()
    assert badge.created_by == operator.user
    assert [o.module for o in badge.owners.all()] == ["LOYALTY"]
    assert badge.changes.get().action == BadgeChange.Action.CREATED


def test_admin_shows_the_services_refusal_on_the_field(operator):
    org = Organization.objects.create(name="O", slug="o")
    yesterday = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%d")
    response = operator.post(
        "/admin/badges/badge/add/", _form(org, start_on_0=yesterday, owners=[])
    )
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["start_on"] == ["The start must be in the future."]
    assert errors["owners"] == ["A badge needs at least one owner."]
    assert not Badge.objects.exists()


def test_activation_actions_call_the_service(operator):
    live = BadgeFactory()
    ended = BadgeFactory(ended=True)
    response = operator.post(
        "/admin/badges/badge/",
        {"action": "deactivate", "_selected_action": [live.pk, ended.pk]},
        follow=True,
    )
    live.refresh_from_db()
    ended.refresh_from_db()
    assert not live.is_active
    assert ended.is_active
    messages = [str(m) for m in response.context["messages"]]
    assert any("ended badge can't be deactivated" in m for m in messages)
    operator.post("/admin/badges/badge/", {"action": "activate", "_selected_action": [live.pk]})
    live.refresh_from_db()
    assert live.is_active


def test_admin_adds_a_claim_through_the_service(operator):
    badge = BadgeFactory(is_active=False)
    data = {"badge": badge.pk, "module": "LOYALTY", "reference": "Program"}
    response = operator.post("/admin/badges/badgeclaim/add/", data)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert form.non_field_errors() == ["An inactive badge can't be claimed."]
    badge.is_active = True
    badge.save()
    response = operator.post("/admin/badges/badgeclaim/add/", data)
    assert response.status_code == 302
    assert BadgeClaim.objects.get().claimed_by == operator.user


def test_claims_and_owners_cannot_be_changed_or_deleted(operator):
    claim = BadgeClaimFactory()
    owner = claim.badge.owners.get()
    assert operator.post(f"/admin/badges/badgeclaim/{claim.pk}/delete/").status_code == 403
    assert operator.post(f"/admin/badges/badgeowner/{owner.pk}/delete/").status_code == 403


def test_operators_revoke_issuances_and_enrolments_through_the_services(operator):
    issuance = IssuanceFactory()
    enrolment = EnrolmentFactory()
    operator.post(
        "/admin/badges/issuance/", {"action": "revoke", "_selected_action": [issuance.pk]}
    )
    operator.post(
        "/admin/badges/enrolment/", {"action": "revoke", "_selected_action": [enrolment.pk]}
    )
    issuance.refresh_from_db()
    enrolment.refresh_from_db()
    assert (issuance.status, issuance.revoked_by) == ("REVOKED", operator.user)
    assert issuance.revoke_reason == "Revoked in admin by operator"
    assert enrolment.revoked_on is not None


def test_issuance_status_filter_uses_the_derived_status(operator):
    now = timezone.now()
    expired = IssuanceFactory(issued_on=now - timedelta(days=3), expires_on=now - timedelta(days=1))
    active = IssuanceFactory()
    page = operator.get("/admin/badges/issuance/?status=EXPIRED").content.decode()
    assert str(expired.issual_id) in page
    assert str(active.issual_id) not in page


def test_admin_sets_and_removes_images_through_the_service(
    operator, django_capture_on_commit_callbacks
):
    badge = BadgeFactory()
    form = {"badge": badge.pk, "slot": "issued", "name": "Gold"}
    hostile = SimpleUploadedFile("star.png", REFUSED["onload on the root"][0])
    response = operator.post("/admin/badges/badgeimage/add/", {**form, "file": hostile})
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()
    assert [e.code for e in errors["file"]] == ["SVG_ACTIVE_CONTENT"]
    assert not BadgeImage.objects.exists()

    upload = SimpleUploadedFile("star.png", ACCEPTED["public DOCTYPE icon"])
    response = operator.post("/admin/badges/badgeimage/add/", {**form, "file": upload})
    assert response.status_code == 302
    image = BadgeImage.objects.get()
    assert (image.content_type, image.uploaded_by) == ("image/svg+xml", operator.user)
    page = operator.get(f"/admin/badges/badge/{badge.pk}/change/").content.decode()
    assert image.file.url in page

    with django_capture_on_commit_callbacks(execute=True):
        operator.post(f"/admin/badges/badgeimage/{image.pk}/delete/", {"post": "yes"})
    assert not BadgeImage.objects.exists()
    assert not image.file.storage.exists(image.file.name)
    assert [c.action for c in badge.changes.all()[:2]] == ["image_removed", "image_set"]


def notified_badge(webhook_url="https://hooks.example.com/a"):
    badge = BadgeFactory(org__webhook_url=webhook_url, org__webhook_secret="whsec_c2VjcmV0")
    issue(badge=badge, customer_ids=["c-1"], order=IssueOrder(request_id="r"), now=timezone.now())
    return Notification.objects.get()


def test_a_notification_page_shows_its_attempts(operator):
    note = notified_badge()
    NotificationAttempt.objects.create(
        notification=note,
        org_id=note.org_id,
        attempted_on=timezone.now(),
        url="https://hooks.example.com/a",
        status_code=503,
        latency_ms=40,
        response_excerpt="try later",
    )
    page = operator.get(f"/admin/badges/notification/{note.pk}/change/").content.decode()
    assert "try later" in page and "503" in page


def test_retry_now_queues_the_notifications_through_the_service(operator):
    note = notified_badge()
    Notification.objects.filter(pk=note.pk).update(
        status=NotificationStatus.FAILED, next_attempt_at=None, attempts=8
    )
    operator.post(
        "/admin/badges/notification/", {"action": "retry_now", "_selected_action": [note.pk]}
    )
    note.refresh_from_db()
    assert (note.status, note.attempts) == (NotificationStatus.PENDING, 0)


def test_retry_now_explains_a_refusal(operator):
    note = notified_badge(webhook_url="")
    response = operator.post(
        "/admin/badges/notification/",
        {"action": "retry_now", "_selected_action": [note.pk]},
        follow=True,
    )
    assert "no webhook URL" in response.content.decode()
    note.refresh_from_db()
    assert note.status == NotificationStatus.SKIPPED
