"""The issued-count sync (SPEC 16): every badge's ``issued_count`` refreshed from its kept count.

A badge's count is its ``IssuedCount.issued`` plus its pending ``IssuedCountChange`` rows
(``badges.services.issued_counts``), exact at every commit. A run folds the pending changes
into the count rows, then writes ``issued_count`` and ``issued_count_synced_at`` on exactly the
badges whose count moved. Its cost grows with the changes since the last run (and the number of
badges), never with old issuances: no statement of a normal run reads ``badges_issuance``. A
full run also recounts every badge's issuances and corrects the counts that drifted.
docs/concurrency.md says why the count stays exact.
"""

from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from django.db import connection, transaction

from badges.models import Badge, Issuance, IssuedCount, IssuedCountChange
from badges.services.issued_counts import (
    issued_count_recount,
    issued_counts_fold_all,
    issued_counts_start_missing,
)

# The advisory lock a run holds until its transaction ends (PostgreSQL), a single bigint key;
# import runs take theirs by two int4 keys, a space of its own.
SYNC_LOCK_KEY = 16_0001


@dataclass(frozen=True)
class SyncRun:
    """What one run of the issued-count sync did."""

    folded: int = 0  # badges whose pending changes were folded into their count
    refreshed: int = 0  # badges whose issued_count was written (it had moved)
    drift: dict[UUID, int] = field(default_factory=dict)  # full run: badge id -> drift corrected
    skipped: bool = False  # another run was under way; this one changed nothing

    @property
    def drift_total(self) -> int:
        """The issuances miscounted over all badges (each badge's drift taken whole)."""
        return sum(abs(drift) for drift in self.drift.values())


@transaction.atomic
def issued_counts_sync(*, now: datetime, full: bool = False) -> SyncRun:
    """Fold every pending change into its badge's count and refresh ``issued_count`` (synced
    at ``now``) on the badges whose count differs from it; with ``full``, first correct every
    count that drifted from the badge's non-revoked issuances, and report the drift.

    One transaction, one run at a time: a run started while another holds the sync skips at
    once. A crash rolls the run back whole, so it is safe to re-run.
    """
    if not _single_flight():
        return SyncRun(skipped=True)
    issued_counts_start_missing()
    folded = issued_counts_fold_all()
    drift = _drift_corrected() if full else {}
    return SyncRun(folded=folded, refreshed=_refreshed(now), drift=drift)


def _single_flight() -> bool:
    """Whether this run holds the sync until its transaction ends. PostgreSQL: a transaction
    advisory lock, which a concurrent run fails to take; SQLite serializes writers anyway."""
    if connection.vendor != "postgresql":
        return True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [SYNC_LOCK_KEY])
        return cursor.fetchone()[0]


def _tables() -> dict[str, str]:
    quote = connection.ops.quote_name
    models = {
        "badges": Badge,
        "issuances": Issuance,
        "counts": IssuedCount,
        "changes": IssuedCountChange,
    }
    return {name: quote(model._meta.db_table) for name, model in models.items()}


def _counts_sql(tables: dict[str, str]) -> str:
    """Each counted badge's count: its folded count plus its pending changes."""
    return (
        "SELECT t.badge_id, t.issued + COALESCE(p.pending, 0) AS kept "
        f"FROM {tables['counts']} t LEFT JOIN "
        f"(SELECT badge_id, SUM(change) AS pending FROM {tables['changes']} GROUP BY badge_id) p "
        "ON p.badge_id = t.badge_id"
    )


def _drift_corrected() -> dict[UUID, int]:
    """Recount every badge's non-revoked issuances in one GROUP BY, read in one snapshot with
    the counts (a write commits its issuances and their count together, so no concurrent write
    looks like drift), then recount and correct each drifted badge under its count row's lock."""
    tables = _tables()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT k.badge_id FROM ({_counts_sql(tables)}) k LEFT JOIN "
            f"(SELECT badge_id, COUNT(*) AS counted FROM {tables['issuances']} "
            "WHERE revoked_on IS NULL GROUP BY badge_id) n ON n.badge_id = k.badge_id "
            "WHERE k.kept <> COALESCE(n.counted, 0)"
        )
        drifted = [badge_id for (badge_id,) in cursor.fetchall()]
    corrected = {}
    for badge in Badge.objects.filter(pk__in=drifted).order_by("pk").only("pk"):
        drift = issued_count_recount(badge)
        if drift:
            corrected[badge.pk] = drift
    return corrected


def _refreshed(now: datetime) -> int:
    """Write ``issued_count`` and ``issued_count_synced_at`` where the count differs from
    ``issued_count`` or was never synced (a badge no one holds yet is synced at 0 once), in
    one statement; how many badges it wrote."""
    tables = _tables()
    badges = tables["badges"]
    synced_at = Badge._meta.get_field("issued_count_synced_at").get_db_prep_save(now, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {badges} SET issued_count = k.kept, issued_count_synced_at = %s "
            f"FROM ({_counts_sql(tables)}) k "
            f"WHERE {badges}.id = k.badge_id AND ({badges}.issued_count <> k.kept "
            f"OR {badges}.issued_count_synced_at IS NULL)",
            [synced_at],
        )
        return cursor.rowcount
