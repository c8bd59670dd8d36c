"""Issue throughput against PostgreSQL, next to what PostgreSQL itself reaches.

    make bench                      # or: .venv/bin/python bench/issue_throughput.py --seconds 10

Measures, on a scratch database (``badges_bench`` on the local server, or BENCH_DATABASE_URL):

1. single-customer issue calls through the whole API stack (token auth, DRF, the issuance
   service, PostgreSQL), in-process without HTTP, one after another;
2. bulk issue calls of 1,000 customers each;
3. the same work as one plain SQL transaction per issuance through psycopg: lock the customer,
   count its issuances, insert the issuance and its request record, commit.

and prints a table with issuances per second and each rate as a share of the SQL baseline.
"""

import argparse
import os
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/badges_bench"


def prepare_environment(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "badges_project.settings.dev")
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    os.environ.pop("CELERY_BROKER_URL", None)


def create_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def setup_badge():
    from django.core.management import call_command
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from badges.models import Badge, LimitScope, Organization
    from badges.services.orgs import org_create

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    org, token = org_create(name="Bench", timezone="UTC", username=f"bench-{uuid.uuid4().hex[:6]}")
    now = timezone.now()
    badge = Badge.objects.create(
        org=org,
        name="Bench badge",
        start_on=now - timedelta(days=1),
        expires_on=now + timedelta(days=30),
        issue_type="ISSUE",
        issue_expiry_type="RELATIVE",
        issue_expiry_value=1,
        issue_expiry_unit="DAYS",
        badge_overall_limit=100_000_000,
        created_on=now,
        updated_on=now,
    )
    badge.owners.create(module="LOYALTY", added_on=now)
    badge.rolling_limits.create(scope=LimitScope.CUSTOMER, limit=5, value=1, unit="DAYS")
    assert isinstance(org, Organization) and isinstance(token, Token)
    return badge, token.key


def run_api(badge, token: str, seconds: float, batch: int, max_calls: int | None = None):
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


def run_sql(url: str, badge, seconds: float):
    """One transaction per issuance doing what the service does for one customer."""
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
    return issued, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="duration of each run")
    parser.add_argument("--bulk-calls", type=int, default=10, help="at most this many bulk calls")
    args = parser.parse_args()

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    prepare_environment(url)
    create_database(url)
    import django

    django.setup()
    from django.db import connection

    badge, token = setup_badge()
    rows = [
        ("PostgreSQL, one SQL transaction per issuance", *run_sql(url, badge, args.seconds)),
        ("API, one customer per call", *run_api(badge, token, args.seconds, batch=1)),
        (
            "API, 1,000 customers per call",
            *run_api(badge, token, args.seconds, batch=1000, max_calls=args.bulk_calls),
        ),
    ]
    baseline = rows[0][1] / rows[0][2]
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    print(f"\nIssue throughput on {os.cpu_count()} cores, PostgreSQL {version}, one client\n")
    print(f"| {'path':<46} | {'issued':>7} | {'seconds':>7} | {'per second':>10} | {'vs SQL':>6} |")
    print(f"|{'-' * 48}|{'-' * 9}|{'-' * 9}|{'-' * 12}|{'-' * 8}|")
    for name, issued, seconds in rows:
        rate = issued / seconds
        share = rate / baseline
        print(f"| {name:<46} | {issued:>7} | {seconds:>7.1f} | {rate:>10.0f} | {share:>5.0%} |")


if __name__ == "__main__":
    main()
