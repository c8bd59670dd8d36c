"""Row locks that serialize issuance decisions (see docs/concurrency.md).

Order is always: customer rows by primary key, then the badge row (only when the badge has
badge-wide limits, and as late as possible, so that issues of such a badge wait on each other
for the shortest time). Nothing that holds a badge row waits for a customer row. PostgreSQL
waits at most ``LOCK_TIMEOUT``; SQLite ignores row locks and serializes writers with IMMEDIATE
transactions instead.
"""

from collections.abc import Iterable, Sequence

from django.db import OperationalError, connection

from badges.exceptions import Busy
from badges.models import Badge, Customer, Organization

LOCK_TIMEOUT = "5s"


def _bounded_wait() -> None:
    if not connection.in_atomic_block:
        raise RuntimeError("Locks are taken inside a transaction only.")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")


def _locked(queryset):
    """Evaluate a ``select_for_update()`` queryset, turning a lock timeout into Busy."""
    try:
        return list(queryset)
    except OperationalError as error:
        if "lock timeout" in str(error):
            raise Busy from error
        raise


def lock_customers(customers: Iterable[Customer]) -> None:
    _bounded_wait()
    _locked(
        Customer.objects.filter(pk__in=[c.pk for c in customers])
        .order_by("pk")
        .only("pk")
        .select_for_update()
    )


def customers_locked(*, org: Organization, customer_ids: Sequence[str]) -> list[Customer]:
    """Lock and load the org's customers with these ids, in primary-key order, in one read."""
    _bounded_wait()
    return _locked(
        Customer.objects.filter(org=org, customer_id__in=customer_ids)
        .order_by("pk")
        .select_for_update()
    )


def lock_badge(badge: Badge) -> None:
    """Taken after the customers' locks, never before."""
    _locked(Badge.objects.filter(pk=badge.pk).order_by().only("pk").select_for_update())


def badge_locked(badge_id) -> Badge | None:
    """Lock and load a badge (with its org) on its own, for jobs that lock nothing else; None
    once it is gone."""
    _bounded_wait()
    found = _locked(
        Badge.objects.filter(pk=badge_id).select_related("org").select_for_update(of=("self",))
    )
    return found[0] if found else None
