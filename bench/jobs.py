"""The background jobs (#11): the issued-count sync at scale, webhook deliveries per second and
the time from an issue's commit to its webhook's first attempt, each next to a baseline measured
in the same run.

    make bench-jobs       # or: .venv/bin/python bench/jobs.py [--quick]

Needs ``badges_scale`` (make bench-seed once; or BENCH_SCALE_DATABASE_URL), Redis on
127.0.0.1:6379 (database 13) and the right to create a database. Prints one table
(docs/performance.md, "Jobs and deliveries (#11)", holds the last one):

* **the issued-count sync** on ``badges_scale`` (5,000,000 issuances): in a transaction rolled
  back at the end of each turn, 100,000 new issuances written by SQL as single-customer issue
  calls leave them (a new customer, one issuance and one +1 ``IssuedCountChange`` each, spread
  over 1,000 badges without badge-wide limits, whose issues append changes), the change table
  analyzed as autovacuum would have by then; then ``issued_counts_sync`` folds them (its
  ``atomic`` a savepoint, its advisory lock held to the end). Baselines: the SQL floor, the
  changes summed by badge and one UPDATE of those badges' ``issued_count`` (one statement, in
  a savepoint rolled back before the sync runs); and the full recount the sync never runs,
  ``count(*) ... GROUP BY badge_id`` over every non-revoked issuance. A run with nothing
  pending (after a run that folded whatever was) is timed next to the floor with nothing
  pending, and ``sync --full``, which does recount, once;
* **deliveries per second**: in a small database of its own (``badges_bench_jobs``, made by
  ``manage.py migrate`` and dropped at the end), N notifications due for an org whose webhook
  is a receiver in this process (``ThreadingHTTPServer`` on 127.0.0.1, answering 204, closing
  each connection as HTTP/1.0 does); ``notifications_deliver(clock=timezone.now)`` from 1 and
  2 sender threads, each with its own connection. Baseline: the same bodies signed the same way
  (``signed_headers``) and POSTed by urllib3 from as many threads, a new connection each, no
  database: the network and signing floor;
* **commit to first attempt**: a real ``celery -A badges_project worker -c 2`` on Redis, and
  badges issued one at a time by ``badges.services.issuance.issue`` (each commits, then queues
  its delivery), timed from the commit (an ``on_commit`` hook registered ahead of the issue's
  own) to the arrival of its ``webhook-id`` at the receiver; each arrival is awaited before the
  next issue, so nothing queues behind another. Baseline: ``bench.jobs.posted``, a task
  defined here (the worker imports it with ``-I bench.jobs``) that signs the same body and
  POSTs it, no database, queued by ``apply_async`` as the issue's delivery is, through the same
  broker and worker; and that task's own floor, a Redis LPUSH taken by a BRPOP in a thread of
  this process that signs and POSTs (queue, then post, without Celery). The issue's hook finds
  the delivery task by name, so this process imports ``badges.tasks`` as a worker does; the
  table's footnote says when a process that only serves (django.setup(), its URLs) does not
  know the task, whose issue calls then queue nothing and leave their deliveries to the sweep.

Each measurement takes ``--rounds`` turns with its baseline, pooled. ``badges_scale`` is left as
it was: every write is rolled back, the tables written are vacuumed (not analyzed: their
statistics stay the seed's), and the row counts are checked before and after; what remains is
the sequences' advance and index pages freed for reuse. The worker is stopped, the Redis
database emptied (when it was empty to begin with; else its queue purged) and the small
database dropped, whatever happens.
"""

import argparse
import os
import platform
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from celery import shared_task

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.scale import Timings, prepare_environment, print_table  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/badges_scale"
JOBS_DATABASE = "badges_bench_jobs"
BROKER = "redis://127.0.0.1:6379/13"
FLOOR_KEY = "bench-jobs:floor"
HOOK_PATH = "/hooks"
WORKER = ["-A", "badges_project", "worker", "-c", "2", "--loglevel", "WARNING", "-I", "bench.jobs"]
# The tables a turn of the sync writes to (rolled back), vacuumed after it.
SCALE_TABLES = (
    "badges_issuance",
    "badges_customer",
    "badges_issuedcountchange",
    "badges_issuedcount",
    "badges_badge",
)
# What must be the same after the bench as before it.
SCALE_COUNTS = (
    "SELECT (SELECT count(*) FROM badges_issuance), (SELECT count(*) FROM badges_customer), "
    "(SELECT count(*) FROM badges_issuedcountchange), (SELECT count(*) FROM badges_notification), "
    "(SELECT sum(issued) FROM badges_issuedcount), (SELECT sum(issued_count) FROM badges_badge)"
)

# 1,000 started badges without badge-wide limits: their issues append a change row each.
CHOSEN_BADGES = """
SELECT b.id, b.org_id FROM badges_badge b
WHERE b.start_on < now() AND b.badge_overall_limit IS NULL
AND NOT EXISTS (SELECT 1 FROM badges_rollinglimit r WHERE r.badge_id = b.id AND r.scope = 'BADGE')
AND NOT EXISTS (
    SELECT 1 FROM badges_fixedwindowconfig f WHERE f.badge_id = b.id AND f.scope = 'BADGE')
ORDER BY b.id LIMIT %s
"""
# What single-customer issue calls of new customers leave for the sync: a customer, an issuance
# and a +1 change each (their request records and notifications the sync never reads).
NEW_ISSUANCES = """
WITH chosen AS (
    SELECT id, (row_number() OVER (ORDER BY id)) - 1 AS n FROM badges_badge WHERE id = ANY(%s)),
customers AS (
    INSERT INTO badges_customer (org_id, customer_id, created_on)
    SELECT %s, %s::text || g, now() FROM generate_series(0, %s - 1) g RETURNING id, customer_id),
issued AS (
    INSERT INTO badges_issuance (issual_id, org_id, badge_id, customer_id, event_date,
        issued_on, expires_on, status, source, triggered_by_module, triggered_by_reference,
        request_id, benefits, revoked_on, revoke_reason, revoked_by_id, issue_reason)
    SELECT gen_random_uuid(), %s, b.id, c.id, now(), now(), now() + interval '1 day', 'ACTIVE',
        'API', '', '', c.customer_id, '[]', NULL, '', NULL, ''
    FROM customers c
    JOIN chosen b ON b.n = substr(c.customer_id, length(%s::text) + 1)::int %% %s
    RETURNING badge_id)
INSERT INTO badges_issuedcountchange (badge_id, change) SELECT badge_id, 1 FROM issued
"""
# The least SQL that can refresh the counts from the changes: sum them by badge, add the sums to
# those badges' issued_count (the sync also deletes the changes it folded and keeps a count
# row per badge).
FLOOR = """
WITH totals AS (
    SELECT badge_id, SUM(change) AS total FROM badges_issuedcountchange GROUP BY badge_id)
UPDATE badges_badge b SET issued_count = b.issued_count + t.total, issued_count_synced_at = %s
FROM totals t WHERE b.id = t.badge_id
"""
# What the sync never runs: every badge's issuances counted again.
FULL_RECOUNT = (
    "SELECT badge_id, count(*) FROM badges_issuance WHERE revoked_on IS NULL GROUP BY badge_id"
)


def signed_post(port: int, message_id: str, body: bytes, secret: str) -> int:
    """POST ``body`` to the receiver signed as a delivery is, on a new connection (as each
    delivery opens one); the status answered."""
    import urllib3

    from badges.webhooks.transport import signed_headers

    headers = signed_headers(
        secret=secret, message_id=message_id, body=body, sent_at=datetime.now(UTC)
    )
    pool = urllib3.HTTPConnectionPool("127.0.0.1", port, maxsize=1, retries=False)
    try:
        response = pool.urlopen(
            "POST", HOOK_PATH, body=body, headers=headers, retries=False, redirect=False
        )
        return response.status
    finally:
        pool.close()


@shared_task(name="bench.jobs.posted")
def posted(port: int, message_id: str, body: str, secret: str) -> int:
    """The latency baseline's task: sign and POST once, no database (the bench's worker
    imports it with ``-I bench.jobs``)."""
    return signed_post(port, message_id, body.encode(), secret)


class Receiver:
    """A webhook endpoint in this process: answers 204 and keeps when each ``webhook-id``
    first arrived (``time.perf_counter``, this process's clock)."""

    def __init__(self):
        self.arrivals: dict[str, float] = {}
        self.arrived = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                at = time.perf_counter()
                self.rfile.read(int(self.headers["content-length"]))
                with receiver.arrived:
                    receiver.arrivals.setdefault(self.headers["webhook-id"], at)
                    receiver.arrived.notify_all()
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 128

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}{HOOK_PATH}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def clear(self) -> None:
        with self.arrived:
            self.arrivals.clear()

    def count(self) -> int:
        with self.arrived:
            return len(self.arrivals)

    def wait_for(self, message_id: str, timeout: float = 30.0) -> float:
        with self.arrived:
            if not self.arrived.wait_for(lambda: message_id in self.arrivals, timeout):
                raise TimeoutError(f"{message_id} did not arrive within {timeout:g} s")
            return self.arrivals[message_id]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def in_threads(count: int, work) -> tuple[list, float]:
    """``work(index)`` in ``count`` threads released together: their results and the seconds
    until the last one finished."""
    results: list = [None] * count
    barrier = threading.Barrier(count + 1)

    def run(index: int) -> None:
        barrier.wait()
        results[index] = work(index)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return results, time.perf_counter() - started


def timed(call) -> tuple[object, float]:
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def counted(call) -> tuple[object, float, int]:
    """``call()``'s result, its seconds and the statements it sent through Django."""
    from django.db import connection

    statements = []

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        result, seconds = timed(call)
    return result, seconds, len(statements)


def vacuumed(url: str, tables) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"VACUUM {', '.join(tables)}")


def scale_counts(url: str) -> tuple:
    import psycopg

    with psycopg.connect(url) as conn:
        return conn.execute(SCALE_COUNTS).fetchone()


# The issued-count sync at scale ------------------------------------------------------------


def sync_at_scale(url: str, *, rounds: int, issuances: int, badges: int) -> dict:
    """Each turn: a transaction, rolled back, in which the sync runs with nothing pending, then
    100,000 issuances are written and the floor, the recount and the sync run over them."""
    from django.db import connection, transaction
    from django.utils import timezone

    from badges.services.issued_count_sync import issued_counts_sync

    def floor() -> tuple[float, int]:
        with transaction.atomic():  # a savepoint, rolled back: the sync folds the same changes
            with connection.cursor() as cursor:
                _, seconds = timed(lambda: cursor.execute(FLOOR, [timezone.now()]))
                written = cursor.rowcount
            transaction.set_rollback(True)
        return seconds, written

    def recount() -> float:
        with connection.cursor() as cursor:
            _, seconds = timed(lambda: (cursor.execute(FULL_RECOUNT), cursor.fetchall()))
        return seconds

    def turn_of_sync(turn: int, found: dict) -> None:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(CHOSEN_BADGES, [badges])
                chosen = cursor.fetchall()
            assert len(chosen) == badges, f"only {len(chosen)} badges without badge-wide limits"
            org = chosen[0][1]
            issued_counts_sync(now=timezone.now())  # whatever was pending: now none is
            for _ in range(5):
                run, seconds, queries = counted(lambda: issued_counts_sync(now=timezone.now()))
                assert (run.folded, run.refreshed) == (0, 0), run
                found["none"].append(seconds)
                found["none queries"] = queries
                seconds, written = floor()
                assert written == 0
                found["floor none"].append(seconds)

            prefix = f"jobs-{uuid.uuid4().hex[:8]}-"
            with connection.cursor() as cursor:
                _, seconds = timed(
                    lambda: cursor.execute(
                        NEW_ISSUANCES,
                        [[b for b, _ in chosen], org, prefix, issuances, org, prefix, badges],
                    )
                )
                assert cursor.rowcount == issuances
                cursor.execute("ANALYZE badges_issuedcountchange")
            found["insert"].append(seconds)

            seconds, written = floor()
            assert written == badges
            found["floor"].append(seconds)
            found["recount"].append(recount())
            run, seconds, queries = counted(lambda: issued_counts_sync(now=timezone.now()))
            assert (run.folded, run.refreshed) == (badges, badges), run
            found["sync"].append(seconds)
            found["sync queries"] = queries
            if turn == 0:
                run, seconds, queries = counted(
                    lambda: issued_counts_sync(now=timezone.now(), full=True)
                )
                assert not run.skipped, run
                found["full"].append(seconds)
                found["recount beside full"] = found["recount"][-1]
                found["drift"] = run.drift_total
                found["full queries"] = queries
            with connection.cursor() as cursor:
                cursor.execute("SELECT count(*) FROM badges_issuance")
                found["issuances"] = cursor.fetchone()[0]
            transaction.set_rollback(True)

    found = defaultdict(list)
    for turn in range(rounds):
        try:
            turn_of_sync(turn, found)
        finally:
            connection.close()
            vacuumed(url, SCALE_TABLES)
    return found


# The small database of the delivery measurements ---------------------------------------------


def database_created(url: str) -> None:
    """The database ``url`` names (``badges_bench_jobs`` here), new, migrated by
    ``manage.py migrate``."""
    database_dropped(url)
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    env = {**os.environ, "DATABASE_URL": url}
    migrate = [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"]
    subprocess.run(migrate, cwd=ROOT, env=env, check=True)


def database_dropped(url: str) -> None:
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(server + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def default_database_is(name: str) -> None:
    """Point this process's connections at another database on the same server (the settings'
    dict is the one every thread's connection reads)."""
    from django.db import connection, connections

    connections.close_all()
    connections.settings["default"]["NAME"] = name
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        assert cursor.fetchone()[0] == name


def org_with_notifications(receiver: Receiver, notifications: int):
    """An org, a badge issued to ``notifications`` new customers while the org had no webhook
    (so nothing was sent), then the receiver set as the org's webhook (a secret generated):
    the org, the badge, and each notification's id and body."""
    from django.utils import timezone

    from badges.models import Badge, Notification
    from badges.services.definitions import badge_create
    from badges.services.issuance import IssueOrder, issue
    from badges.services.notifications import notification_body
    from badges.services.orgs import org_create, org_update
    from badges.values import Definition, Expiry

    now = timezone.now()
    org, _ = org_create(name="Jobs bench", timezone="UTC", username="jobs-bench")
    badge = badge_create(
        org=org,
        actor=None,
        now=now - timedelta(days=2),
        definition=Definition(
            name="Jobs bench",
            start_on=now - timedelta(days=1),
            expires_on=now + timedelta(days=30),
            issue_type="ISSUE",
            issue_expiry=Expiry(type="NEVER"),
            owners=("LOYALTY",),
        ),
    )
    customers = [f"d-{n}" for n in range(notifications)]
    for start in range(0, notifications, 1000):
        outcomes = issue(
            badge=badge,
            customer_ids=customers[start : start + 1000],
            order=IssueOrder(request_id=f"bulk-{start}"),
            now=timezone.now(),
        )
        assert all(o.status == "ISSUED" for o in outcomes)
    org = org_update(org=org, webhook_url=receiver.url)
    badge = Badge.objects.select_related("org").get(pk=badge.pk)  # the org with its webhook
    bodies = [(str(n.pk), notification_body(n)) for n in Notification.objects.filter(org=org)]
    assert len(bodies) == notifications and org.webhook_secret
    return org, badge, bodies


def due_again(url: str, org_id: int) -> None:
    """Every notification of the org PENDING and due, as new, its attempts gone; vacuumed."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DELETE FROM badges_notificationattempt WHERE org_id = %s", [org_id])
        conn.execute(
            "UPDATE badges_notification SET status = 'PENDING', attempts = 0, "
            "next_attempt_at = now(), delivered_on = NULL, last_error = '' WHERE org_id = %s",
            [org_id],
        )
        conn.execute("VACUUM ANALYZE badges_notification, badges_notificationattempt")


def delivered(senders: int, notifications: int) -> tuple[Timings, float]:
    """``notifications_deliver`` in ``senders`` threads until none is due: the time of each
    attempt, the wall time, and the statements per delivery."""
    from django.db import connection
    from django.utils import timezone

    from badges.services import deliveries

    attempt, latencies, statements = deliveries.notification_attempt, [], []

    def timed_attempt(notification, **kwargs):
        started = time.perf_counter()
        try:
            return attempt(notification, **kwargs)
        finally:
            latencies.append(time.perf_counter() - started)

    def count(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    def work(_):
        with connection.execute_wrapper(count):
            run = deliveries.notifications_deliver(clock=timezone.now, limit=notifications)
        connection.close()
        return run

    deliveries.notification_attempt = timed_attempt
    try:
        runs, elapsed = in_threads(senders, work)
    finally:
        deliveries.notification_attempt = attempt
    assert sum(run.delivered for run in runs) == notifications, runs
    return Timings(latencies, elapsed), len(statements) / notifications


def posted_directly(port: int, bodies: list, secret: str, senders: int) -> Timings:
    """The same bodies signed and POSTed by urllib3 from ``senders`` threads, no database."""

    def work(index):
        latencies = []
        for message_id, body in bodies[index::senders]:
            started = time.perf_counter()
            assert signed_post(port, message_id, body, secret) == 204
            latencies.append(time.perf_counter() - started)
        return latencies

    results, elapsed = in_threads(senders, work)
    return Timings([t for r in results for t in r], elapsed)


# Commit to first attempt, with a worker running ---------------------------------------------


def worker_started(url: str, log) -> subprocess.Popen:
    """``celery -A badges_project worker -c 2`` on the small database and the bench's broker,
    importing this module for the baseline's task; once it answers a ping."""
    from badges_project.celery import app

    env = {
        **os.environ,
        "DATABASE_URL": url,
        "CELERY_BROKER_URL": BROKER,
        "DJANGO_SETTINGS_MODULE": "badges_project.settings.dev",
        "DJANGO_DEBUG": "false",
        "WEBHOOKS_ALLOW_PRIVATE_NETWORKS": "true",
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
        if app.control.ping(timeout=1.0):
            return worker
    worker_stopped(worker)
    raise RuntimeError("the worker did not answer a ping within 90 s")


def worker_stopped(worker: subprocess.Popen) -> None:
    """A warm shutdown (SIGTERM), else the worker's process group killed."""
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def issued_to_arrival(badge, receiver: Receiver, issues: int) -> list[float]:
    """Issue ``badge`` to a new customer ``issues`` times, one at a time: from each commit to
    its notification's arrival at the receiver."""
    from django.db import transaction
    from django.utils import timezone

    from badges.models import Notification
    from badges.services.issuance import IssueOrder, issue

    latencies = []
    for _ in range(issues):
        customer = f"l-{uuid.uuid4().hex[:12]}"
        committed = []
        with transaction.atomic():
            # Registered ahead of the issue's own hook (which queues the delivery): runs first.
            transaction.on_commit(lambda committed=committed: committed.append(time.perf_counter()))
            [outcome] = issue(
                badge=badge,
                customer_ids=[customer],
                order=IssueOrder(request_id=customer),
                now=timezone.now(),
            )
        assert outcome.status == "ISSUED", outcome
        message_id = str(
            Notification.objects.values_list("pk", flat=True).get(
                issuance_id=outcome.issuance.issual_id
            )
        )
        latencies.append(receiver.wait_for(message_id) - committed[0])
    return latencies


def task_to_arrival(receiver: Receiver, body: bytes, secret: str, count: int) -> list[float]:
    """``posted`` queued ``count`` times, one at a time, as the issue's delivery is queued:
    from ``apply_async`` to the arrival of its POST."""
    latencies = []
    for _ in range(count):
        message_id = f"task-{uuid.uuid4()}"
        started = time.perf_counter()
        posted.apply_async(args=[receiver.port, message_id, body.decode(), secret], retry=False)
        latencies.append(receiver.wait_for(message_id) - started)
    return latencies


def redis_to_arrival(receiver: Receiver, body: bytes, secret: str, count: int) -> list[float]:
    """The floor of "queue, then post": an LPUSH taken by a BRPOP in a thread that signs and
    POSTs, from the LPUSH to the arrival."""
    import redis

    client = redis.Redis.from_url(BROKER)

    def consume():
        consumer = redis.Redis.from_url(BROKER)
        while True:
            _, message_id = consumer.brpop([FLOOR_KEY])
            if message_id == b"":
                break
            signed_post(receiver.port, message_id.decode(), body, secret)
        consumer.close()

    consumer = threading.Thread(target=consume)
    consumer.start()
    latencies = []
    try:
        for _ in range(count):
            message_id = f"floor-{uuid.uuid4()}"
            started = time.perf_counter()
            client.lpush(FLOOR_KEY, message_id)
            latencies.append(receiver.wait_for(message_id) - started)
    finally:
        client.lpush(FLOOR_KEY, "")
        consumer.join()
        client.delete(FLOOR_KEY)
        client.close()
    return latencies


def broker_emptied(was_empty: bool) -> None:
    """The bench's Redis database as it found it: emptied when it was empty, else its queue
    purged."""
    import redis

    from badges_project.celery import app

    if was_empty:
        client = redis.Redis.from_url(BROKER)
        client.flushdb()
        client.close()
    else:
        app.control.purge()


def measured_on_jobs_database(
    url: str,
    runs: dict,
    *,
    log,
    rounds: int,
    notifications: int,
    issues: int,
    warm_up: int,
    broker_was_empty: bool,
) -> None:
    """Deliveries per second, then commit to first attempt with a worker running, in
    ``badges_bench_jobs``; whatever happens, the worker stopped, the broker emptied and the
    database dropped."""
    from django.db import connections

    receiver = Receiver()
    worker = None
    try:
        database_created(url)
        default_database_is(JOBS_DATABASE)
        org, badge, bodies = org_with_notifications(receiver, notifications)
        for _ in range(rounds):
            for senders in (1, 2):
                due_again(url, org.pk)
                receiver.clear()
                timings, statements = delivered(senders, notifications)
                assert receiver.count() == notifications
                runs["deliver", senders].append(timings)
                runs["statements", senders].append(statements)
                runs["direct", senders].append(
                    posted_directly(receiver.port, bodies, org.webhook_secret, senders)
                )

        worker = worker_started(url, log)
        body, secret = bodies[0][1], org.webhook_secret
        issued_to_arrival(badge, receiver, warm_up)
        task_to_arrival(receiver, body, secret, warm_up)
        redis_to_arrival(receiver, body, secret, warm_up)
        for turn in range(rounds):
            share = issues // rounds + (turn < issues % rounds)
            runs["issued"] += issued_to_arrival(badge, receiver, share)
            runs["task"] += task_to_arrival(receiver, body, secret, share)
            runs["floor"] += redis_to_arrival(receiver, body, secret, share)
    except BaseException:
        log.flush()
        log.seek(0)
        sys.stderr.write(log.read()[-5000:])
        raise
    finally:
        if worker is not None:
            worker_stopped(worker)
        broker_emptied(broker_was_empty)
        receiver.close()
        connections.close_all()
        database_dropped(url)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: one turn, small N")
    parser.add_argument("--rounds", type=int, help="turns each measurement and its baseline take")
    parser.add_argument("--issuances", type=int, default=100_000, help="new issuances synced")
    parser.add_argument("--badges", type=int, default=1000, help="badges they are spread over")
    parser.add_argument("--notifications", type=int, help="notifications delivered per run")
    parser.add_argument("--issues", type=int, help="issues timed to their first attempt")
    args = parser.parse_args()
    rounds = args.rounds or (1 if args.quick else 3)
    notifications = args.notifications or (200 if args.quick else 2000)
    issues = args.issues or (20 if args.quick else 200)
    warm_up = 3 if args.quick else 10

    scale_url = os.environ.get("BENCH_SCALE_DATABASE_URL", DEFAULT_URL)
    jobs_url = scale_url.rsplit("/", 1)[0] + "/" + JOBS_DATABASE
    prepare_environment(scale_url)
    os.environ["CELERY_BROKER_URL"] = BROKER  # issues queue their deliveries for the worker
    os.environ["WEBHOOKS_ALLOW_PRIVATE_NETWORKS"] = "true"  # the receiver is on 127.0.0.1
    import celery
    import django
    import redis

    django.setup()
    from django.db import connection
    from django.urls import resolve

    from badges.services.notifications import DELIVER_TASK
    from badges_project.celery import app
    from badges_project.serving import garbage_collector_tuned

    resolve("/api/v1/badges/")  # the URLs loaded, as a serving process has them
    # Whether a process that only serves (django.setup(), its URLs) knows the delivery task:
    # the issue's on-commit hook looks it up by name, and queues nothing without it.
    served_knows_task = DELIVER_TASK in app.tasks
    import badges.tasks  # noqa: F401  (registers the task, as a worker's autodiscovery does)

    garbage_collector_tuned()
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
        cursor.execute("SELECT count(*) FROM badges_badge")
        badge_count = cursor.fetchone()[0]
    broker = redis.Redis.from_url(BROKER)
    broker_was_empty = broker.dbsize() == 0
    broker.close()

    # 1. The issued-count sync at scale.
    counts_before = scale_counts(scale_url)
    sync = sync_at_scale(scale_url, rounds=rounds, issuances=args.issuances, badges=args.badges)
    counts_after = scale_counts(scale_url)
    assert counts_after == counts_before, (counts_before, counts_after)

    runs = defaultdict(list)
    with tempfile.NamedTemporaryFile("w+", prefix="bench-jobs-worker-", suffix=".log") as log:
        measured_on_jobs_database(
            jobs_url,
            runs,
            log=log,
            rounds=rounds,
            notifications=notifications,
            issues=issues,
            warm_up=warm_up,
            broker_was_empty=broker_was_empty,
        )

    rows = []
    sync_timings, floor = Timings(sync["sync"], sum(sync["sync"])), Timings(sync["floor"], 1)
    recount = Timings(sync["recount"], 1)
    n, b = f"{args.issuances:,}", f"{args.badges:,}"
    rows.append(
        (
            f"issued-count sync, {n} new issuances on {b} badges",
            f"{len(sync['sync']) * args.issuances / sync_timings.elapsed:,.0f}",
            sync_timings,
            str(sync["sync queries"]),
            f"SQL floor: the changes summed by badge, one UPDATE of the {b} badges",
            f"{floor.ms(0.5):,.1f} ms",
            f"{sync_timings.ms(0.5) / floor.ms(0.5):.1f}x",
        )
    )
    rows.append(
        (
            f"issued-count sync, {n} new issuances on {b} badges",
            "",
            sync_timings,
            str(sync["sync queries"]),
            f"full recount: count(*) by badge over {sync['issuances']:,} issuances "
            "(what the sync does not run)",
            f"{recount.ms(0.5):,.1f} ms",
            f"{sync_timings.ms(0.5) / recount.ms(0.5):.2f}x",
        )
    )
    none, floor_none = Timings(sync["none"], 1), Timings(sync["floor none"], 1)
    rows.append(
        (
            f"issued-count sync, nothing pending ({badge_count:,} badges)",
            "",
            none,
            str(sync["none queries"]),
            "SQL floor with nothing pending",
            f"{floor_none.ms(0.5):,.2f} ms",
            f"{none.ms(0.5) / floor_none.ms(0.5):.0f}x",
        )
    )
    full = Timings(sync["full"], 1)
    rows.append(
        (
            "issued-count sync --full, once (recounts every issuance: slow by design)",
            "",
            full,
            str(sync["full queries"]),
            "full recount alone, the same turn",
            f"{sync['recount beside full'] * 1000:,.1f} ms",
            f"{full.ms(0.5) / (sync['recount beside full'] * 1000):.1f}x",
        )
    )
    for senders in (1, 2):
        deliver = Timings.pooled(runs["deliver", senders])
        direct = Timings.pooled(runs["direct", senders])
        statements = sum(runs["statements", senders]) / len(runs["statements", senders])
        plural = "s" if senders > 1 else ""
        rows.append(
            (
                f"deliveries, {senders} sender{plural} (time of each attempt)",
                f"{deliver.rate:,.0f}",
                deliver,
                f"{statements:.1f}/delivery",
                f"signed POSTs by urllib3, {senders} thread{plural}, no database",
                f"{direct.rate:,.0f}/s, p50 {direct.ms(0.5):.1f} ms",
                f"{deliver.rate / direct.rate:.0%}",
            )
        )
    issued, task = Timings(runs["issued"], 1), Timings(runs["task"], 1)
    floor_latency = Timings(runs["floor"], 1)
    rows.append(
        (
            "commit to first attempt, worker -c 2",
            "",
            issued,
            "",
            "a task that signs and POSTs, no database, through the same broker and worker",
            f"{task.ms(0.5):.1f} ms (p95 {task.ms(0.95):.1f})",
            f"{issued.ms(0.5) / task.ms(0.5):.1f}x",
        )
    )
    rows.append(
        (
            "that task (sign and POST) through Celery",
            "",
            task,
            "",
            "Redis LPUSH to a BRPOP in a thread that signs and POSTs",
            f"{floor_latency.ms(0.5):.1f} ms (p95 {floor_latency.ms(0.95):.1f})",
            f"{task.ms(0.5) / floor_latency.ms(0.5):.1f}x",
        )
    )

    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), "")
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**30
    insert = Timings(sync["insert"], 1)
    print(
        f"\n{os.cpu_count()} cores ({cpu}), {memory} GiB, Python {platform.python_version()}, "
        f"PostgreSQL {version}, Celery {celery.__version__} (prefork, Redis); {rounds} turn"
        f"{'s' if rounds > 1 else ''} of each measurement with its baseline. Sync: "
        f"badges_scale, {counts_before[0]:,} issuances and {badge_count:,} badges, "
        f"{args.issuances:,} more written by SQL in {insert.ms(0.5) / 1000:.1f} s a turn, "
        f"rolled back (row counts checked unchanged); 5 runs with nothing pending a turn. "
        f"Deliveries: {notifications:,} notifications a run, receiver in-process on 127.0.0.1. "
        f"Latency: {len(runs['issued'])} issues one at a time, each awaited ({warm_up} warm-up "
        f"calls of each kind first)\n"
    )
    print_table(rows)
    if sync["drift"]:
        print(f"\nsync --full found {sync['drift']:,} issuances of drift (corrected, rolled back)")
    if not served_knows_task:
        print(
            f"\nNote: a process that has only run django.setup() and loaded its URLs (as a "
            f"gunicorn worker) does not know {DELIVER_TASK}: an issue's on-commit hook there "
            "logs 'Could not queue' and its delivery waits for the sweep. This bench imports "
            "badges.tasks, as a worker's autodiscovery does, to time the queued path."
        )


if __name__ == "__main__":
    main()
