"""Issues #11, #15 and #16 on the stack as deployed (SPEC 12, 13, 14, 16): real ``celery
worker`` and ``celery beat`` processes, on the Redis broker and the test's PostgreSQL database,
deliver what the app writes.

An issue over HTTP reaches the receiver signed, under the notification's id; a failing receiver
gets the same ``webhook-id`` until it answers; a worker killed mid-delivery loses nothing (its
claim runs out and beat's sweep sends the notification again). A loyalty event posted over HTTP
is processed by the worker, whose rule issues the badge and whose delivery signs the webhook.
An import run whose worker is killed mid-file is taken over once the worker is back, and ends
with every row imported once.
The worker and beat run the dev settings with a retry schedule of seconds and a sweep every
2 s, on a queue of the test's own, so that other runs sharing the broker neither take its tasks
nor give it theirs.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import kombu
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone
from standardwebhooks import Webhook
from werkzeug import Response

from badges.events.choices import EventStatus, OutcomeResult
from badges.events.models import Event, EventOutcome
from badges.imports.choices import ImportKind, RunStatus
from badges.imports.models import ImportRun
from badges.imports.services import runs
from badges.models import Issuance, Notification, NotificationAttempt, NotificationStatus, Role
from badges.services.orgs import new_webhook_secret
from badges_project.celery import app
from tests.events.factories import rule_for
from tests.factories import BadgeFactory, MembershipFactory, OrganizationFactory, TokenFactory

pytestmark = [
    pytest.mark.stack,
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

ROOT = Path(__file__).resolve().parents[2]
SECRET = new_webhook_secret()
SWEEP_SECONDS = 2
# A killed sender's claim of one notification runs out after 20 s (deliveries.ATTEMPT_BUDGET);
# the next sweep resends it.
REDELIVERY_SECONDS = 60


def wait_until(condition, timeout: float, what: str):
    """The first truthy answer of ``condition``, asked every 0.2 s for up to ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while not (answer := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"Not within {timeout} s: {what}.")
        time.sleep(0.2)
    return answer


class Stack:
    """``celery worker`` and ``celery beat`` in processes of their own, as deployed, on the test
    database and the test's queue. Their output goes to files, printed when the stack stops
    (pytest shows it when the test failed)."""

    def __init__(self, directory: Path, queue: str):
        self.directory, self.queue = directory, queue
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: list[Path] = []
        # The database pytest-django created (its name carries any xdist suffix).
        database = urlsplit(os.environ["DATABASE_URL"])._replace(
            path=f"/{connection.settings_dict['NAME']}"
        )
        self.environment = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "DJANGO_SETTINGS_MODULE": "badges_project.settings.dev",
            "DJANGO_DEBUG": "false",
            "DATABASE_URL": database.geturl(),
            "CELERY_TASK_DEFAULT_QUEUE": queue,
            "WEBHOOKS_ALLOW_PRIVATE_NETWORKS": "true",
            "WEBHOOK_RETRY_DELAYS": "1,1,1,1,1,1,1",
            "NOTIFICATION_SWEEP_SECONDS": str(SWEEP_SECONDS),
            "DJANGO_IMPORTS_ROOT": str(directory / "imports"),
        }

    def _start(self, role: str, *arguments: str) -> Path:
        log = self.directory / f"{role}-{len(self.logs) + 1}.log"
        self.logs.append(log)
        command = [sys.executable, "-m", "celery", "-A", "badges_project", role, "-l", "info"]
        with log.open("wb") as output:
            self.processes[role] = subprocess.Popen(
                [*command, *arguments],
                cwd=ROOT,
                env=self.environment,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        return log

    def start_worker(self) -> None:
        """One worker, its tasks run in its own process (solo pool), so that killing it stops
        the delivery under way; ready once it consumes the queue."""
        log = self._start(
            "worker",
            "--pool=solo",
            f"--hostname={self.queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
        )
        wait_until(lambda: b" ready." in log.read_bytes(), 30, "the worker started")

    def start_beat(self) -> None:
        self._start("beat", f"--schedule={self.directory / 'beat-schedule'}")

    def kill_worker(self) -> None:
        worker = self.processes.pop("worker")
        worker.send_signal(signal.SIGKILL)
        worker.wait(10)

    def stop(self) -> None:
        for role in ("beat", "worker"):
            process = self.processes.pop(role, None)
            if process is None:
                continue
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
        for log in self.logs:
            print(f"----- {log.name}\n{log.read_text(errors='replace')}")


def queue_removed(name: str) -> None:
    """Delete the test's queue and its binding from the broker, with any message a killed worker
    left unacknowledged for it (kombu's Redis transport would requeue that an hour later)."""
    queue = kombu.Queue(name, kombu.Exchange(name, "direct"), routing_key=name)
    with app.connection_for_write() as broker:
        channel = broker.default_channel
        bound = queue(channel)
        bound.declare()
        bound.delete()
        client = channel.client
        for tag, stored in client.hgetall(channel.unacked_key).items():
            if json.loads(stored)[2] == name:
                client.pipeline().zrem(channel.unacked_index_key, tag).hdel(
                    channel.unacked_key, tag
                ).execute()


@pytest.fixture
def stack(tmp_path, monkeypatch, transactional_db):
    """A worker on a queue of this test's, to which this process publishes too (the test
    settings run tasks in-process); beat when a test starts it. Stopped, and the queue removed,
    after the test and before its database is emptied."""
    queue = f"badges-stack-{uuid.uuid4().hex}"
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setitem(app.conf, "task_default_queue", queue)
    running = Stack(tmp_path, queue)
    try:
        running.start_worker()
        yield running
    finally:
        running.stop()
        queue_removed(queue)


@pytest.fixture
def org(transactional_db, httpserver):
    return OrganizationFactory(webhook_url=httpserver.url_for("/hooks"), webhook_secret=SECRET)


def editor_token(org) -> str:
    return TokenFactory(user=MembershipFactory(org=org, role=Role.EDITOR).user).key


def api_call(live_server, token: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    """A call to the API as an integration makes it (a POST when there is a body): the status
    and the JSON answered."""
    request = urllib.request.Request(
        f"{live_server.url}/api/v1/{path}",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Token {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.load(response)


def issued_over_http(live_server, org) -> Notification:
    """An editor's issue call; the notification it wrote."""
    badge = BadgeFactory(org=org)
    _, answer = api_call(
        live_server,
        editor_token(org),
        f"badges/{badge.pk}/issue/",
        {"customers": ["c-1"], "request_id": "r-1"},
    )
    [result] = answer["results"]
    assert result["status"] == "ISSUED", result
    return Notification.objects.get(issuance_id=result["issuance"]["issual_id"])


def status_of(notification: Notification) -> str:
    return Notification.objects.values_list("status", flat=True).get(pk=notification.pk)


def delivered(notification: Notification, timeout: float) -> None:
    wait_until(
        lambda: status_of(notification) == NotificationStatus.DELIVERED,
        timeout,
        f"notification {notification.pk} delivered",
    )


def test_an_issue_over_http_reaches_the_webhook_signed_under_the_notifications_id(
    stack, org, live_server, httpserver
):
    """Without beat: what delivers it is the task queued when the issue committed."""
    httpserver.expect_request("/hooks", method="POST").respond_with_data("ok")
    note = issued_over_http(live_server, org)
    delivered(note, 30)
    [(request, _)] = httpserver.log
    assert request.headers["webhook-id"] == str(note.pk)
    body = Webhook(SECRET).verify(request.get_data(), dict(request.headers))
    assert (body["type"], body["data"]["issual_id"]) == ("badge.issued", str(note.issuance_id))
    httpserver.check_assertions()


def test_a_receiver_failing_twice_gets_three_attempts_under_the_same_webhook_id(
    stack, org, live_server, httpserver
):
    """Without beat: each retry, due a second later, is queued with its time."""
    for status in (500, 500, 200):
        httpserver.expect_ordered_request("/hooks", method="POST").respond_with_data(
            "answer", status=status
        )
    note = issued_over_http(live_server, org)
    delivered(note, 30)
    assert [r.headers["webhook-id"] for r, _ in httpserver.log] == [str(note.pk)] * 3
    attempts = NotificationAttempt.objects.filter(notification=note).order_by("attempted_on")
    assert [a.status_code for a in attempts] == [500, 500, 200]
    note.refresh_from_db()
    assert (note.status, note.attempts) == (NotificationStatus.DELIVERED, 3)
    httpserver.check_assertions()


def test_a_worker_killed_mid_delivery_loses_nothing(stack, org, live_server, httpserver):
    """The killed attempt is never recorded; once its claim runs out, beat's sweep hands the
    notification to the restarted worker, which sends it again under the same webhook-id."""
    arrived, killed = threading.Event(), threading.Event()

    def held_until_the_worker_is_killed(request):
        arrived.set()
        killed.wait(30)
        return Response("too late", 200)

    httpserver.expect_ordered_request("/hooks").respond_with_handler(
        held_until_the_worker_is_killed
    )
    httpserver.expect_ordered_request("/hooks").respond_with_data("ok")
    stack.start_beat()
    note = issued_over_http(live_server, org)
    wait_until(arrived.is_set, 30, "the first attempt reached the receiver")
    stack.kill_worker()
    killed.set()
    assert status_of(note) == NotificationStatus.PENDING
    assert not NotificationAttempt.objects.filter(notification=note).exists()
    stack.start_worker()
    delivered(note, REDELIVERY_SECONDS)
    assert [r.headers["webhook-id"] for r, _ in httpserver.log] == [str(note.pk)] * 2
    [attempt] = NotificationAttempt.objects.filter(notification=note)
    assert attempt.status_code == 200
    httpserver.check_assertions()


def test_an_event_posted_over_http_issues_through_the_worker_and_reaches_the_webhook_signed(
    stack, org, live_server, httpserver
):
    """Without beat: the post stores the event and queues its processing on commit; the
    worker's ``process_event`` runs the rule, whose issue queues the delivery the worker then
    makes."""
    httpserver.expect_request("/hooks", method="POST").respond_with_data("ok")
    rule = rule_for(BadgeFactory(org=org), condition={"field": "amount", "op": "gte", "value": 500})
    token = editor_token(org)
    status, posted = api_call(
        live_server,
        token,
        "events/",
        {
            "event_id": "pos-7781",
            "event_type": "TransactionAdd",
            "customer_id": "c-42",
            "event_date": (timezone.now() - timedelta(minutes=5)).isoformat(),
            "reference": "BILL-7781",
            "payload": {"amount": 600},
        },
    )
    assert (status, posted["event_id"]) == (202, "pos-7781")
    wait_until(
        lambda: Event.objects.filter(pk=posted["id"], status=EventStatus.PROCESSED).exists(),
        30,
        "the worker processed the event",
    )
    [outcome] = EventOutcome.objects.filter(event_id=posted["id"]).select_related("issuance")
    assert (outcome.rule_id, outcome.result) == (rule.pk, OutcomeResult.ISSUED)
    issuance = outcome.issuance
    assert (issuance.source, issuance.triggered_by_reference) == ("EVENT", "BILL-7781")
    assert issuance.request_id == f"event:{posted['id']}:rule:{rule.pk}"
    _, read = api_call(live_server, token, f"events/{posted['id']}/")
    assert (read["status"], [o["result"] for o in read["outcomes"]]) == ("PROCESSED", ["ISSUED"])

    note = Notification.objects.get(issuance=issuance, type="badge.issued")
    delivered(note, 30)
    [(request, _)] = httpserver.log
    assert request.headers["webhook-id"] == str(note.pk)
    body = Webhook(SECRET).verify(request.get_data(), dict(request.headers))
    assert (body["type"], body["data"]["issual_id"]) == ("badge.issued", str(issuance.issual_id))
    httpserver.check_assertions()


IMPORT_ROWS = 100_000


def no_other_session_at_work() -> bool:
    """No other session of the test database runs a statement or holds a transaction open: a
    killed worker's server processes end theirs (a batch's commit already sent still lands)
    before they notice the worker is gone."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
            "AND state <> 'idle'"
        )
        return cursor.fetchone()[0] == 0


def test_an_import_run_whose_worker_is_killed_mid_file_is_taken_over_and_ends_whole(
    stack, tmp_path, settings
):
    """The run's advisory lock dies with the killed worker's connection; the lost-runs job
    sends its task again to the restarted worker, which imports the file from the start: the
    batches committed before the kill answer DUPLICATE, every row is imported once."""
    settings.STORAGES = {
        **settings.STORAGES,
        "imports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "imports")},
        },
    }
    org = OrganizationFactory(timezone="UTC")
    start = timezone.now() - timedelta(days=60)
    BadgeFactory(org=org, start_on=start, external_id="old-1")
    earned_on = (start + timedelta(days=1)).isoformat()
    content = "badge,customer_id,earn_event_date,expires_on\n" + "".join(
        f"old-1,c-{n},{earned_on},\n" for n in range(IMPORT_ROWS)
    )
    run = runs.run_start(
        org=org,
        actor=None,
        kind=ImportKind.CUSTOMER_BADGES,
        upload=SimpleUploadedFile("history.csv", content.encode()),
        dry_run=False,
        now=timezone.now(),
    )  # its task queued on commit

    def done_rows() -> int:
        return ImportRun.objects.values_list("rows_done", flat=True).get(pk=run.pk)

    wait_until(lambda: 0 < done_rows() < IMPORT_ROWS, 60, "a first batch committed")
    stack.kill_worker()
    wait_until(no_other_session_at_work, 30, "the killed worker's transactions ended")
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    before = Issuance.objects.filter(org=org).count()
    assert 0 < before < IMPORT_ROWS
    stack.start_worker()
    wait_until(runs.lost_runs_requeued, 30, "the lost run sent again")
    wait_until(
        lambda: ImportRun.objects.filter(pk=run.pk, status=RunStatus.DONE).exists(),
        120,
        "the run taken over and done",
    )
    run.refresh_from_db()
    assert (run.summary["imported"], run.summary["duplicate"]) == (
        IMPORT_ROWS - before,
        before,
    )
    assert Issuance.objects.filter(org=org).count() == IMPORT_ROWS
    assert not runs.lost_runs_requeued()
