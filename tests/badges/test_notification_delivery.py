"""Delivering the outbox (SPEC 13): signed as Standard Webhooks say, retried on their schedule,
every attempt recorded, each notification claimed by one sender at a time and never lost."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.test import override_settings
from standardwebhooks import Webhook
from werkzeug import Response

from badges.exceptions import RuleViolation
from badges.models import Notification, NotificationAttempt, NotificationStatus
from badges.services import deliveries, notifications
from badges.services.deliveries import (
    ATTEMPT_BUDGET,
    notifications_claimed,
    notifications_deliver,
)
from badges.services.issuance import IssueOrder, issue
from badges.services.notifications import notification_body, notification_redeliver
from badges.services.orgs import new_webhook_secret
from tests.concurrency import run_concurrently
from tests.factories import BadgeFactory, OrganizationFactory

T0 = datetime(2026, 9, 10, 12, tzinfo=UTC)
SECRET = new_webhook_secret()


class Clock:
    """The senders' clock, moved by the test."""

    def __init__(self, now=T0):
        self.now = now

    def __call__(self):
        return self.now

    def move(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def org(db, httpserver):
    return OrganizationFactory(webhook_url=httpserver.url_for("/hooks"), webhook_secret=SECRET)


def notified(org, customers=("c-1",), request_id="r"):
    badge = BadgeFactory(
        org=org, start_on=T0 - timedelta(days=1), expires_on=T0 + timedelta(days=9)
    )
    issue(
        badge=badge, customer_ids=list(customers), order=IssueOrder(request_id=request_id), now=T0
    )
    return list(Notification.objects.order_by("created_on", "id"))


def deliver(clock, **kwargs):
    return notifications_deliver(clock=clock, draw=lambda: 0.5, **kwargs)


def answering(httpserver, *responses):
    for response in responses:
        httpserver.expect_ordered_request("/hooks", method="POST").respond_with_response(response)


@pytest.mark.django_db
def test_a_delivery_is_signed_as_standard_webhooks_say(org, httpserver, clock):
    [note] = notified(org)
    answering(httpserver, Response("ok", 200))
    run = deliver(clock)
    assert (run.delivered, run.retrying, run.failed) == (1, 0, 0)
    [(request, _)] = httpserver.log
    assert request.headers["webhook-id"] == str(note.pk)
    assert request.headers["webhook-timestamp"] == str(int(T0.timestamp()))
    assert request.get_data() == notification_body(note)
    webhook = Webhook(SECRET)
    expected = webhook.sign(str(note.pk), T0, request.get_data(as_text=True))
    assert request.headers["webhook-signature"] == expected
    note.refresh_from_db()
    assert (note.status, note.delivered_on, note.next_attempt_at, note.attempts) == (
        NotificationStatus.DELIVERED,
        T0,
        None,
        1,
    )
    attempt = NotificationAttempt.objects.get()
    assert (attempt.status_code, attempt.response_excerpt, attempt.url) == (
        200,
        "ok",
        org.webhook_url,
    )


@pytest.mark.django_db
def test_failures_retry_under_the_same_webhook_id_until_one_succeeds(org, httpserver, clock):
    [note] = notified(org)
    answering(httpserver, Response("no", 500), Response("no", 503), Response("ok", 200))
    deliver(clock)
    note.refresh_from_db()
    assert note.status == NotificationStatus.PENDING
    assert note.next_attempt_at == T0 + timedelta(seconds=5)
    assert note.last_error == "The endpoint answered 500."
    clock.move(seconds=4, microseconds=999_999)
    assert deliver(clock).retrying == 0  # not due yet
    clock.move(microseconds=1)
    deliver(clock)
    note.refresh_from_db()
    assert note.next_attempt_at == clock.now + timedelta(minutes=5)
    clock.move(minutes=5)
    assert deliver(clock).delivered == 1
    ids = {request.headers["webhook-id"] for request, _ in httpserver.log}
    assert ids == {str(note.pk)}
    assert NotificationAttempt.objects.filter(notification=note).count() == 3


@pytest.mark.django_db
def test_the_retry_delay_is_jittered(org, httpserver, clock):
    [note] = notified(org)
    answering(httpserver, Response("no", 500))
    notifications_deliver(clock=clock, draw=lambda: 0.0)
    note.refresh_from_db()
    assert note.next_attempt_at == T0 + timedelta(seconds=4.5)


@pytest.mark.django_db
def test_it_gives_up_after_the_last_attempt_of_the_schedule(org, httpserver, clock):
    [note] = notified(org)
    httpserver.expect_request("/hooks").respond_with_data("down", status=500)
    for _ in range(8):
        deliver(clock)
        clock.move(hours=11)
    note.refresh_from_db()
    assert note.status == NotificationStatus.FAILED
    assert note.attempts == 8 and note.next_attempt_at is None
    assert note.last_error.startswith("Gave up after 8 attempts.")
    assert len(httpserver.log) == 8


@pytest.mark.django_db
def test_a_410_stops_the_retries(org, httpserver, clock):
    [note] = notified(org)
    answering(httpserver, Response("gone", 410))
    deliver(clock)
    note.refresh_from_db()
    assert (note.status, note.next_attempt_at) == (NotificationStatus.FAILED, None)
    assert "410" in note.last_error


@pytest.mark.django_db
def test_retry_after_is_honoured(org, httpserver, clock):
    [note] = notified(org)
    answering(httpserver, Response("busy", 429, headers={"Retry-After": "120"}))
    deliver(clock)
    note.refresh_from_db()
    assert note.next_attempt_at == T0 + timedelta(seconds=120)


@pytest.mark.django_db
def test_a_redirect_is_an_answer_never_followed(org, httpserver, clock):
    [note] = notified(org)
    answering(httpserver, Response("", 302, headers={"Location": httpserver.url_for("/elsewhere")}))
    deliver(clock)
    note.refresh_from_db()
    assert note.status == NotificationStatus.PENDING
    assert [request.path for request, _ in httpserver.log] == ["/hooks"]


@pytest.mark.django_db
@override_settings(WEBHOOKS_ALLOW_PRIVATE_NETWORKS=False)
def test_a_private_address_is_refused_when_sending(org, httpserver, clock):
    [note] = notified(org)
    deliver(clock)
    note.refresh_from_db()
    attempt = NotificationAttempt.objects.get()
    assert attempt.status_code is None and attempt.error
    assert note.status == NotificationStatus.PENDING
    assert httpserver.log == []


@pytest.mark.django_db
def test_an_org_whose_webhook_was_removed_gets_its_notifications_skipped(org, httpserver, clock):
    [note] = notified(org)
    org.webhook_url = ""
    org.save()
    assert deliver(clock).skipped == 1
    note.refresh_from_db()
    assert note.status == NotificationStatus.SKIPPED
    assert httpserver.log == []


@pytest.mark.django_db
def test_without_a_signing_secret_nothing_is_sent(org, httpserver, clock):
    [note] = notified(org)
    org.webhook_secret = ""
    org.save()
    deliver(clock)
    assert httpserver.log == []
    assert "signing secret" in NotificationAttempt.objects.get().error
    note.refresh_from_db()
    assert (note.status, note.attempts) == (NotificationStatus.PENDING, 1)


@pytest.mark.django_db
def test_a_claim_holds_its_notifications_for_as_long_as_sending_them_may_take(org, clock):
    notes = notified(org, customers=("c-1", "c-2", "c-3"))
    assert set(notifications_claimed(now=T0, limit=10)) == set(notes)
    lease = ATTEMPT_BUDGET * 3
    assert notifications_claimed(now=T0 + lease - timedelta(microseconds=1), limit=10) == []
    assert set(notifications_claimed(now=T0 + lease, limit=10)) == set(notes)


@pytest.mark.django_db
def test_a_sweep_sends_only_the_ids_it_is_given(org, httpserver, clock):
    first, second = notified(org, customers=("c-1", "c-2"))
    httpserver.expect_request("/hooks").respond_with_data("ok")
    assert deliver(clock, ids=[str(second.pk)]).delivered == 1
    first.refresh_from_db()
    assert first.status == NotificationStatus.PENDING


@pytest.mark.django_db
def test_redelivery_starts_a_new_round_under_the_same_id(org, httpserver, clock):
    [note] = notified(org)
    httpserver.expect_request("/hooks").respond_with_data("ok")
    deliver(clock)
    clock.move(days=1)
    notification_redeliver(notification=note, now=clock.now)
    note.refresh_from_db()
    assert (note.status, note.attempts, note.next_attempt_at, note.delivered_on) == (
        NotificationStatus.PENDING,
        0,
        clock.now,
        None,
    )
    deliver(clock)
    assert [r.headers["webhook-id"] for r, _ in httpserver.log] == [str(note.pk)] * 2


@pytest.mark.django_db
def test_redelivery_needs_a_webhook(org, clock):
    [note] = notified(org)
    org.webhook_url = ""
    org.save()
    with pytest.raises(RuleViolation) as refused:
        notification_redeliver(notification=note, now=T0)
    assert refused.value.violations[0].code == "WEBHOOK_NOT_CONFIGURED"


@pytest.mark.django_db
def test_the_command_runs_one_sweep(org, httpserver, capsys, time_machine):
    notified(org)
    httpserver.expect_request("/hooks").respond_with_data("ok")
    time_machine.move_to(T0 + timedelta(minutes=1))
    call_command("deliver_notifications")
    assert capsys.readouterr().out.strip() == (
        "1 delivered, 0 to retry, 0 failed, 0 skipped (no webhook)."
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_senders_at_once_claim_each_notification_once(httpserver, monkeypatch):
    # Left due for the senders: the issue's own queued delivery (in-process here) is not run.
    monkeypatch.setattr(notifications, "_enqueue", lambda ids, eta=None: None)
    org = OrganizationFactory(webhook_url=httpserver.url_for("/hooks"), webhook_secret=SECRET)
    notified(org, customers=[f"c-{n}" for n in range(30)])
    httpserver.expect_request("/hooks").respond_with_data("ok")
    monkeypatch.setattr(deliveries, "CLAIM_BATCH", 4)
    runs = run_concurrently(lambda i: deliver(Clock()), 3)
    assert all(not isinstance(r, Exception) for r in runs), runs
    assert sum(r.delivered for r in runs) == 30
    assert len(httpserver.log) == 30
    assert NotificationAttempt.objects.count() == 30


@pytest.mark.django_db
def test_a_retry_due_soon_is_queued_for_its_time_and_a_later_one_left_to_the_sweep(
    org, httpserver, clock, monkeypatch, django_capture_on_commit_callbacks
):
    [note] = notified(org)
    queued = []
    monkeypatch.setattr(notifications, "_enqueue", lambda ids, eta=None: queued.append((ids, eta)))
    httpserver.expect_request("/hooks").respond_with_data("down", status=500)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(clock)  # 1st attempt: the next is 5 s away
    assert queued == [([str(note.pk)], T0 + timedelta(seconds=5))]
    for wait in (timedelta(seconds=5), timedelta(minutes=5)):
        clock.move(seconds=wait.total_seconds())
        with django_capture_on_commit_callbacks(execute=True):
            deliver(clock)
    # After the 3rd attempt the next is 30 minutes away: the sweep sends it.
    assert len(queued) == 2


@pytest.mark.django_db
def test_the_retry_schedule_is_the_settings_when_they_set_one(org, httpserver, clock, settings):
    settings.WEBHOOK_RETRY_DELAYS = [1.0, 2.0]
    [note] = notified(org)
    httpserver.expect_request("/hooks").respond_with_data("down", status=500)
    deliver(clock)
    note.refresh_from_db()
    assert note.next_attempt_at == T0 + timedelta(seconds=1)
    clock.move(seconds=1)
    deliver(clock)
    clock.move(seconds=2)
    deliver(clock)
    note.refresh_from_db()
    assert (note.status, note.attempts) == (NotificationStatus.FAILED, 3)


@pytest.mark.django_db
def test_a_sweep_stops_claiming_once_it_has_run_five_minutes(org, httpserver, clock, monkeypatch):
    notified(org, customers=[f"c-{n}" for n in range(4)])

    def slow_receiver(request):
        clock.move(minutes=5)
        return Response("ok", 200)

    httpserver.expect_request("/hooks").respond_with_handler(slow_receiver)
    monkeypatch.setattr(deliveries, "CLAIM_BATCH", 1)
    assert deliver(clock).delivered == 1
    assert Notification.objects.filter(status=NotificationStatus.PENDING).count() == 3
