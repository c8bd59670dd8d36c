"""Events (#15): ``POST events/`` (store and enqueue) and events processed per second end to end
by a real Celery worker, each next to direct issue calls measured in the same run.

    make bench-events     # or: .venv/bin/python bench/events.py [--quick]

Needs PostgreSQL on 127.0.0.1:5432 with the right to create a database (or
BENCH_EVENTS_DATABASE_URL, whose database is made and dropped), and Redis on 127.0.0.1:6379
(database 12). No committed data: the bench makes ``badges_bench_events`` by ``manage.py
migrate``, an org (no webhook: issues write their notification SKIPPED and queue no delivery),
two badges that never expire, without limits, and a rule "Big spender" (TransactionAdd,
``amount >= 500``, issue the first badge). Every event and every issue is for a new customer,
so that each issues once. Prints one table (docs/performance.md, "Events (#15)", holds the last
one); in each of ``--rounds`` turns:

* **POST events/**: a ``TransactionAdd`` of 600 through the DRF test client in this process
  (token auth, the dev settings, debug off; the GC tuned and collected after each response as
  in serving, outside the timed call), answered 202. Store and enqueue only: the broker is the
  real Redis, and the event's ``process_event`` is published there, on a queue no worker
  consumes yet. Baseline: ``POST badges/{id}/issue/`` of one new customer by the same client,
  which writes the issuance, its request record and its notification; and the post's enqueue
  alone (``process_event`` published by ``apply_async`` to a queue nothing consumes, no
  database). The three take turns in blocks of 50;
* **events processed end to end**: a real ``celery -A badges_project worker -c 2`` (prefork),
  started before the first turn on an idle queue; the events just posted wait in Redis, and
  the clock starts when the worker is told to consume their queue (``add_consumer``) and stops
  when the database holds none PENDING (polled every 50 ms); each must have issued. Baselines:
  as many issue calls queued as tasks (``bench.events.issued``, defined here and imported by
  the worker with ``-I bench.events``: ``issue()`` for one new customer, as the event's rule
  calls it) and consumed the same way, through the same broker and worker; and the same issue
  calls made directly in this process from 2 threads (the worker's 2 processes), no Celery;
* **events processed in-process**: as many events stored without queueing their processing,
  then ``event_process`` (what the task calls) from 2 threads in this process, no Celery, next
  to the same direct issue calls: what the events domain costs over the issue it makes.

The worker is stopped, the bench's queues deleted from Redis (the database flushed when it was
empty to begin with) and the database dropped, whatever happens.
"""

import argparse
import functools
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from celery import shared_task

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.jobs import (  # noqa: E402
    counted,
    database_created,
    database_dropped,
    in_threads,
    worker_stopped,
)
from bench.scale import Timings, prepare_environment, print_table  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/badges_bench_events"
BROKER = "redis://127.0.0.1:6379/12"
RUN = uuid.uuid4().hex[:8]
EVENTS_QUEUE = f"bench-events-{RUN}"  # the default queue: where posts queue process_event
ISSUES_QUEUE = f"bench-issues-{RUN}"
IDLE_QUEUE = f"bench-idle-{RUN}"  # what the worker consumes between measurements
ENQUEUE_QUEUE = f"bench-enqueue-{RUN}"  # the enqueue's floor publishes here; nothing consumes it
WORKER = [
    "-A",
    "badges_project",
    "worker",
    "-c",
    "2",
    "--loglevel",
    "WARNING",
    "-I",
    "bench.events",
    "-Q",
    IDLE_QUEUE,
    f"--hostname=bench-events-{RUN}@%h",
    "--without-gossip",
    "--without-mingle",
]
BLOCK = 50  # posts of one kind before the other kind's turn
WARM_UP = 20
POLL = 0.05


@shared_task(name="bench.events.issued")
def issued(badge_pk: int, customer_id: str) -> str:
    """The baseline's issue call: what an event's rule calls, for one new customer."""
    from django.utils import timezone

    from badges.models import Badge
    from badges.services.issuance import IssueOrder, issue

    badge = Badge.objects.select_related("org").get(pk=badge_pk)
    [outcome] = issue(
        badge=badge,
        customer_ids=[customer_id],
        order=IssueOrder(request_id=customer_id),
        now=timezone.now(),
    )
    return outcome.status


def setup():
    """The org (its token), the event's badge and rule, and the baseline's badge."""
    from django.utils import timezone

    from badges.events.services.rules import RuleDraft, rule_create
    from badges.services.definitions import badge_create
    from badges.services.orgs import org_create
    from badges.values import Definition, Expiry

    now = timezone.now()
    org, token = org_create(name="Events bench", timezone="UTC", username="events-bench")

    def badge(name: str):
        return badge_create(
            org=org,
            actor=None,
            now=now - timedelta(days=2),
            definition=Definition(
                name=name,
                start_on=now - timedelta(days=1),
                expires_on=now + timedelta(days=30),
                issue_type="ISSUE",
                issue_expiry=Expiry(type="NEVER"),
                owners=("LOYALTY",),
            ),
        )

    event_badge, issue_badge = badge("Big spender"), badge("Issued directly")
    rule_create(
        org=org,
        draft=RuleDraft(
            name="Big spender",
            module="LOYALTY",
            program="Supermarket program",
            event_type="TransactionAdd",
            action="ISSUE_BADGE",
            badge=event_badge,
            condition={"field": "amount", "op": "gte", "value": 500},
        ),
        confirm_claim=True,
        now=now,
    )
    return token.key, event_badge, issue_badge


class Posts:
    """``POST events/`` and ``POST badges/{id}/issue/`` through one test client: each call's
    seconds, and the statements the last one sent."""

    def __init__(self, token: str, issue_badge):
        from rest_framework.test import APIClient

        self.client = APIClient()
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        self.issue_path = f"/api/v1/badges/{issue_badge.pk}/issue/"
        self.queries: dict[str, int] = {}

    def event(self) -> float:
        from django.utils import timezone

        key = uuid.uuid4().hex[:12]
        body = {
            "event_id": f"pos-{key}",
            "event_type": "TransactionAdd",
            "customer_id": f"e-{key}",
            "event_date": timezone.now().isoformat(),
            "reference": f"BILL-{key}",
            "payload": {"amount": 600},
        }
        return self._timed("events", "/api/v1/events/", body, 202)

    def issue(self) -> float:
        customer = f"i-{uuid.uuid4().hex[:12]}"
        body = {"customers": [customer], "request_id": customer}
        return self._timed("issue", self.issue_path, body, 200)

    def enqueue(self) -> float:
        """The post's enqueue alone: ``process_event`` published to Redis as the post's
        on-commit hook publishes it, on a queue nothing consumes, no database."""
        from celery import current_app

        from badges.events.services.intake import PROCESS_TASK

        task = current_app.tasks[PROCESS_TASK]
        started = time.perf_counter()
        task.apply_async(args=[str(uuid.uuid4())], retry=False, queue=ENQUEUE_QUEUE)
        return time.perf_counter() - started

    def _timed(self, kind: str, path: str, body: dict, status: int) -> float:
        from django.db import connection

        from badges_project.serving import collected_after_response

        statements = []

        def count(execute, sql, params, many, context):
            statements.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            started = time.perf_counter()
            response = self.client.post(path, body, "json")
            seconds = time.perf_counter() - started
        assert response.status_code == status, (path, response.status_code, response.content)
        collected_after_response()  # as gunicorn's post_request, once it is sent
        self.queries[kind] = len(statements)
        return seconds


def posted_in_turns(posts: Posts, count: int, runs: dict) -> None:
    """``count`` event posts, ``count`` issue posts and ``count`` enqueues alone, taking turns
    in blocks."""
    done = 0
    while done < count:
        block = min(BLOCK, count - done)
        runs["post events"] += [posts.event() for _ in range(block)]
        runs["post issue"] += [posts.issue() for _ in range(block)]
        runs["enqueue"] += [posts.enqueue() for _ in range(block)]
        done += block


def worker_started(url: str, log) -> tuple[subprocess.Popen, str]:
    """``celery -A badges_project worker -c 2`` on the bench's database and broker, consuming
    the idle queue; once it answers a ping (its hostname with it)."""
    from badges_project.celery import app

    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": BROKER,
        "CELERY_TASK_DEFAULT_QUEUE": EVENTS_QUEUE,
        "DJANGO_SETTINGS_MODULE": "badges_project.settings.dev",
        "DJANGO_DEBUG": "false",
        "PYTHONPATH": str(ROOT),
    }
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", *WORKER],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group, which worker_stopped may end whole
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if worker.poll() is not None:
            raise RuntimeError(f"the worker exited with {worker.returncode}")
        for answer in app.control.ping(timeout=1.0):
            [hostname] = answer
            if hostname.startswith(f"bench-events-{RUN}@"):
                return worker, hostname
    worker_stopped(worker)
    raise RuntimeError("the worker did not answer a ping within 90 s")


def consumed(hostname: str, queue: str, done, timeout: float = 600) -> float:
    """Tell the worker to consume ``queue``; the seconds until ``done()``, polled; then the
    worker back on the idle queue alone."""
    from badges_project.celery import app

    started = time.perf_counter()
    [answer] = app.control.add_consumer(queue, destination=[hostname], reply=True)
    assert "ok" in answer[hostname], answer
    while not done():
        if time.perf_counter() - started > timeout:
            raise TimeoutError(f"{queue} not consumed within {timeout:g} s")
        time.sleep(POLL)
    elapsed = time.perf_counter() - started
    app.control.cancel_consumer(queue, destination=[hostname], reply=True)
    return elapsed


def processed_end_to_end(hostname: str, event_badge, count: int) -> float:
    """The events posted wait in Redis: the worker consumes them until none is PENDING."""
    from badges.events.choices import EventStatus
    from badges.events.models import Event
    from badges.models import Issuance

    held = Issuance.objects.filter(badge=event_badge).count()
    pending = Event.objects.filter(status=EventStatus.PENDING)
    assert pending.count() == count, (pending.count(), count)
    elapsed = consumed(hostname, EVENTS_QUEUE, lambda: not pending.exists())
    assert Event.objects.exclude(status=EventStatus.PROCESSED).count() == 0
    assert Issuance.objects.filter(badge=event_badge).count() == held + count
    return elapsed


def issued_through_the_worker(hostname: str, issue_badge, count: int) -> float:
    """``count`` issue calls queued as tasks, then consumed by the same worker."""
    from badges.models import Issuance

    issuances = Issuance.objects.filter(badge=issue_badge)
    target = issuances.count() + count
    for _ in range(count):
        issued.apply_async(args=[issue_badge.pk, f"t-{uuid.uuid4().hex[:12]}"], queue=ISSUES_QUEUE)
    return consumed(hostname, ISSUES_QUEUE, lambda: issuances.count() >= target)


def issued_directly(issue_badge, count: int, threads: int = 2) -> tuple[float, int]:
    """``count`` issue calls in this process from ``threads`` threads, no Celery: the seconds,
    and the statements of the first thread's second call."""
    from django.db import connection

    def work(index: int) -> int:
        statements = 0
        for n in range(index, count, threads):
            call = functools.partial(issued.run, issue_badge.pk, f"d-{uuid.uuid4().hex[:12]}")
            if n == index + threads:  # the second call: the connection's set-up left out
                status, _, statements = counted(call)
            else:
                status = call()
            assert status == "ISSUED"
        connection.close()
        return statements

    statements, elapsed = in_threads(threads, work)
    return elapsed, statements[0]


def processed_directly(event_badge, count: int, threads: int = 2) -> tuple[float, int]:
    """``count`` events stored without queueing their processing, then ``event_process`` (what
    the task calls) in this process from ``threads`` threads, no Celery: the seconds of the
    processing, and the statements of the first thread's second call."""
    from django.db import connection
    from django.utils import timezone

    from badges.events.choices import EventStatus
    from badges.events.models import Event
    from badges.events.services import intake
    from badges.events.services.processing import event_process

    queued, intake.event_queued = intake.event_queued, lambda event_pk: None
    try:
        pks = []
        for _ in range(count):
            key = uuid.uuid4().hex[:12]
            body = intake.EventBody(
                event_id=f"direct-{key}",
                event_type="TransactionAdd",
                customer_id=f"p-{key}",
                event_date=timezone.now(),
                reference=f"BILL-{key}",
                payload={"amount": 600},
            )
            event, _ = intake.event_submit(org=event_badge.org, body=body, now=timezone.now())
            pks.append(event.pk)
    finally:
        intake.event_queued = queued

    def work(index: int) -> int:
        statements = 0
        for n, pk in enumerate(pks[index::threads]):
            call = functools.partial(event_process, event_pk=pk, now=timezone.now())
            if n == 1 and index == 0:  # the second call: the connection's set-up left out
                _, _, statements = counted(call)
            else:
                call()
        connection.close()
        return statements

    statements, elapsed = in_threads(threads, work)
    assert not Event.objects.exclude(status=EventStatus.PROCESSED).exists()
    return elapsed, statements[0]


def broker_cleaned(was_empty: bool) -> None:
    """The bench's Redis database as it found it: flushed when it was empty, else every key
    naming this run (its queues, and their bindings, however kombu names those) deleted."""
    import redis

    client = redis.Redis.from_url(BROKER)
    if was_empty:
        client.flushdb()
    else:
        for key in list(client.scan_iter(match=f"*{RUN}*")):
            client.delete(key)
    client.close()


def measured(url: str, runs: dict, *, log, rounds: int, events: int) -> dict:
    """Each turn: posts (events and issues), then the events processed by the worker, the
    issue tasks and the direct issue calls. The queries of one post of each kind."""
    from django.db import connections

    worker = None
    try:
        token, event_badge, issue_badge = setup()
        posts = Posts(token, issue_badge)
        for _ in range(WARM_UP):
            posts.event(), posts.issue(), posts.enqueue()
        worker, hostname = worker_started(url, log)
        processed_end_to_end(hostname, event_badge, WARM_UP)
        issued_through_the_worker(hostname, issue_badge, WARM_UP)
        runs.clear()
        queries = {}
        for turn in range(rounds):
            share = events // rounds + (turn < events % rounds)
            posted_in_turns(posts, share, runs)
            runs["processed"].append(
                Timings([], processed_end_to_end(hostname, event_badge, share), share)
            )
            runs["issue tasks"].append(
                Timings([], issued_through_the_worker(hostname, issue_badge, share), share)
            )
            elapsed, queries["issue call"] = issued_directly(issue_badge, share)
            runs["issued directly"].append(Timings([], elapsed, share))
            elapsed, queries["process"] = processed_directly(event_badge, share)
            runs["processed directly"].append(Timings([], elapsed, share))
        return {**posts.queries, **queries}
    except BaseException:
        log.flush()
        log.seek(0)
        sys.stderr.write(log.read()[-5000:])
        raise
    finally:
        if worker is not None:
            worker_stopped(worker)
        connections.close_all()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: one turn, small N")
    parser.add_argument("--rounds", type=int, help="turns each measurement and its baseline take")
    parser.add_argument("--events", type=int, help="events posted and processed, all turns")
    args = parser.parse_args()
    rounds = args.rounds or (1 if args.quick else 3)
    events = args.events or (200 if args.quick else 2000)

    url = os.environ.get("BENCH_EVENTS_DATABASE_URL", DEFAULT_URL)
    prepare_environment(url)
    os.environ["CELERY_BROKER_URL"] = BROKER  # posts queue their processing: nothing eager
    os.environ["CELERY_TASK_DEFAULT_QUEUE"] = EVENTS_QUEUE
    import celery
    import redis

    broker = redis.Redis.from_url(BROKER)
    broker_was_empty = broker.dbsize() == 0
    broker.close()
    database_created(url)
    runs = defaultdict(list)
    try:
        import django

        django.setup()
        from django.db import connection

        from badges_project.serving import garbage_collector_tuned

        garbage_collector_tuned()
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        with tempfile.NamedTemporaryFile("w+", prefix="bench-events-worker-", suffix=".log") as log:
            queries = measured(url, runs, log=log, rounds=rounds, events=events)
    finally:
        broker_cleaned(broker_was_empty)
        database_dropped(url)

    post_events = Timings(runs["post events"], sum(runs["post events"]))
    post_issue = Timings(runs["post issue"], sum(runs["post issue"]))
    enqueue = Timings(runs["enqueue"], sum(runs["enqueue"]))
    processed = Timings.pooled(runs["processed"])
    tasks = Timings.pooled(runs["issue tasks"])
    direct = Timings.pooled(runs["issued directly"])
    processed_direct = Timings.pooled(runs["processed directly"])
    rows = [
        (
            "POST events/, store and enqueue (Redis, no worker consuming), 1 client",
            f"{post_events.rate:,.0f}",
            post_events,
            str(queries["events"]),
            f"POST badges/{{id}}/issue/, 1 new customer, same client ({queries['issue']} queries)",
            f"p50 {post_issue.ms(0.5):.1f} ms, p95 {post_issue.ms(0.95):.1f} ms",
            f"p50 {post_events.ms(0.5) / post_issue.ms(0.5):.2f}x",
        ),
        (
            "POST events/, store and enqueue (Redis, no worker consuming), 1 client",
            "",
            post_events,
            "",
            "its enqueue alone: process_event published to Redis, no database",
            f"p50 {enqueue.ms(0.5):.1f} ms, p95 {enqueue.ms(0.95):.1f} ms",
            f"{enqueue.ms(0.5) / post_events.ms(0.5):.0%} of the p50",
        ),
        (
            "events processed end to end, worker -c 2 (1 rule, each issues)",
            f"{processed.rate:,.0f}",
            None,
            "",
            "issue() calls as tasks through the same broker and worker",
            f"{tasks.rate:,.0f}/s",
            f"{processed.rate / tasks.rate:.0%}",
        ),
        (
            "events processed end to end, worker -c 2 (1 rule, each issues)",
            "",
            None,
            "",
            "issue() calls in-process, 2 threads, no Celery",
            f"{direct.rate:,.0f}/s",
            f"{processed.rate / direct.rate:.0%}",
        ),
        (
            "events processed in-process, 2 threads, no Celery (event_process, as the task)",
            f"{processed_direct.rate:,.0f}",
            None,
            str(queries["process"]),
            f"issue() calls in-process, 2 threads, no Celery ({queries['issue call']} queries)",
            f"{direct.rate:,.0f}/s",
            f"{processed_direct.rate / direct.rate:.0%}",
        ),
    ]
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), "")
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**30
    print(
        f"\n{os.cpu_count()} cores ({cpu}), {memory} GiB, Python {platform.python_version()}, "
        f"PostgreSQL {version}, Celery {celery.__version__} (prefork, Redis); {events:,} events "
        f"posted and processed and as many issues of each kind, in {rounds} turn"
        f"{'s' if rounds > 1 else ''} ({WARM_UP} warm-up calls of each kind first)\n"
    )
    print_table(rows)


if __name__ == "__main__":
    main()
