"""The notifications outbox (SPEC 13): every issue and revocation writes its notification in the
same transaction as the change, and queues its delivery only once that commits."""

from datetime import UTC, datetime, timedelta

import orjson
import pytest
from django.db import IntegrityError, transaction

from badges.models import (
    Issuance,
    IssuanceStatus,
    Notification,
    NotificationStatus,
    NotificationType,
)
from badges.services import notifications
from badges.services.issuance import (
    IssueOrder,
    TriggeredBy,
    issuance_revoke,
    issuances_revoke_active,
    issue,
)
from badges.services.notifications import notification_body
from tests.factories import (
    BadgeBenefitFactory,
    BadgeClaimFactory,
    BadgeFactory,
    IssuanceFactory,
    OrganizationFactory,
)
from tests.outbox import outbox_discrepancies

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 9, 10, 12, tzinfo=UTC)
HOOK = "https://hooks.example.com/badges"


@pytest.fixture
def org():
    return OrganizationFactory(timezone="Asia/Kolkata", webhook_url=HOOK, webhook_secret="whsec_a")


@pytest.fixture
def badge(org):
    badge = BadgeFactory(
        org=org,
        name="Gold Shopper",
        start_on=NOW - timedelta(days=9),
        expires_on=NOW + timedelta(days=20),
    )
    BadgeBenefitFactory(badge=badge, type="POINTS", reference_id="P-100", name="100 points")
    return badge


def issue_to(badge, customers, request_id="r1", **order):
    return issue(
        badge=badge,
        customer_ids=customers,
        order=IssueOrder(request_id=request_id, **order),
        now=NOW,
    )


def test_an_issue_writes_one_badge_issued_notification_per_issuance(badge):
    outcomes = issue_to(badge, ["c-1", "c-2"], triggered_by=None)
    issued = {o.issuance.issual_id for o in outcomes}
    rows = Notification.objects.all()
    assert {n.issuance_id for n in rows} == issued
    assert {n.type for n in rows} == {NotificationType.ISSUED}
    assert all(n.status == NotificationStatus.PENDING and n.next_attempt_at == NOW for n in rows)


def test_a_notification_tells_the_issuance_as_it_was_in_utc(badge):
    BadgeClaimFactory(badge=badge, module="LOYALTY", reference="Supermarket program")
    [outcome] = issue_to(
        badge, ["c-1"], triggered_by=TriggeredBy(module="LOYALTY", reference="Supermarket program")
    )
    note = Notification.objects.get()
    assert note.data == {
        "issual_id": str(outcome.issuance.issual_id),
        "badge": {"id": str(badge.pk), "name": "Gold Shopper"},
        "customer_id": "c-1",
        "event_date": "2026-09-10T12:00:00Z",
        "issued_on": "2026-09-10T12:00:00Z",
        "expires_on": None,
        "status": "ACTIVE",
        "source": "API",
        "triggered_by": {"module": "LOYALTY", "reference": "Supermarket program"},
        "benefits": [
            {"type": "POINTS", "reference_id": "P-100", "name": "100 points", "details": {}}
        ],
        "revoked_on": None,
        "revoke_reason": "",
    }
    assert (note.badge_id, note.customer.customer_id, note.org_id) == (
        badge.pk,
        "c-1",
        badge.org_id,
    )


def test_the_webhook_body_is_the_same_bytes_on_every_read(badge):
    issue_to(badge, ["c-1"])
    note = Notification.objects.get()
    body = notification_body(note)
    assert body == notification_body(Notification.objects.get(pk=note.pk))
    assert orjson.loads(body) == {
        "type": "badge.issued",
        "timestamp": "2026-09-10T12:00:00Z",
        "data": note.data,
    }


def test_an_org_without_a_webhook_records_its_notifications_as_skipped(badge, org):
    org.webhook_url = ""
    org.save()
    issue_to(badge, ["c-1"])
    note = Notification.objects.get()
    assert (note.status, note.next_attempt_at) == (NotificationStatus.SKIPPED, None)


def test_refusals_replays_and_dry_runs_notify_nothing(badge):
    issue_to(badge, ["c-1"], dry_run=True)
    assert not Notification.objects.exists()
    issue_to(badge, ["c-1"])
    issue_to(badge, ["c-1"])  # replayed
    issue_to(badge, ["c-1"], request_id="r2")  # OVERLAPPING_ISSUANCE
    assert Notification.objects.count() == 1


def test_a_revocation_writes_one_badge_revoked_notification(badge):
    [outcome] = issue_to(badge, ["c-1"])
    later = NOW + timedelta(hours=1)
    issuance_revoke(issuance=outcome.issuance, reason="Fraud", now=later)
    issuance_revoke(issuance=outcome.issuance, reason="Again", now=later)
    note = Notification.objects.get(type=NotificationType.REVOKED)
    assert note.issuance_id == outcome.issuance.issual_id
    assert note.data["status"] == "REVOKED"
    assert note.data["revoked_on"] == "2026-09-10T13:00:00Z"
    assert note.data["revoke_reason"] == "Fraud"


def test_revoking_a_customers_active_issuances_notifies_each(badge):
    [outcome] = issue_to(badge, ["c-1"])
    revoked = issuances_revoke_active(
        badge=badge, customer=outcome.issuance.customer, reason="Returned", now=NOW
    )
    assert [n.issuance_id for n in Notification.objects.filter(type="badge.revoked")] == [
        revoked[0].issual_id
    ]


def test_a_rolled_back_issue_leaves_no_notification(badge):
    with pytest.raises(RuntimeError), transaction.atomic():
        issue_to(badge, ["c-1"])
        raise RuntimeError("the caller's transaction fails after the issue")
    assert not Issuance.objects.exists()
    assert not Notification.objects.exists()


def test_delivery_is_queued_only_once_the_change_commits(
    badge, monkeypatch, django_capture_on_commit_callbacks
):
    queued = []
    monkeypatch.setattr(notifications, "_enqueue", queued.append)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        issue_to(badge, ["c-1", "c-2"])
    assert queued == []
    for callback in callbacks:
        callback()
    assert sorted(queued[0]) == sorted(str(n.pk) for n in Notification.objects.all())


def test_nothing_is_queued_for_an_org_without_a_webhook(
    badge, org, monkeypatch, django_capture_on_commit_callbacks
):
    org.webhook_url = ""
    org.save()
    queued = []
    monkeypatch.setattr(notifications, "_enqueue", queued.append)
    with django_capture_on_commit_callbacks(execute=True):
        issue_to(badge, ["c-1"])
    assert queued == []


def test_a_broker_outage_never_fails_the_committed_change(badge, monkeypatch, caplog):
    class Down:
        def apply_async(self, *args, **kwargs):
            raise ConnectionError("broker down")

    monkeypatch.setitem(notifications.current_app.tasks, notifications.DELIVER_TASK, Down())
    notifications._enqueue(["x"])
    assert "the sweep will send them" in caplog.text


def test_each_issuance_is_issued_revoked_and_expired_once_at_most(badge):
    """The outbox's unique (issuance, type): no second notice of one change."""
    [outcome] = issue_to(badge, ["c-1"])
    issuance = Issuance.objects.select_related("org", "badge", "customer").get()
    duplicate = notifications.notifications_for([issuance], NotificationType.ISSUED, now=NOW)
    with pytest.raises(IntegrityError), transaction.atomic():
        Notification.objects.bulk_create(duplicate)
    assert issuance.status == IssuanceStatus.ACTIVE
    assert Notification.objects.filter(issuance_id=outcome.issuance.issual_id).count() == 1


def test_the_outbox_check_finds_a_change_without_its_notification(badge):
    """The SQL check the concurrency proofs end with can fail."""
    issue_to(badge, ["c-1"])
    assert outbox_discrepancies() == {}
    IssuanceFactory(badge=badge, source="API", issued_on=NOW + timedelta(days=30))
    assert outbox_discrepancies() == {"issuances without badge.issued": 1}
    Issuance.objects.filter(source="API").update(status=IssuanceStatus.EXPIRED)
    assert outbox_discrepancies()["expiries without badge.expired"] == 2
