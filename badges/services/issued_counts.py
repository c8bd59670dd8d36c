"""Issued counts: how many non-revoked issuances a badge has, without counting its history.

A badge's count is its ``IssuedCount.issued`` plus its pending ``IssuedCountChange`` rows. Issues
of a badge with badge-wide limits hold the count's row lock (``issued_count_locked``) and add to
``issued``; every other write appends a change row and locks nothing, so badges without
badge-wide limits never serialize on it. Folding moves change rows into ``issued`` under the
lock. docs/concurrency.md says why the sum is exact under concurrency, revocation and imports.
"""

from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from badges.models import Badge, Issuance, IssuedCount, IssuedCountChange
from badges.services.locking import issued_count_locked, issued_counts_with_changes_locked


def _pending(badge_ref) -> Coalesce:
    return Coalesce(
        Subquery(
            IssuedCountChange.objects.filter(badge=badge_ref)
            .order_by()
            .values("badge")
            .annotate(total=Sum("change"))
            .values("total"),
            output_field=IntegerField(),
        ),
        Value(0),
    )


def _counted(badge_ref) -> Subquery:
    return Subquery(
        Issuance.objects.filter(badge=badge_ref, revoked_on__isnull=True)
        .order_by()
        .values("badge")
        .annotate(n=Count("*"))
        .values("n"),
        output_field=IntegerField(),
    )


def _recounted(badge_id) -> tuple[int, int]:
    """The badge's non-revoked issuances and its pending changes, read in one snapshot."""
    row = (
        Badge.objects.filter(pk=badge_id)
        .annotate(counted=Coalesce(_counted(OuterRef("pk")), 0), pending=_pending(OuterRef("pk")))
        .values("counted", "pending")
        .get()
    )
    return row["counted"], row["pending"]


def _started(badge_ids: Iterable) -> None:
    """Create missing count rows (badges made before counts were kept, or around the services)
    so that ``issued`` plus the pending changes is the count, each badge's non-revoked
    issuances and pending changes read in one snapshot; a concurrent start loses without
    effect."""
    started = (
        Badge.objects.filter(pk__in=badge_ids)
        .order_by()
        .annotate(counted=Coalesce(_counted(OuterRef("pk")), 0), pending=_pending(OuterRef("pk")))
        .values_list("pk", "counted", "pending")
    )
    IssuedCount.objects.bulk_create(
        [IssuedCount(badge_id=pk, issued=counted - pending) for pk, counted, pending in started],
        ignore_conflicts=True,
    )


def _count_locked(badge: Badge) -> int:
    """Lock the badge's count row, starting it first when it is missing; its folded count."""
    folded = issued_count_locked(badge)
    if folded is None:
        _started([badge.pk])
        folded = issued_count_locked(badge)
    return folded


def issued_counts_start_missing() -> None:
    """Start the count of every badge that has none. Only those badges' issuances are read,
    once: a badge whose count is kept is never counted again."""
    missing = list(
        Badge.objects.filter(issued_tally__isnull=True).order_by().values_list("pk", flat=True)
    )
    if missing:
        _started(missing)


def issued_count_start(badge: Badge) -> None:
    """A new badge's count, zero."""
    IssuedCount.objects.create(badge=badge, issued=0)


def issued_count_held(badge: Badge) -> int:
    """Lock the badge's count for the rest of the transaction and read it.

    Two statements: the lock, then the pending changes in a snapshot taken after it, so that a
    fold committed while this waited is seen whole (its deleted changes and its new ``issued``).
    """
    folded = _count_locked(badge)
    pending = IssuedCountChange.objects.filter(badge=badge).aggregate(total=Sum("change"))["total"]
    return folded + (pending or 0)


def issued_count_read(badge: Badge) -> int:
    """The badge's count without locking (a dry run, a display)."""
    row = (
        Badge.objects.filter(pk=badge.pk)
        .annotate(
            folded=Subquery(
                IssuedCount.objects.filter(badge=OuterRef("pk")).values("issued"),
                output_field=IntegerField(),
            ),
            pending=_pending(OuterRef("pk")),
        )
        .values("folded", "pending")
        .get()
    )
    if row["folded"] is None:
        return _recounted(badge.pk)[0]
    return row["folded"] + row["pending"]


def issued_count_added(badge: Badge, issued: int) -> tuple[str, list]:
    """The statement that adds to a count this transaction holds (``issued_count_held``), to
    run with the transaction's inserts."""
    table = connection.ops.quote_name(IssuedCount._meta.db_table)
    return f"UPDATE {table} SET issued = issued + %s WHERE badge_id = %s", [
        issued,
        IssuedCount._meta.pk.get_db_prep_value(badge.pk, connection),
    ]


def issued_counts_changed(changes: Iterable[tuple[object, int]]) -> None:
    """Append (badge id, change) rows, one per badge, without locking anything."""
    totals = Counter()
    for badge_id, change in changes:
        totals[badge_id] += change
    IssuedCountChange.objects.bulk_create(
        IssuedCountChange(badge_id=badge_id, change=change)
        for badge_id, change in totals.items()
        if change
    )


def issued_counts_fold_all() -> int:
    """Fold every badge's pending changes into its count row, in a constant number of
    statements; returns how many badges had some.

    The count rows are locked first, in primary-key order (an issue locks one, after its
    customers; only the single-flight sync locks several), and only their changes are folded.
    On PostgreSQL one statement deletes the changes and adds up exactly the rows it deleted: a
    change committed after that statement's snapshot stays pending for the next fold. SQLite
    serializes transactions, so nothing commits between its two statements.
    """
    locked = issued_counts_with_changes_locked()
    if not locked:
        return 0
    if connection.vendor == "postgresql":
        quote = connection.ops.quote_name
        changes, counts = (quote(m._meta.db_table) for m in (IssuedCountChange, IssuedCount))
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH folded AS (DELETE FROM {changes} WHERE badge_id = ANY(%s) "
                "RETURNING badge_id, change), "
                "totals AS (SELECT badge_id, SUM(change) AS total FROM folded GROUP BY badge_id) "
                f"UPDATE {counts} SET issued = issued + totals.total FROM totals "
                f"WHERE {counts}.badge_id = totals.badge_id",
                [locked],
            )
    else:
        IssuedCount.objects.filter(pk__in=locked).update(
            issued=F("issued") + _pending(OuterRef("pk"))
        )
        IssuedCountChange.objects.filter(badge__in=locked).delete()
    return len(locked)


@transaction.atomic
def issued_count_fold(badge: Badge) -> int:
    """Fold the badge's pending changes into its count row; returns the count. Changes
    committed after the read stay pending for the next fold."""
    _count_locked(badge)
    pending = list(IssuedCountChange.objects.filter(badge=badge).values_list("pk", "change"))
    IssuedCountChange.objects.filter(pk__in=[pk for pk, _ in pending]).delete()
    IssuedCount.objects.filter(badge=badge).update(
        issued=F("issued") + sum(change for _, change in pending)
    )
    return IssuedCount.objects.values_list("issued", flat=True).get(badge=badge)


@transaction.atomic
def issued_count_recount(badge: Badge) -> int:
    """Count the badge's non-revoked issuances again and correct its count row to match;
    returns the drift corrected (zero when the count was exact)."""
    folded = _count_locked(badge)
    counted, pending = _recounted(badge.pk)
    drift = counted - (folded + pending)
    if drift:
        IssuedCount.objects.filter(badge=badge).update(issued=counted - pending)
    return drift
