"""The issue path and the reads at scale, each next to a baseline measured in the same run.

    make bench-seed   # once: 10,000 badges, 1,000,000 customers, 5,000,000 issuances
    make bench        # or: .venv/bin/python bench/scale.py --seconds 10

Runs against ``badges_scale`` (``bench/seed_scale.py``; or BENCH_SCALE_DATABASE_URL) and prints
one table (docs/performance.md holds the last one, with the machine it ran on):

* single-customer issue calls over HTTP (gunicorn as deployed: ``badges_project.gunicorn_conf``)
  from 4 and 8 clients, next to the same statements sent by psycopg from as many clients, and
  pgbench's rate for that transaction;
* the same call in-process (the server's own time per call), next to one psycopg client;
* issue into "Hot 500k" (500,000 issuances) next to "Empty 0" (the same limits), 1 and 4
  clients;
* bulk issues of 1,000 customers, next to a raw multi-row insert of the same rows;
* the badge list (first page, filtered, by name, page 200), a badge's detail and the badges of a
  customer holding 200, in-process: p50/p95 and query count, next to replaying the page's own
  statements and parameters through psycopg, prepared as the app's are.

Load generators, the app and PostgreSQL share the machine's cores: compare within one run.
"""

import argparse
import functools
import http.client
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/badges_scale"

# The statements a single-customer issue sends (caller, badge, then the transaction), as SQL.
CALLER = (
    "SELECT m.id, m.role, o.id, o.timezone, u.id, u.is_active FROM authtoken_token t "
    "JOIN auth_user u ON u.id = t.user_id JOIN badges_membership m ON m.user_id = u.id "
    "JOIN badges_organization o ON o.id = m.org_id WHERE t.key = %(token)s ORDER BY m.id LIMIT 2"
)
BADGE = (
    "SELECT b.*, o.* FROM badges_badge b JOIN badges_organization o ON o.id = b.org_id "
    "WHERE b.org_id = %(org)s AND b.id = %(badge)s LIMIT 21"
)
UPSERT = (
    "INSERT INTO badges_customer (org_id, customer_id, created_on) "
    "VALUES (%(org)s, %(customer)s, now()) ON CONFLICT (org_id, customer_id) "
    "DO UPDATE SET customer_id = EXCLUDED.customer_id "
    "RETURNING id, org_id, customer_id, registered_on, created_on"
)
HELD = (
    "SELECT false, customer_id, issued_on, expires_on, event_date FROM badges_issuance "
    "WHERE badge_id = %(badge)s AND customer_id IN (%(customer_pk)s) AND revoked_on IS NULL "
    "UNION ALL SELECT true, customer_id, NULL, NULL, NULL FROM badges_issuerequest "
    "WHERE org_id = %(org)s AND badge_id = %(badge)s AND customer_id IN (%(customer_pk)s) "
    "AND request_id = %(customer)s"
)
WRITE = (
    "WITH w0 AS (INSERT INTO badges_issuance (issual_id, org_id, badge_id, customer_id, "
    "event_date, issued_on, expires_on, status, source, triggered_by_module, "
    "triggered_by_reference, request_id, benefits, revoked_on, revoke_reason, revoked_by_id) "
    "VALUES (%(issual)s, %(org)s, %(badge)s, %(customer_pk)s, now(), now(), "
    "now() + interval '1 day', 'ACTIVE', 'API', '', '', %(customer)s, '[]', NULL, '', NULL) "
    "RETURNING id), "
    "w1 AS (INSERT INTO badges_issuerequest (org_id, badge_id, customer_id, request_id, "
    "fingerprint, issual_id, code, message, details, created_on) VALUES (%(org)s, %(badge)s, "
    "%(customer_pk)s, %(customer)s, '', %(issual)s, '', '', '{}', now())), "
    "w2 AS (INSERT INTO badges_notification (id, org_id, type, issual_id, badge_id, "
    "customer_id, data, created_on, status, attempts, next_attempt_at, delivered_on, last_error) "
    "VALUES (%(notification)s, %(org)s, 'badge.issued', %(issual)s, %(badge)s, %(customer_pk)s, "
    "%(notification_data)s, now(), 'SKIPPED', 0, NULL, NULL, 'The org had no webhook URL.')), "
    "w3 AS (INSERT INTO badges_issuedcountchange (badge_id, change) VALUES (%(badge)s, 1)) "
    "SELECT * FROM w0"
)

REPLAYS = 30  # replays of a read's statements, in all its rounds
WARM_UP = 8  # calls of a read, and replays of its statements, before either is timed

# A new customer per transaction, drawn from 9e18 (from 2e9, two of a run's ~50,000 drew the
# same customer often enough: their overlapping issuances stopped pgbench).
# A notification's data as an issue writes it (its size, not its values, is what costs).
NOTIFICATION_DATA = json.dumps(
    {
        "issual_id": str(uuid.UUID(int=0)),
        "badge": {"id": str(uuid.UUID(int=0)), "name": "Badge 00001"},
        "customer_id": "sql-000000000000",
        "event_date": "2026-11-28T12:00:00.000000Z",
        "issued_on": "2026-11-28T12:00:00.000000Z",
        "expires_on": "2026-11-29T12:00:00.000000Z",
        "status": "ACTIVE",
        "source": "API",
        "triggered_by": None,
        "benefits": [],
        "revoked_on": None,
        "revoke_reason": "",
    }
)
PGBENCH_SCRIPT = """\\set c random(1, 9000000000000000000)
SELECT m.id, m.role, o.id, o.timezone, u.id, u.is_active FROM authtoken_token t JOIN auth_user u ON u.id = t.user_id JOIN badges_membership m ON m.user_id = u.id JOIN badges_organization o ON o.id = m.org_id WHERE t.key = :token ORDER BY m.id LIMIT 2;
SELECT b.*, o.* FROM badges_badge b JOIN badges_organization o ON o.id = b.org_id WHERE b.org_id = :org AND b.id = :badge LIMIT 21;
BEGIN;
INSERT INTO badges_customer (org_id, customer_id, created_on) VALUES (:org, 'pgb-' || :c, now()) ON CONFLICT (org_id, customer_id) DO UPDATE SET customer_id = EXCLUDED.customer_id RETURNING id AS customer_pk \\gset
SELECT false, customer_id, issued_on, expires_on, event_date FROM badges_issuance WHERE badge_id = :badge AND customer_id IN (:customer_pk) AND revoked_on IS NULL UNION ALL SELECT true, customer_id, NULL, NULL, NULL FROM badges_issuerequest WHERE org_id = :org AND badge_id = :badge AND customer_id IN (:customer_pk) AND request_id = 'pgb-' || :c;
WITH w0 AS (INSERT INTO badges_issuance (issual_id, org_id, badge_id, customer_id, event_date, issued_on, expires_on, status, source, triggered_by_module, triggered_by_reference, request_id, benefits, revoked_on, revoke_reason, revoked_by_id) VALUES (gen_random_uuid(), :org, :badge, :customer_pk, now(), now(), now() + interval '1 day', 'ACTIVE', 'API', '', '', 'pgb-' || :c, '[]', NULL, '', NULL) RETURNING id, issual_id), w1 AS (INSERT INTO badges_issuerequest (org_id, badge_id, customer_id, request_id, fingerprint, issual_id, code, message, details, created_on) SELECT :org, :badge, :customer_pk, 'pgb-' || :c, '', issual_id, '', '', '{}', now() FROM w0), w2 AS (INSERT INTO badges_notification (id, org_id, type, issual_id, badge_id, customer_id, data, created_on, status, attempts, next_attempt_at, delivered_on, last_error) SELECT gen_random_uuid(), :org, 'badge.issued', issual_id, :badge, :customer_pk, '{}', now(), 'SKIPPED', 0, NULL, NULL, 'The org had no webhook URL.' FROM w0), w3 AS (INSERT INTO badges_issuedcountchange (badge_id, change) VALUES (:badge, 1)) SELECT id FROM w0;
COMMIT;
"""  # noqa: E501


def prepare_environment(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "badges_project.settings.dev"
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    os.environ.pop("CELERY_BROKER_URL", None)


class Timings:
    """Latencies of calls, in seconds, and the wall time they took."""

    def __init__(self, latencies: list[float], elapsed: float, items: int | None = None):
        self.latencies = sorted(latencies)
        self.elapsed = elapsed
        self.items = len(latencies) if items is None else items

    @classmethod
    def pooled(cls, runs: list["Timings"]) -> "Timings":
        """The runs of one measurement, interleaved with its baseline's, as one."""
        return cls(
            [t for run in runs for t in run.latencies],
            sum(run.elapsed for run in runs),
            sum(run.items for run in runs),
        )

    @property
    def rate(self) -> float:
        return self.items / self.elapsed

    def ms(self, q: float) -> float:
        index = min(len(self.latencies) - 1, int(q * len(self.latencies)))
        return self.latencies[index] * 1000

    @property
    def mean_ms(self) -> float:
        return statistics.fmean(self.latencies) * 1000


def concurrently(clients: int, work) -> Timings:
    """Run ``work()`` (a list of latencies) in ``clients`` threads released together."""
    results: list[list[float]] = [[] for _ in range(clients)]
    barrier = threading.Barrier(clients + 1)

    def run(index: int) -> None:
        barrier.wait()
        results[index] = work()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    return Timings([t for r in results for t in r], time.perf_counter() - started)


def sql_issues(url: str, target: dict, seconds: float) -> list[float]:
    """The issue call's statements, one transaction per call, new customers."""
    import psycopg

    latencies, deadline = [], time.perf_counter() + seconds
    # Bound and prepared as the app's connections are (settings: DJANGO_DB_PREPARED).
    with psycopg.connect(url, prepare_threshold=2) as conn:
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            params = {
                **target,
                "customer": f"sql-{uuid.uuid4().hex[:12]}",
                "issual": uuid.uuid4(),
                "notification": uuid.uuid4(),
                "notification_data": NOTIFICATION_DATA,
            }
            conn.execute(CALLER, params).fetchall()
            conn.execute(BADGE, params).fetchall()
            conn.commit()
            with conn.transaction():
                params["customer_pk"] = conn.execute(UPSERT, params).fetchone()[0]
                conn.execute(HELD, params).fetchall()
                conn.execute(WRITE, params).fetchall()
            latencies.append(time.perf_counter() - started)
    return latencies


def pgbench_rate(url: str, target: dict, clients: int, seconds: float) -> float:
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(PGBENCH_SCRIPT)
    command = ["pgbench", "-n", "-M", "prepared", "-f", script.name]
    command += ["-c", str(clients), "-j", str(clients)]
    command += ["-T", str(int(seconds))]
    for name in ("token", "org", "badge"):
        command += ["-D", f"{name}={target[name]!s}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    line = next(line for line in out.splitlines() if line.startswith("tps = "))
    return float(line.split()[2])


def http_issues(
    port: int, badge_id, token: str, seconds: float, batch: int = 1, calls: int | None = None
) -> list[float]:
    """Issue calls over HTTP for ``seconds`` (or ``calls`` calls), a new connection per call
    (sync workers close it anyway)."""
    latencies, deadline = [], time.perf_counter() + seconds
    path = f"/api/v1/badges/{badge_id}/issue/"
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    while len(latencies) < calls if calls is not None else time.perf_counter() < deadline:
        prefix = uuid.uuid4().hex[:10]
        customers = [f"{prefix}-{n}" for n in range(batch)] if batch > 1 else [prefix]
        started = time.perf_counter()
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        connection.request(
            "POST", path, json.dumps({"customers": customers, "request_id": prefix}), headers
        )
        response = connection.getresponse()
        body = response.read()
        connection.close()
        assert response.status == 200, body[:300]
        latencies.append(time.perf_counter() - started)
    return latencies


def start_gunicorn() -> tuple[subprocess.Popen, int]:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {**os.environ, "GUNICORN_BIND": f"127.0.0.1:{port}"}
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "gunicorn", "-c", "python:badges_project.gunicorn_conf"),
            *("--access-logfile", "/dev/null", "--log-level", "warning", "badges_project.wsgi"),
        ],
        cwd=ROOT,
        env=env,
    )
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def raw_bulk_insert(url: str, target: dict, rows: int) -> float:
    """Seconds to insert ``rows`` new customers, issuances, request records and
    notifications, multi-row, and the badge's count change."""
    import psycopg

    with psycopg.connect(url, cursor_factory=psycopg.ClientCursor) as conn:
        prefix = uuid.uuid4().hex[:8]
        started = time.perf_counter()
        with conn.transaction():
            pks = conn.execute(
                "INSERT INTO badges_customer (org_id, customer_id, created_on) "
                "SELECT %s, %s || g, now() FROM generate_series(1, %s) g RETURNING id",
                [target["org"], f"raw-{prefix}-", rows],
            ).fetchall()
            values = [(uuid.uuid4(), pk, f"raw-{prefix}") for (pk,) in pks]
            issuance_rows = ", ".join(
                conn.cursor().mogrify(
                    "(%s, %s, %s, %s, now(), now(), now() + interval '1 day', 'ACTIVE', 'API', "
                    "'', '', %s, '[]', NULL, '', NULL)",
                    [issual, target["org"], target["badge"], pk, request],
                )
                for issual, pk, request in values
            )
            request_rows = ", ".join(
                conn.cursor().mogrify(
                    "(%s, %s, %s, %s, '', %s, '', '', '{}', now())",
                    [target["org"], target["badge"], pk, request, issual],
                )
                for issual, pk, request in values
            )
            conn.execute(
                "INSERT INTO badges_issuance (issual_id, org_id, badge_id, customer_id, "
                "event_date, issued_on, expires_on, status, source, triggered_by_module, "
                "triggered_by_reference, request_id, benefits, revoked_on, revoke_reason, "
                f"revoked_by_id) VALUES {issuance_rows}"
            )
            conn.execute(
                "INSERT INTO badges_issuerequest (org_id, badge_id, customer_id, request_id, "
                f"fingerprint, issual_id, code, message, details, created_on) VALUES {request_rows}"
            )
            notification_rows = ", ".join(
                conn.cursor().mogrify(
                    "(%s, %s, 'badge.issued', %s, %s, %s, %s, now(), 'SKIPPED', 0, NULL, NULL, "
                    "'The org had no webhook URL.')",
                    [uuid.uuid4(), target["org"], issual, target["badge"], pk, NOTIFICATION_DATA],
                )
                for issual, pk, request in values
            )
            conn.execute(
                "INSERT INTO badges_notification (id, org_id, type, issual_id, badge_id, "
                "customer_id, data, created_on, status, attempts, next_attempt_at, delivered_on, "
                f"last_error) VALUES {notification_rows}"
            )
            # The badge's count moves with them, as a bulk issue's does (one change row).
            conn.execute(
                "INSERT INTO badges_issuedcountchange (badge_id, change) VALUES (%s, %s)",
                [target["badge"], rows],
            )
        return time.perf_counter() - started


def settle(url: str) -> None:
    """Vacuum what the write runs touched, as autovacuum soon would, so that it does not run
    during the reads."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "VACUUM ANALYZE badges_issuance, badges_customer, badges_issuerequest, "
            "badges_issuedcountchange"
        )


def captured_into(statements: list, execute, sql, params, many, context):
    """A database execute wrapper keeping each statement run, with its parameters."""
    statements.append((sql, params))
    return execute(sql, params, many, context)


def in_process_reads(url: str, token: str, calls: int, rounds: int):
    """(label, Timings, queries, replay Timings) per read, the read's calls and the replays of
    its statements taking turns in ``rounds``."""
    import psycopg
    from django.db import connection
    from rest_framework.test import APIClient

    from badges.models import Badge
    from badges_project.serving import collected_after_response

    hot = Badge.objects.get(name="Hot 500k")
    rich = Badge.objects.filter(claims__isnull=False, benefits__isnull=False).first()
    reads = [
        ("badge list, first page", "/api/v1/badges/"),
        ("badge list, filtered", "/api/v1/badges/?status=live&is_active=true&owner=LOYALTY"),
        ("badge list, by name", "/api/v1/badges/?ordering=name"),
        ("badge list, page 200", "/api/v1/badges/?page=200"),
        ("badge detail (Hot 500k)", f"/api/v1/badges/{hot.pk}/"),
        ("badge detail (claims, benefits)", f"/api/v1/badges/{rich.pk}/"),
        ("customer badges, 200 held", "/api/v1/customers/c-special/badges/?page_size=200"),
        ("customer badges, first 50", "/api/v1/customers/c-special/badges/"),
    ]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    results = []
    # The statements with their parameters, bound and prepared as the app's connections are
    # (settings: DJANGO_DB_PREPARED): a replay of their text with the values written in would
    # be planned anew on every call, and planned from the values (the heaviest customer's
    # badges, say) where the app's prepared statement runs its generic plan. Both sides are
    # warmed up until PostgreSQL has settled on a plan (it tries five custom plans first).
    with psycopg.connect(url, autocommit=True, prepare_threshold=2) as replay:
        for label, path in reads:
            for _ in range(WARM_UP):
                assert client.get(path).status_code == 200
            statements: list[tuple] = []
            with connection.execute_wrapper(functools.partial(captured_into, statements)):
                client.get(path)
            for _ in range(WARM_UP):
                for sql, params in statements:
                    replay.execute(sql, params).fetchall()
            latencies, replayed = [], []
            for _ in range(rounds):  # the read and its replay take turns
                for _ in range(calls // rounds):
                    started = time.perf_counter()
                    response = client.get(path)
                    latencies.append(time.perf_counter() - started)
                    assert response.status_code == 200
                    collected_after_response()  # as gunicorn's post_request, once it is sent
                for _ in range(REPLAYS // rounds):
                    started = time.perf_counter()
                    for sql, params in statements:
                        replay.execute(sql, params).fetchall()
                    replayed.append(time.perf_counter() - started)
            results.append(
                (label, Timings(latencies, sum(latencies)), len(statements), Timings(replayed, 1))
            )
    return results


def in_process_issues(badge_id, token: str, seconds: float) -> list[float]:
    from rest_framework.test import APIClient

    from badges_project.serving import collected_after_response

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    latencies, deadline = [], time.perf_counter() + seconds
    path = f"/api/v1/badges/{badge_id}/issue/"
    for _ in range(50):
        client.post(path, {"customers": [f"warm-{uuid.uuid4().hex}"], "request_id": "w"}, "json")
    while time.perf_counter() < deadline:
        customer = uuid.uuid4().hex[:12]
        started = time.perf_counter()
        response = client.post(path, {"customers": [customer], "request_id": customer}, "json")
        latencies.append(time.perf_counter() - started)
        assert response.status_code == 200
        collected_after_response()  # as gunicorn's post_request, once it is sent
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each run")
    parser.add_argument("--reads", type=int, default=50, help="calls per read")
    parser.add_argument("--bulk-calls", type=int, default=6, help="bulk issue calls")
    parser.add_argument(
        "--rounds", type=int, default=3, help="turns each measurement and its baseline take"
    )
    args = parser.parse_args()
    seconds = args.seconds

    url = os.environ.get("BENCH_SCALE_DATABASE_URL", DEFAULT_URL)
    prepare_environment(url)
    import django

    django.setup()
    from django.db import connection

    from badges.models import Badge, Issuance, Membership
    from badges_project.serving import garbage_collector_tuned

    membership = Membership.objects.select_related("user__auth_token").get(user__username="bench")
    token = membership.user.auth_token.key
    ids = dict(
        Badge.objects.filter(name__in=["Hot 500k", "Empty 0", "Open"]).values_list("name", "pk")
    )
    issued = dict(
        (name, Issuance.objects.filter(badge_id=ids[name]).count())
        for name in ("Hot 500k", "Empty 0")
    )
    target = {"token": token, "org": membership.org_id, "badge": ids["Open"]}
    garbage_collector_tuned()
    rows = []

    def row(label, timings=None, queries="", baseline_label="", baseline="", ratio=""):
        # Reads are timed call by call; a rate says nothing of them.
        read = label.startswith(("badge", "customer"))
        rate = "" if timings is None or read else f"{timings.rate:,.0f}"
        rows.append((label, rate, timings, queries, baseline_label, baseline, ratio))

    server, port = start_gunicorn()
    share = seconds / args.rounds
    runs = defaultdict(list)
    bulk_calls = max(1, args.bulk_calls // args.rounds)
    try:
        # Each measurement and its baseline take turns, so that both see the machine as it is
        # over the whole run (on a shared machine the same code moves by a half between runs).
        for _ in range(args.rounds):
            for n in (1, 4, 8):
                runs["sql", n].append(concurrently(n, lambda: sql_issues(url, target, share)))
            for n in (4, 8):
                runs["http", n].append(
                    concurrently(n, lambda: http_issues(port, ids["Open"], token, share))
                )
            runs["in-process"].append(Timings(in_process_issues(ids["Open"], token, share), share))
            for name in ("Empty 0", "Hot 500k"):
                for n in (1, 4):
                    runs[name, n].append(
                        concurrently(n, lambda b=ids[name]: http_issues(port, b, token, share))
                    )
            bulk = concurrently(
                1, lambda: http_issues(port, ids["Open"], token, 0, 1000, calls=bulk_calls)
            )
            runs["bulk"].append(Timings(bulk.latencies, bulk.elapsed, items=1000 * bulk_calls))
            raw = [raw_bulk_insert(url, target, 1000) for _ in range(bulk_calls)]
            runs["raw"].append(Timings(raw, sum(raw), items=1000 * bulk_calls))
    finally:
        server.terminate()
        server.wait()
    sql = {n: Timings.pooled(runs["sql", n]) for n in (1, 4, 8)}
    http = {n: Timings.pooled(runs["http", n]) for n in (4, 8)}
    in_process = Timings.pooled(runs["in-process"])
    hot = {
        (name, n): Timings.pooled(runs[name, n]) for name in ("Empty 0", "Hot 500k") for n in (1, 4)
    }
    bulk_timings, raw = Timings.pooled(runs["bulk"]), Timings.pooled(runs["raw"])
    pgbench = {n: pgbench_rate(url, target, n, seconds) for n in (4, 8)}  # for reference
    settle(url)
    reads = in_process_reads(url, token, args.reads, args.rounds)
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    connection.close()

    for n in (4, 8):
        row(
            f"issue over HTTP, {n} clients",
            http[n],
            "",
            f"same SQL by psycopg, {n} clients",
            f"{sql[n].rate:,.0f}/s (pgbench {pgbench[n]:,.0f}/s)",
            f"{http[n].rate / sql[n].rate:.0%} ({http[n].rate / pgbench[n]:.0%})",
        )
    row(
        "issue in-process, 1 client (server time)",
        in_process,
        "",
        "same SQL by psycopg, 1 client",
        f"{sql[1].mean_ms:.2f} ms",
        f"{in_process.mean_ms / sql[1].mean_ms:.1f}x",
    )
    for n in (1, 4):
        empty, busy = hot["Empty 0", n], hot["Hot 500k", n]
        row(
            f"issue into Hot 500k, {n} client{'s' if n > 1 else ''}",
            busy,
            "",
            f"Empty 0, {n} client{'s' if n > 1 else ''}",
            f"{empty.rate:,.0f}/s, p50 {empty.ms(0.5):.1f} ms",
            f"p50 {busy.ms(0.5) / empty.ms(0.5):.2f}x, rate {busy.rate / empty.rate:.0%}",
        )
    row(
        "bulk issue of 1,000 over HTTP (issuances)",
        bulk_timings,
        "",
        "raw multi-row insert of the same rows",
        f"{raw.rate:,.0f}/s",
        f"{bulk_timings.rate / raw.rate:.0%}",
    )
    for label, timings, queries, replayed in reads:
        row(
            label,
            timings,
            str(queries),
            "replay of its SQL",
            f"{replayed.ms(0.5):.2f} ms",
            f"{timings.ms(0.5) / replayed.ms(0.5):.1f}x",
        )

    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), "")
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**30
    print(
        f"\n{os.cpu_count()} cores ({cpu}), {memory} GiB, Python {platform.python_version()}, "
        f"PostgreSQL {version}; gunicorn badges_project.gunicorn_conf; {seconds:.0f} s per issue "
        f"measurement and {args.reads} calls per read, each taking {args.rounds} turns with its "
        f"baseline; Hot 500k held {issued['Hot 500k']:,} issuances, "
        f"Empty 0 {issued['Empty 0']:,}\n"
    )
    print_table(rows)


def print_table(rows) -> None:
    """The table of docs/performance.md: (label, rate, timings, queries, baseline label,
    baseline, ratio) per row; timings None for a row without percentiles."""
    header = (
        "measurement",
        "rate /s",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "queries",
        "baseline (same run)",
        "baseline",
        "vs baseline",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---"] + ["---:"] * 5 + ["---", "---:", "---:"]) + "|")
    for label, rate, timings, queries, baseline_label, baseline, ratio in rows:
        cells = [label, rate]
        if timings is None:
            cells += [""] * 3
        else:
            cells += [f"{timings.ms(q):,.1f}" for q in (0.5, 0.95, 0.99)]
        cells += [queries, baseline_label, baseline, ratio]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
