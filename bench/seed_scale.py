"""Seed PostgreSQL at scale: 10,000 badges, 1,000,000 customers, 5,000,000 issuances.

    make bench-seed        # or: .venv/bin/python bench/seed_scale.py

Builds ``badges_scale`` on the local server (or BENCH_SCALE_DATABASE_URL) from scratch: the
schema by ``migrate``, the org, its admin and token by the service, everything else by
set-based SQL (``INSERT ... SELECT generate_series``). The issuance table's secondary indexes
and constraints are dropped for the load and rebuilt with their own definitions afterwards;
foreign keys are not checked during the load (the data is consistent by construction).
``bench/scale.py`` measures against it.

What it holds:

* 10,000 badges: 6,000 live, 3,000 ended, 1,000 upcoming; 86% active; 2,000 ENROL_ISSUE; a
  third in one of 20 groups (3 disabled), a fifth ranked; owners, claims, benefits, rolling
  limits, fixed-window configs and custom-field values on parts of them;
* three measured badges with the same limits (overall 100,000,000 and 10,000,000 per 30 days
  across customers, 5 a day per customer): "Hot 500k" holding 500,000 issuances, "Empty 0"
  holding none, and "Open", with the customer limit only;
* 1,000,000 customers ``c-1`` ... (half with a registration time), and ``c-special`` holding
  200 issuances of 200 badges (mixed statuses, a fifth never expiring);
* 5,000,000 issuances, one every 5 seconds back from now (289 days), a day long, 3% revoked;
  every 10th goes to "Hot 500k", the rest spread over the started badges;
* each badge's issued count.
"""

import os
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/badges_scale"
BADGES = 10_000
CUSTOMERS = 1_000_000
ISSUANCES = 5_000_000
HOT = "Hot 500k"

DEFINITIONS = """
INSERT INTO groups_badgegroup (id, org_id, name, rank, is_active, created_on, updated_on)
SELECT gen_random_uuid(), %(org)s, 'Group ' || g, g %% 5, g > 3, now(), now()
FROM generate_series(1, 20) g;

INSERT INTO badges_badge (
    id, org_id, name, description, start_on, expires_on, is_active, issue_type,
    enrolment_expiry_type, enrolment_expiry_value, enrolment_expiry_unit,
    issue_expiry_type, issue_expiry_value, issue_expiry_unit, issue_expiry_date,
    customer_overall_limit, badge_overall_limit, group_id, rank, issued_count,
    issued_count_synced_at, created_on, created_by_id, updated_on, updated_by_id, revision)
SELECT gen_random_uuid(), %(org)s, 'Badge ' || lpad(g::text, 5, '0'), 'Seeded badge number ' || g,
    CASE WHEN g %% 10 = 0 THEN now() + interval '10 days' ELSE now() - interval '300 days' END,
    CASE WHEN g %% 10 = 0 THEN now() + interval '60 days'
         WHEN g %% 10 IN (1, 2, 3) THEN now() - interval '5 days'
         ELSE now() + interval '60 days' END,
    g %% 7 <> 0,
    CASE WHEN g %% 5 = 0 THEN 'ENROL_ISSUE' ELSE 'ISSUE' END,
    CASE WHEN g %% 5 = 0 THEN 'RELATIVE' ELSE '' END,
    CASE WHEN g %% 5 = 0 THEN 7 END,
    CASE WHEN g %% 5 = 0 THEN 'DAYS' ELSE '' END,
    'RELATIVE', 1, 'DAYS', NULL, NULL, NULL,
    CASE WHEN g %% 3 = 0 THEN (SELECT id FROM groups_badgegroup ORDER BY name
                               OFFSET (g %% 20) LIMIT 1) END,
    CASE WHEN g %% 5 = 1 THEN g %% 100 END,
    0, NULL, now() - interval '301 days', NULL,
    now() - make_interval(secs => g * 60), NULL, 1
FROM generate_series(1, %(badges)s - 3) g;

INSERT INTO badges_badge (
    id, org_id, name, description, start_on, expires_on, is_active, issue_type,
    enrolment_expiry_type, enrolment_expiry_value, enrolment_expiry_unit,
    issue_expiry_type, issue_expiry_value, issue_expiry_unit, issue_expiry_date,
    customer_overall_limit, badge_overall_limit, group_id, rank, issued_count,
    issued_count_synced_at, created_on, created_by_id, updated_on, updated_by_id, revision)
SELECT gen_random_uuid(), %(org)s, name, 'Measured by bench/scale.py',
    now() - interval '300 days', now() + interval '60 days', true, 'ISSUE', '', NULL, '',
    'RELATIVE', 1, 'DAYS', NULL, NULL, overall, NULL, NULL, 0, NULL,
    now() - interval '301 days', NULL, now() - interval '301 days', NULL, 1
FROM (VALUES (%(hot)s, 100000000), ('Empty 0', 100000000), ('Open', NULL)) AS m(name, overall);

INSERT INTO badges_rollinglimit (badge_id, scope, "limit", value, unit)
SELECT id, 'BADGE', 10000000, 30, 'DAYS' FROM badges_badge WHERE name IN (%(hot)s, 'Empty 0')
UNION ALL
SELECT id, 'CUSTOMER', 5, 1, 'DAYS' FROM badges_badge WHERE name IN (%(hot)s, 'Empty 0', 'Open')
UNION ALL
SELECT id, CASE WHEN n %% 5 = 0 THEN 'BADGE' ELSE 'CUSTOMER' END, 3 + n %% 4, 1 + n %% 3,
       (ARRAY['DAYS', 'WEEKS', 'MONTHS'])[1 + n %% 3]
FROM (SELECT id, row_number() OVER (ORDER BY name) AS n FROM badges_badge
      WHERE name LIKE 'Badge %%') b WHERE n %% 4 = 0;

INSERT INTO badges_badgeowner (badge_id, module, added_on, added_by_id)
SELECT id, module, now(), NULL
FROM (SELECT id, row_number() OVER (ORDER BY name) AS n FROM badges_badge) b,
     LATERAL (VALUES ('LOYALTY', n %% 10 <> 0), ('MILESTONES', n %% 3 = 0 OR n %% 10 = 0),
                     ('CAMPAIGNS', n %% 7 = 0)) AS o(module, owned)
WHERE owned;

INSERT INTO badges_badgeclaim (badge_id, module, reference, detail, claimed_on, claimed_by_id)
SELECT id, 'LOYALTY', 'Program ' || (n %% 50), 'TransactionAdd', now(), NULL
FROM (SELECT id, row_number() OVER (ORDER BY name) AS n FROM badges_badge) b WHERE n %% 4 = 0;

INSERT INTO badges_badgebenefit (badge_id, position, type, reference_id, name, details)
SELECT id, p, 'POINTS', 'P-' || n || '-' || p, (100 * (p + 1)) || ' points', '{}'::jsonb
FROM (SELECT id, row_number() OVER (ORDER BY name) AS n FROM badges_badge) b,
     generate_series(0, 1) p
WHERE n %% 5 = 2;

INSERT INTO badges_fixedwindowconfig (badge_id, scope, max_earn_limit, duration_type,
    refresh_rate, week_start_day, starts_on, ended_on, created_on, status)
SELECT id, CASE WHEN n %% 2 = 0 THEN 'BADGE' ELSE 'CUSTOMER' END, 2 + n %% 5, 'DAYS', 3, '',
       start_on, NULL, created_on, CASE WHEN start_on > now() THEN 'UPCOMING' ELSE 'ACTIVE' END
FROM (SELECT id, start_on, created_on, row_number() OVER (ORDER BY name) AS n
      FROM badges_badge WHERE name LIKE 'Badge %%') b
WHERE n %% 50 = 7;

INSERT INTO customfields_customfield (id, org_id, name, data_type, is_mandatory, default_value,
    is_active, created_on, updated_on)
VALUES (gen_random_uuid(), %(org)s, 'Tier', 'STRING', true, 'standard', true, now(), now()),
       (gen_random_uuid(), %(org)s, 'Points', 'INTEGER', true, '0', true, now(), now()),
       (gen_random_uuid(), %(org)s, 'Featured', 'BOOLEAN', false, NULL, true, now(), now()),
       (gen_random_uuid(), %(org)s, 'Launch', 'DATE', false, NULL, true, now(), now()),
       (gen_random_uuid(), %(org)s, 'Legacy code', 'STRING', false, NULL, false, now(), now());

INSERT INTO customfields_badgefieldvalue (badge_id, field_id, value)
SELECT b.id, f.id,
       CASE f.data_type WHEN 'STRING' THEN 'gold' WHEN 'INTEGER' THEN '250'
                        WHEN 'BOOLEAN' THEN 'true' ELSE '2026-01-01' END
FROM (SELECT id, row_number() OVER (ORDER BY name) AS n FROM badges_badge) b
JOIN customfields_customfield f ON f.org_id = %(org)s
WHERE (b.n + length(f.name)) %% 9 = 0;
"""

CUSTOMERS_SQL = """
INSERT INTO badges_customer (org_id, customer_id, registered_on, created_on)
SELECT %(org)s, 'c-' || g,
       CASE WHEN g %% 2 = 0 THEN now() - make_interval(days => 300 + g %% 100) END,
       now() - interval '300 days'
FROM generate_series(1, %(customers)s) g;
INSERT INTO badges_customer (org_id, customer_id, registered_on, created_on)
VALUES (%(org)s, 'c-special', now() - interval '400 days', now() - interval '400 days');
"""

# Row g goes to customer g mod 1M, issued 5 s after row g - 1 (the last one now), valid a day;
# every 10th to the hot badge, the rest to the started badges in turn; every 33rd revoked.
# Rows are written customer by customer, badge by badge (as a restore of a table clustered on
# its overlap key would be): the GiST index of the overlap constraint then builds from
# neighbouring entries, in about 2 minutes rather than over 7 of reading its pages back into
# 128 MB of shared buffers in random order. The measured reads go through indexes (index-only
# counts, one customer's rows), so the heap's order does not favour them.
ISSUANCES_SQL = """
CREATE TEMP TABLE started AS
SELECT row_number() OVER (ORDER BY id) - 1 AS n, id FROM badges_badge
WHERE start_on < now() AND name LIKE 'Badge %%';
CREATE UNIQUE INDEX ON started (n);
INSERT INTO badges_issuance (issual_id, org_id, badge_id, customer_id, event_date, issued_on,
    expires_on, status, source, triggered_by_module, triggered_by_reference, request_id, benefits,
    revoked_on, revoke_reason, revoked_by_id)
SELECT gen_random_uuid(), %(org)s,
       CASE WHEN g %% 10 = 0 THEN %(hot_id)s::uuid ELSE s.ids[1 + g %% %(started)s] END,
       %(first_customer)s + g %% %(customers)s,
       at, at, at + interval '1 day',
       CASE WHEN g %% 33 = 0 THEN 'REVOKED' ELSE 'ACTIVE' END, 'API', '', '', '', '[]'::jsonb,
       CASE WHEN g %% 33 = 0 THEN at + interval '1 hour' END,
       CASE WHEN g %% 33 = 0 THEN 'seeded' ELSE '' END, NULL
FROM (SELECT array_agg(id ORDER BY n) AS ids FROM started) s,
     generate_series(1, %(issuances)s) g,
     LATERAL (SELECT now() - make_interval(secs => (%(issuances)s - g) * 5.0)) AS t(at)
ORDER BY 4, 3;
"""

SPECIAL_SQL = """
INSERT INTO badges_issuance (issual_id, org_id, badge_id, customer_id, event_date, issued_on,
    expires_on, status, source, triggered_by_module, triggered_by_reference, request_id, benefits,
    revoked_on, revoke_reason, revoked_by_id)
SELECT gen_random_uuid(), %(org)s, id, (SELECT id FROM badges_customer WHERE customer_id =
       'c-special'), at, at, CASE WHEN n %% 5 = 0 THEN NULL ELSE at + interval '20 days' END,
       CASE WHEN n %% 7 = 0 THEN 'REVOKED' ELSE 'ACTIVE' END, 'API', '', '', '',
       '[{"type": "POINTS", "reference_id": "P-1", "name": "100 points", "details": {}}]'::jsonb,
       CASE WHEN n %% 7 = 0 THEN at + interval '1 hour' END,
       CASE WHEN n %% 7 = 0 THEN 'seeded' ELSE '' END, NULL
FROM (SELECT id, n, now() - make_interval(days => n::int) AS at FROM started WHERE n < 200) s;
"""

COUNTS_SQL = """
INSERT INTO badges_issuedcount (badge_id, issued)
SELECT b.id, coalesce(c.n, 0)
FROM badges_badge b
LEFT JOIN (SELECT badge_id, count(*) AS n FROM badges_issuance WHERE revoked_on IS NULL
           GROUP BY badge_id) c ON c.badge_id = b.id;
UPDATE badges_badge b SET issued_count = c.issued, issued_count_synced_at = now()
FROM badges_issuedcount c WHERE c.badge_id = b.id;
"""


def prepare_environment(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "badges_project.settings.dev"
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ.pop("CELERY_BROKER_URL", None)


def recreate_database(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def issuance_table_definitions(conn):
    """The issuance table's secondary indexes, its constraints other than the primary key, and
    the foreign keys that point at it, as (name, definition) and (table, name, definition)."""
    indexes = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'badges_issuance' "
        "AND indexname NOT IN (SELECT conname FROM pg_constraint "
        "WHERE conrelid = 'badges_issuance'::regclass)"
    ).fetchall()
    constraints = conn.execute(
        "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'badges_issuance'::regclass AND contype IN ('u', 'x', 'c')"
    ).fetchall()
    references = conn.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE confrelid = 'badges_issuance'::regclass AND contype = 'f'"
    ).fetchall()
    return indexes, constraints, references


def buffered_build(definition: str) -> str:
    """A GiST exclusion constraint's definition with its index built with buffering on: the
    entries go down the tree in batches instead of one at a time through its pages, which
    PostgreSQL does by itself only once an index outgrows ``effective_cache_size``. Only the
    build differs; the index is the migration's (the overlap constraint's, 870 MB, built in
    132 s against 151 s)."""
    if not definition.startswith("EXCLUDE USING gist") or " WITH (" in definition:
        return definition
    elements, where = (
        definition.split(" WHERE ", 1) if " WHERE " in definition else (definition, "")
    )
    return f"{elements} WITH (buffering = on)" + (f" WHERE {where}" if where else "")


def build(url: str, statements: list[str], step) -> None:
    """Run index and constraint builds on a connection of their own, one worker each."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("SET max_parallel_maintenance_workers = 0")
        for sql in statements:
            conn.execute(sql)
            step(sql.split(" (")[0][:90])


def main() -> None:
    url = os.environ.get("BENCH_SCALE_DATABASE_URL", DEFAULT_URL)
    prepare_environment(url)
    recreate_database(url)
    started = time.perf_counter()

    def step(label: str) -> None:
        print(f"{time.perf_counter() - started:7.1f} s  {label}", flush=True)

    import django

    django.setup()
    from django.core.management import call_command

    from badges.services.orgs import org_create

    call_command("migrate", verbosity=0)
    org, token = org_create(name="Scale", timezone="UTC", username="bench")
    step("schema, org, admin and token")

    import psycopg

    # Client-side binding: each step is several statements with parameters.
    with psycopg.connect(url, cursor_factory=psycopg.ClientCursor) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("SET work_mem = '1GB'")
        params = {
            "org": org.pk,
            "badges": BADGES,
            "customers": CUSTOMERS,
            "issuances": ISSUANCES,
            "hot": HOT,
        }
        conn.execute(DEFINITIONS, params)
        conn.commit()
        step(f"{BADGES:,} badges with their owners, claims, benefits, limits and fields")
        conn.execute(CUSTOMERS_SQL, params)
        conn.commit()
        step(f"{CUSTOMERS:,} customers")

        indexes, constraints, references = issuance_table_definitions(conn)
        for table, name, _ in references:
            conn.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
        for name, _ in constraints:
            conn.execute(f'ALTER TABLE badges_issuance DROP CONSTRAINT "{name}"')
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        params["hot_id"] = conn.execute(
            "SELECT id FROM badges_badge WHERE name = %s", [HOT]
        ).fetchone()[0]
        params["first_customer"] = conn.execute(
            "SELECT min(id) FROM badges_customer WHERE org_id = %s", [org.pk]
        ).fetchone()[0]
        conn.execute(
            "CREATE TEMP TABLE started_count AS SELECT count(*) AS n FROM badges_badge "
            "WHERE start_on < now() AND name LIKE 'Badge %%'"
        )
        params["started"] = conn.execute("SELECT n FROM started_count").fetchone()[0]
        conn.execute(ISSUANCES_SQL, params)
        conn.execute(SPECIAL_SQL, params)
        conn.commit()
        step(f"{ISSUANCES:,} issuances, and c-special's 200")

        # The B-tree indexes build two at a time (CREATE INDEX locks allow it); the
        # constraints follow, each locking the table alone.
        conn.commit()
        statements = [definition for _, definition in indexes]
        builders = [
            threading.Thread(target=build, args=(url, statements[half::2], step)) for half in (0, 1)
        ]
        for builder in builders:
            builder.start()
        for builder in builders:
            builder.join()
        build(
            url,
            [
                f'ALTER TABLE badges_issuance ADD CONSTRAINT "{n}" {buffered_build(d)}'
                for n, d in constraints
            ],
            step,
        )
        for table, name, definition in references:
            conn.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
        conn.execute(COUNTS_SQL)
        conn.commit()
        step("issued counts")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE")
        size = conn.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        step(f"vacuum and analyze; the database holds {size.fetchone()[0]}")
    print(f"\nSeeded {url} in {time.perf_counter() - started:.0f} s; token {token.key}")


if __name__ == "__main__":
    main()
