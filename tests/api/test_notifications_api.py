"""``notifications/`` (SPEC 13, 17): the org's outbox rows with their attempts, filtered by
status, type and customer, and delivered again on request."""

from datetime import timedelta

import pytest
from django.utils import timezone

from badges.models import Notification, NotificationAttempt, NotificationStatus
from badges.services.issuance import IssueOrder, issuance_revoke, issue
from tests.factories import BadgeFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"


@pytest.fixture
def notes(org_a):
    org_a.webhook_url, org_a.webhook_secret = "https://hooks.example.com/a", "whsec_c2VjcmV0"
    org_a.save()
    badge = BadgeFactory(org=org_a)
    now = timezone.now()
    outcomes = issue(
        badge=badge, customer_ids=["c-1", "c-2"], order=IssueOrder(request_id="r"), now=now
    )
    issuance_revoke(issuance=outcomes[0].issuance, reason="Fraud", now=now + timedelta(seconds=1))
    return list(Notification.objects.order_by("-created_on", "-id"))


def ids(response):
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_the_list_shows_the_orgs_notifications_newest_first(editor_a, notes):
    assert ids(editor_a.get(URL)) == [str(n.pk) for n in notes]


def test_a_notification_reads_with_its_attempts(viewer_a, notes):
    note = notes[0]
    NotificationAttempt.objects.create(
        notification=note,
        org_id=note.org_id,
        attempted_on=timezone.now(),
        url="https://hooks.example.com/a",
        status_code=500,
        latency_ms=12,
        error="",
        response_excerpt="down",
    )
    row = viewer_a.get(f"{URL}{note.pk}/").json()
    assert row["type"] == "badge.revoked"
    assert row["issual_id"] == str(note.issuance_id)
    assert row["customer_id"] == "c-1"
    assert row["data"]["status"] == "REVOKED"
    assert row["status"] == "PENDING"
    assert row["delivery_attempts"][0]["status_code"] == 500
    assert row["delivery_attempts"][0]["response_excerpt"] == "down"
    # Instants in the org's timezone (Asia/Kolkata), as every read gives them.
    assert row["created_on"].endswith("+05:30")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("type=badge.revoked", 1),
        ("type=badge.issued", 2),
        ("type=badge.issued&type=badge.revoked", 3),
        ("customer=c-2", 1),
        ("customer=c-1", 2),
        ("status=PENDING", 3),
        ("status=DELIVERED", 0),
    ],
)
def test_the_list_filters_by_status_type_and_customer(editor_a, notes, query, expected):
    assert len(ids(editor_a.get(f"{URL}?{query}"))) == expected


def test_an_unknown_filter_value_is_a_400(editor_a, notes):
    response = editor_a.get(f"{URL}?status=LOST")
    assert response.status_code == 400
    assert {(e["field"], e["code"]) for e in response.json()["errors"]} == {
        ("status", "INVALID_CHOICE")
    }


def test_another_orgs_notifications_are_never_shown(editor_b, notes):
    assert ids(editor_b.get(URL)) == []
    assert editor_b.get(f"{URL}{notes[0].pk}/").status_code == 404
    assert editor_b.post(f"{URL}{notes[0].pk}/redeliver/").status_code == 404


def test_redeliver_queues_a_new_round(editor_a, notes):
    note = notes[0]
    Notification.objects.filter(pk=note.pk).update(
        status=NotificationStatus.FAILED, next_attempt_at=None, attempts=8
    )
    response = editor_a.post(f"{URL}{note.pk}/redeliver/")
    assert response.status_code == 202, response.json()
    assert response.json()["status"] == "PENDING"
    assert response.json()["attempts"] == 0


def test_redeliver_without_a_webhook_is_refused(editor_a, notes, org_a):
    org_a.webhook_url = ""
    org_a.save()
    response = editor_a.post(f"{URL}{notes[0].pk}/redeliver/")
    assert response.status_code == 400
    assert response.json()["code"] == "WEBHOOK_NOT_CONFIGURED"


def test_viewers_read_but_cannot_redeliver(viewer_a, notes):
    assert viewer_a.post(f"{URL}{notes[0].pk}/redeliver/").status_code == 403
