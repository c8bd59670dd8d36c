"""Row locks that serialize issuance decisions (see docs/concurrency.md).

Order is always: customer rows (a batch takes them in ``customer_id`` order, a revocation its
one customer), then the badge's issued count row (only when the badge has badge-wide limits,
and as late as possible, so that issues of such a badge wait on each other for the shortest
time). Only the issued-count sync, one run at a time, locks several count rows, in primary-key
order and no customer row. Nothing that holds a badge or issued count row waits for a customer
row. PostgreSQL waits at most its ``lock_timeout``; SQLite ignores row locks and serializes
writers with IMMEDIATE transactions instead.
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import OperationalError, connection

from badges.exceptions import Busy
from badges.models import Badge, Customer, IssuedCount, IssuedCountChange, Organization
from badges.rows import instances_read, model_shape, related_known


def _bounded_wait() -> None:
    """Locks are taken inside a transaction only. Each PostgreSQL session waits at most its
    ``lock_timeout`` (5 s, set on every connection: ``DATABASES`` in the settings)."""
    if not connection.in_atomic_block:
        raise RuntimeError("Locks are taken inside a transaction only.")


def _locked(read):
    """Run ``read()``, a read that locks rows, turning a lock timeout into Busy."""
    try:
        return read()
    except OperationalError as error:
        if "lock timeout" in str(error):
            raise Busy from error
        raise


def lock_customers(customers: Iterable[Customer]) -> None:
    _bounded_wait()
    locking = (
        Customer.objects.filter(pk__in=[c.pk for c in customers])
        .order_by("pk")
        .only("pk")
        .select_for_update()
    )
    _locked(lambda: list(locking))


def customers_locked(
    *, org: Organization, customer_ids: Sequence[str], created_on: datetime
) -> list[Customer]:
    """Create the org's customers with these ids where missing, and lock and load them all, in
    one statement.

    An upsert whose update changes nothing: a new row is inserted, an existing one locked (as
    an update locks it, waiting for its holder) and returned as it now is. Rows are taken in
    ``customer_id`` order, the same in every batch, so two batches never deadlock on them.
    """
    _bounded_wait()
    meta = Customer._meta
    table = connection.ops.quote_name(meta.db_table)
    columns = ", ".join(model_shape(Customer)[0])
    org_column, key, created_column = (
        connection.ops.quote_name(meta.get_field(name).column)
        for name in ("org", "customer_id", "created_on")
    )
    created = meta.get_field("created_on").get_db_prep_save(created_on, connection)
    ids = sorted(customer_ids)
    rows = ", ".join(["(%s, %s, %s)"] * len(ids))
    params = [value for customer_id in ids for value in (org.pk, customer_id, created)]
    sql = (
        f"INSERT INTO {table} ({org_column}, {key}, {created_column}) VALUES {rows} "
        f"ON CONFLICT ({org_column}, {key}) DO UPDATE SET {key} = EXCLUDED.{key} "
        f"RETURNING {columns}"
    )
    customers = _locked(lambda: instances_read(Customer, sql, params))
    for customer in customers:
        related_known(customer, "org", org)
    return customers


def issued_count_locked(badge: Badge) -> int | None:
    """Lock the badge's issued count row, after the customers' locks and never before, and read
    its folded count (the newest version, whatever the wait); None when the row is missing."""
    locking = (
        IssuedCount.objects.filter(badge=badge).values_list("issued", flat=True).select_for_update()
    )
    found = _locked(lambda: list(locking))
    return found[0] if found else None


def issued_counts_with_changes_locked() -> list:
    """Lock, in primary-key order, the issued count rows of the badges with pending changes
    (the sync's fold); their badge ids."""
    _bounded_wait()
    locking = (
        IssuedCount.objects.filter(pk__in=IssuedCountChange.objects.values("badge"))
        .order_by("pk")
        .values_list("pk", flat=True)
        .select_for_update()
    )
    return _locked(lambda: list(locking))


def badge_locked(badge_id) -> Badge | None:
    """Lock and load a badge (with its org) on its own, for jobs that lock nothing else; None
    once it is gone."""
    _bounded_wait()
    locking = (
        Badge.objects.filter(pk=badge_id).select_related("org").select_for_update(of=("self",))
    )
    found = _locked(lambda: list(locking))
    return found[0] if found else None
