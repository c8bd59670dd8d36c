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
from badges.services.locking import issued_count_locked


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


def _started(badge_id) -> None:
    """Create a missing count row (a badge made before counts were kept, or around the
    services) so that ``issued`` plus the pending changes is the count; a concurrent start
    loses without effect."""
    counted, pending = _recounted(badge_id)
    IssuedCount.objects.bulk_create(
        [IssuedCount(badge_id=badge_id, issued=counted - pending)], ignore_conflicts=True
    )


def _count_locked(badge: Badge) -> int:
    """Lock the badge's count row, starting it first when it is missing; its folded count."""
    folded = issued_count_locked(badge)
    if folded is None:
        _started(badge.pk)
        folded = issued_count_locked(badge)
    return folded


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
