"""Run a callable from many threads at once, each on its own database connection."""

import threading
from collections.abc import Callable
from typing import Any

from django.db import connection

from badges.models import Issuance
from badges.services.issuance import issuance_revoke


def run_concurrently(fn: Callable[[int], Any], n: int) -> list[Any]:
    """Call ``fn(i)`` for i in range(n) from n threads released together.

    Returns each call's result or the exception it raised, in order.
    """
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def worker(i: int) -> None:
        try:
            barrier.wait()
            results[i] = fn(i)
        except Exception as error:  # collected for the test to assert on
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def revoke_one_held(badge, now) -> None:
    """Revoke one of the badge's non-revoked issuances, picked at random, if it has any: a
    revocation racing the other threads' writes."""
    victim = Issuance.objects.filter(badge=badge, revoked_on__isnull=True).order_by("?").first()
    if victim:
        issuance_revoke(issuance=victim, reason="returned", now=now)
