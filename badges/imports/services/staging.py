"""A batch of earned badges decided and written by set-based statements (PostgreSQL).

The batch is copied (``COPY``) into a session's temporary staging table; one upsert creates and
locks its customers, in ``customer_id`` order as issues lock them; one query decides every row
that is the only one of its badge and customer in the batch (against the issuances held, by
index lookups); the few (badge, customer) pairs with several rows are decided in order by
``classify``, as ``batched`` decides them all; one statement writes the imported rows and their
issued count changes. Each staged row's ``issual_id`` is drawn by the database as it is copied.
"""

from collections import defaultdict
from collections.abc import Sequence
from contextlib import contextmanager
from datetime import datetime

from django.db import connection

from badges.choices import IssuanceSource, IssuanceStatus
from badges.imports.choices import RowStatus
from badges.imports.classify import Candidate, Decision, classified
from badges.imports.rows import EarnedRow
from badges.models import Badge, Customer, Issuance, IssuedCountChange, Organization

from .batched import held_spans

STAGING = "badges_import_staging"


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _column(model, name: str) -> str:
    return connection.ops.quote_name(model._meta.get_field(name).column)


def _staged(cursor, candidates: Sequence[tuple[EarnedRow, Badge]]) -> None:
    cursor.execute(
        f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGING} (line integer PRIMARY KEY, "
        "badge_id uuid NOT NULL, customer_key text NOT NULL, earn timestamptz NOT NULL, "
        "expires timestamptz, external_id text NOT NULL, "
        "issual_id uuid NOT NULL DEFAULT gen_random_uuid())"
    )
    cursor.execute(f"TRUNCATE {STAGING}")
    copying = (
        f"COPY {STAGING} (line, badge_id, customer_key, earn, expires, external_id) "
        "FROM STDIN (FORMAT BINARY)"
    )
    with cursor.cursor.copy(copying) as copy:
        # Binary: a sixth of text's cost per row in Python (no value formatted as text).
        copy.set_types(["int4", "uuid", "text", "timestamptz", "timestamptz", "text"])
        for row, badge in candidates:
            copy.write_row(
                (
                    row.line,
                    badge.pk,
                    row.customer_id,
                    row.earn_event_date,
                    row.expires_on,
                    row.external_id,
                )
            )
    cursor.execute(f"ANALYZE {STAGING}")


def _customers_locked(cursor, org: Organization, now: datetime) -> None:
    """The batch's customers created where missing and every one locked, as
    ``badges.services.locking.customers_locked`` does for an issue (an upsert taking rows in
    the order Python sorts ids, which "C" collation keeps), except that the update's ``WHERE
    false`` keeps each row locked without writing a new version of it: nothing needs the
    customers returned."""
    org_column, key = _column(Customer, "org"), _column(Customer, "customer_id")
    cursor.execute(
        f"INSERT INTO {_table(Customer)} ({org_column}, {key}, {_column(Customer, 'created_on')}) "
        f"SELECT %s, customer_key, %s FROM (SELECT DISTINCT customer_key FROM {STAGING}) keys "
        'ORDER BY customer_key COLLATE "C" '
        f"ON CONFLICT ({org_column}, {key}) DO UPDATE SET {key} = EXCLUDED.{key} "
        "WHERE false",
        [org.pk, now],
    )


def _decisions_sql() -> str:
    """Per staged row: its customer's key, whether its pair has other rows in the batch, the
    imported issuance it duplicates and the earliest non-revoked issuance it overlaps, from
    one lookup of the pair's issuances (aggregates, not ``ORDER BY ... LIMIT 1``, which
    tempts the planner to walk the badge's issuances in date order). Ids are read as text,
    as the report and the results show them: a million rows' UUIDs cost seconds to build
    and write back out."""
    issuance, customer = _table(Issuance), _table(Customer)
    i = {
        name: _column(Issuance, name)
        for name in (
            "issual_id",
            "badge",
            "customer",
            "source",
            "event_date",
            "revoked_on",
            "issued_on",
            "expires_on",
        )
    }
    return (
        f"SELECT s.line, s.issual_id::text, c.id, count(*) OVER (PARTITION BY s.badge_id, c.id), "
        "held.duplicate_of::text, held.overlapped::text "
        f"FROM {STAGING} s JOIN {customer} c ON c.{_column(Customer, 'org')} = %s "
        f"AND c.{_column(Customer, 'customer_id')} = s.customer_key "
        f"LEFT JOIN LATERAL (SELECT (array_agg(i.{i['issual_id']}) FILTER (WHERE "
        f"i.{i['source']} = %s AND i.{i['event_date']} = s.earn))[1] AS duplicate_of, "
        f"(array_agg(i.{i['issual_id']} ORDER BY i.{i['issued_on']}) FILTER (WHERE "
        f"i.{i['revoked_on']} IS NULL AND (s.expires IS NULL OR i.{i['issued_on']} < s.expires) "
        f"AND (i.{i['expires_on']} IS NULL OR i.{i['expires_on']} > s.earn)))[1] AS overlapped "
        f"FROM {issuance} i WHERE i.{i['badge']} = s.badge_id AND i.{i['customer']} = c.id"
        ") held ON true"
    )


def _written(
    cursor, org: Organization, lines: list[int], customers: list[int], now: datetime
) -> None:
    """Insert the staged rows of ``lines`` as imported issuances of ``customers`` (their
    customers' pks, as decided: no second lookup of each key), with their count changes."""
    names = (
        "issual_id",
        "org",
        "badge",
        "customer",
        "event_date",
        "issued_on",
        "expires_on",
        "status",
        "source",
        "triggered_by_module",
        "triggered_by_reference",
        "request_id",
        "benefits",
        "revoke_reason",
    )
    columns = ", ".join(_column(Issuance, name) for name in names)
    change = f"{_column(IssuedCountChange, 'badge')}, {_column(IssuedCountChange, 'change')}"
    cursor.execute(
        f"WITH written AS (INSERT INTO {_table(Issuance)} ({columns}) "
        "SELECT s.issual_id, %s, s.badge_id, d.customer_pk, s.earn, s.earn, s.expires, "
        "CASE WHEN s.expires <= %s THEN %s ELSE %s END, %s, '', '', s.external_id, "
        "'[]'::jsonb, '' "
        "FROM unnest(%s::integer[], %s::bigint[]) AS d(line, customer_pk) "
        f"JOIN {STAGING} s ON s.line = d.line "
        f"RETURNING {_column(Issuance, 'badge')} AS badge_id) "
        f"INSERT INTO {_table(IssuedCountChange)} ({change}) "
        "SELECT badge_id, count(*) FROM written GROUP BY badge_id",
        [
            org.pk,
            now,
            IssuanceStatus.EXPIRED,
            IssuanceStatus.ACTIVE,
            IssuanceSource.IMPORT,
            lines,
            customers,
        ],
    )


# A table is analyzed again once writes since its last analysis reach this share of its rows.
REANALYZE_SHARE = 0.5
REANALYZE_MIN_ROWS = 5000


def statistics_kept() -> None:
    """Analyze the customer and issuance tables once an import has grown them by half: with
    statistics of the tables as they were (empty, say), the planner would look up the held
    issuances of each row by a scan of all its badge's issuances rather than by customer.
    Autovacuum would get there too, but only minutes later. Outside the batches' transactions
    where there are lanes (the next batch is planned with them)."""
    tables = [Customer._meta.db_table, Issuance._meta.db_table]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
            "WHERE s.relname = ANY(%s) AND n_mod_since_analyze > greatest(%s, c.reltuples * %s)",
            [tables, REANALYZE_MIN_ROWS, REANALYZE_SHARE],
        )
        for (table,) in cursor.fetchall():
            cursor.execute(f"ANALYZE {connection.ops.quote_name(table)}")


@contextmanager
def _planned_each_time():
    """Plan each statement for its batch: a prepared statement's generic plan, made once the
    tables were small, would keep scanning them whole as they grow during the import."""
    raw = connection.connection
    threshold = raw.prepare_threshold
    raw.prepare_threshold = None
    try:
        yield
    finally:
        raw.prepare_threshold = threshold


def imported(
    *, org: Organization, candidates: Sequence[tuple[EarnedRow, Badge]], now: datetime
) -> list[tuple[EarnedRow, Decision]]:
    """Each candidate's decision; the IMPORTED ones written."""
    by_line = {row.line: (row, badge) for row, badge in candidates}
    decisions: dict[int, Decision] = {}
    customer_of: dict[int, int] = {}
    shared = defaultdict(list)
    with connection.cursor() as cursor, _planned_each_time():
        # An import is re-run safely: a crash may lose its last batches' commits, not corrupt.
        cursor.execute("SET LOCAL synchronous_commit = off")
        # Each batch's statements are planned afresh; compiling them each time cost more
        # than it saved (the bench: docs/performance.md).
        cursor.execute("SET LOCAL jit = off")
        _staged(cursor, candidates)
        _customers_locked(cursor, org, now)
        cursor.execute(_decisions_sql(), [org.pk, IssuanceSource.IMPORT])
        for line, issual_id, customer_pk, rows, duplicate_of, overlapped in cursor.fetchall():
            customer_of[line] = customer_pk
            if rows > 1:
                shared[by_line[line][1].pk, customer_pk].append((line, issual_id))
            elif duplicate_of is not None:
                decisions[line] = Decision(RowStatus.DUPLICATE, duplicate_of)
            elif overlapped is not None:
                decisions[line] = Decision(RowStatus.OVERLAPPING, overlapped)
            else:
                decisions[line] = Decision(RowStatus.IMPORTED, issual_id)
        spans = held_spans(set(shared))
        for pair, members in shared.items():
            members.sort()
            rows = [by_line[line][0] for line, _ in members]
            found = classified(
                [
                    Candidate(r.earn_event_date, r.expires_on, id)
                    for r, (_, id) in zip(rows, members, strict=True)
                ],
                spans.get(pair, ()),
            )
            decisions.update(zip((line for line, _ in members), found, strict=True))
        lines = [line for line, d in decisions.items() if d.status == RowStatus.IMPORTED]
        if lines:
            _written(cursor, org, lines, [customer_of[line] for line in lines], now)
    return [(by_line[line][0], decisions[line]) for line in sorted(decisions)]
