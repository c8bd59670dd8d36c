"""Issue throughput against PostgreSQL, next to what PostgreSQL itself reaches.

    make bench                      # or: .venv/bin/python bench/issue_throughput.py --seconds 10

Measures, on a scratch database (``badges_bench`` on the local server, or BENCH_DATABASE_URL):

1. the same work as one plain SQL transaction per issuance through psycopg (create the customer,
   lock it, count its issuances, insert the issuance and its request record, commit), with one
   client and with ``--clients`` clients: the baseline;
2. single-customer issue calls through the whole API stack (token auth, DRF, the issuance
   service, PostgreSQL), in-process without HTTP, one after another;
3. bulk issue calls of 1,000 customers each, in-process;
4. single-customer issue calls over HTTP to gunicorn (``--workers`` sync workers) from
   ``--clients`` concurrent clients on this machine, for a badge with a badge-wide limit (its
   issues serialize on the badge row) and for one with customer limits only;

and prints a table with issuances per second, each rate next to the SQL baseline with the same
number of clients. Everything shares the machine's cores: compare the ratios of one run.
"""

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/badges_bench"


def prepare_environment(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "badges_project.settings.dev"
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver,127.0.0.1"
    os.environ.pop("CELERY_BROKER_URL", None)


def create_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_badges():
    """Two live ISSUE badges with a customer rolling limit; the first also has a badge-wide
    overall limit, which makes its issues decide one after another."""
    from django.core.management import call_command
    from django.utils import timezone

    from badges.models import Badge, LimitScope
    from badges.services.orgs import org_create

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    org, token = org_create(name="Bench", timezone="UTC", username="bench")
    now = timezone.now()
    badges = []
    for name, badge_limit in (("Badge-wide limit", 100_000_000), ("Customer limits only", None)):
        badge = Badge.objects.create(
            org=org,
            name=name,
            start_on=now - timedelta(days=1),
            expires_on=now + timedelta(days=30),
            issue_type="ISSUE",
            issue_expiry_type="RELATIVE",
            issue_expiry_value=1,
            issue_expiry_unit="DAYS",
            badge_overall_limit=badge_limit,
            created_on=now,
            updated_on=now,
        )
        badge.owners.create(module="LOYALTY", added_on=now)
        badge.rolling_limits.create(scope=LimitScope.CUSTOMER, limit=5, value=1, unit="DAYS")
        badges.append(badge)
    return badges, token.key


def in_process_calls(badge, token: str, seconds: float, batch: int, max_calls=None):
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    url = f"/api/v1/badges/{badge.pk}/issue/"
    issued, calls, started = 0, 0, time.perf_counter()
    while time.perf_counter() - started < seconds and (max_calls is None or calls < max_calls):
        prefix = uuid.uuid4().hex[:10]
        body = {"customers": [f"{prefix}-{n}" for n in range(batch)], "request_id": prefix}
        response = client.post(url, body, format="json")
        assert response.status_code == 200, response.content[:300]
        issued += sum(r["status"] == "ISSUED" for r in response.json()["results"])
        calls += 1
    return issued, time.perf_counter() - started


def sql_client(url: str, badge, seconds: float) -> int:
    """One transaction per issuance doing what the service does for one new customer."""
    import psycopg

    issued, started = 0, time.perf_counter()
    with psycopg.connect(url) as conn:
        while time.perf_counter() - started < seconds:
            customer_id = uuid.uuid4().hex[:12]
            with conn.transaction():
                row = conn.execute(
                    "INSERT INTO badges_customer (org_id, customer_id, created_on) "
                    "VALUES (%s, %s, now()) ON CONFLICT DO NOTHING RETURNING id",
                    [badge.org_id, customer_id],
                ).fetchone()
                conn.execute("SELECT id FROM badges_customer WHERE id = %s FOR UPDATE", [row[0]])
                conn.execute(
                    "SELECT count(*) FROM badges_issuance WHERE badge_id = %s AND customer_id = %s "
                    "AND status <> 'REVOKED' AND issued_on > now() - interval '1 day'",
                    [badge.pk, row[0]],
                )
                issuance = conn.execute(
                    "INSERT INTO badges_issuance (issual_id, org_id, badge_id, customer_id, "
                    "event_date, issued_on, expires_on, status, source, triggered_by_module, "
                    "triggered_by_reference, request_id, benefits, revoke_reason) VALUES "
                    "(%s, %s, %s, %s, now(), now(), now() + interval '1 day', 'ACTIVE', 'API', "
                    "'', '', %s, '[]', '') RETURNING id",
                    [uuid.uuid4(), badge.org_id, badge.pk, row[0], customer_id],
                ).fetchone()
                conn.execute(
                    "INSERT INTO badges_issuerequest (org_id, badge_id, customer_id, request_id, "
                    "fingerprint, issuance_id, code, message, details, created_on) VALUES "
                    "(%s, %s, %s, %s, '', %s, '', '', '{}', now())",
                    [badge.org_id, badge.pk, row[0], customer_id, issuance[0]],
                )
            issued += 1
    return issued


def http_client(port: int, badge, token: str, seconds: float) -> int:
    """Single-customer issue calls over HTTP, one connection per call (sync workers)."""
    issued, started = 0, time.perf_counter()
    path = f"/api/v1/badges/{badge.pk}/issue/"
    headers = {"Authorization": f"Token {token}", "Content-Type": "application/json"}
    while time.perf_counter() - started < seconds:
        prefix = uuid.uuid4().hex[:10]
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.request(
            "POST", path, json.dumps({"customers": [prefix], "request_id": prefix}), headers
        )
        response = connection.getresponse()
        assert response.status == 200, response.read()[:300]
        issued += sum(r["status"] == "ISSUED" for r in json.loads(response.read())["results"])
        connection.close()
    return issued


def concurrently(clients: int, work) -> tuple[int, float]:
    """Run ``work()`` in ``clients`` threads: the sum of their counts and the wall time."""
    counts = [0] * clients

    def run(index: int) -> None:
        counts[index] = work()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts), time.perf_counter() - started


def start_gunicorn(workers: int) -> tuple[subprocess.Popen, int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "badges_project.wsgi:application",
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each run")
    parser.add_argument("--bulk-calls", type=int, default=10, help="at most this many bulk calls")
    parser.add_argument("--clients", type=int, default=4, help="concurrent SQL and HTTP clients")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn sync workers")
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    prepare_environment(url)
    create_database(url)
    import django

    django.setup()
    from django.db import connection

    (badge, open_badge), token = setup_badges()
    seconds, clients = args.seconds, args.clients
    sql_one = (sql_client(url, badge, seconds), seconds)
    sql_many = concurrently(clients, lambda: sql_client(url, badge, seconds))
    rows = [
        ("PostgreSQL SQL transactions, 1 client", *sql_one, sql_one),
        (f"PostgreSQL SQL transactions, {clients} clients", *sql_many, sql_many),
        (
            "API in-process, 1 customer per call",
            *in_process_calls(badge, token, seconds, 1),
            sql_one,
        ),
        (
            "API in-process, 1,000 customers per call",
            *in_process_calls(badge, token, seconds, 1000, max_calls=args.bulk_calls),
            sql_one,
        ),
    ]
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    connection.close()
    server, port = start_gunicorn(args.workers)
    try:
        for name, target in (("badge-wide limit", badge), ("customer limits only", open_badge)):
            over_http = concurrently(clients, lambda t=target: http_client(port, t, token, seconds))
            rows.append((f"API over HTTP, {clients} clients, {name}", *over_http, sql_many))
    finally:
        server.terminate()
        server.wait()

    print(
        f"\nIssue throughput on {os.cpu_count()} cores, PostgreSQL {version}, "
        f"gunicorn with {args.workers} sync workers\n"
    )
    print(f"| {'path':<52} | {'issued':>7} | {'seconds':>7} | {'per second':>10} | {'vs SQL':>6} |")
    print(f"|{'-' * 54}|{'-' * 9}|{'-' * 9}|{'-' * 12}|{'-' * 8}|")
    for name, issued, elapsed, (base_issued, base_elapsed) in rows:
        rate = issued / elapsed
        share = rate / (base_issued / base_elapsed)
        print(f"| {name:<52} | {issued:>7} | {elapsed:>7.1f} | {rate:>10.0f} | {share:>5.0%} |")
    print("\n'vs SQL' compares with the SQL baseline that has the same number of clients.")


if __name__ == "__main__":
    main()
