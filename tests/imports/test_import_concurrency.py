"""SPEC 5 and 14 under concurrency, proven on PostgreSQL with real threads: imports and issues
race for the same customers, badge after badge, a row or a customer at a time. Each customer
ends with one issuance of each badge, imported or issued, never both (the import locks its
customers as issues do); each row is imported once; every row and issue is answered."""

import random
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction

from badges.choices import IssuanceSource
from badges.imports.choices import RowStatus
from badges.imports.services.earned import earned_badges_import
from badges.models import Issuance, IssueExpiryType
from badges.services.issuance import IssueOrder, issue
from tests.concurrency import run_concurrently
from tests.factories import BadgeFactory, CustomerFactory, OrganizationFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NOW = datetime(2026, 9, 20, 12, tzinfo=UTC)
CUSTOMERS = ["c-1", "c-2", "c-3"]
BADGES = 30
THREADS = 6


def test_imports_and_issues_racing_for_the_same_customers_never_overlap():
    org = OrganizationFactory(timezone="UTC")
    badges = [
        BadgeFactory(
            org=org,
            start_on=datetime(2026, 9, 1, tzinfo=UTC),
            expires_on=datetime(2026, 10, 1, tzinfo=UTC),
            issue_expiry_type=IssueExpiryType.RELATIVE,
            issue_expiry_value=2,
            issue_expiry_unit="WEEKS",
        )
        for _ in range(BADGES)
    ]

    def row(badge, customer):
        return {
            "badge": str(badge.pk),
            "customer_id": customer,
            "earn_event_date": (NOW - timedelta(days=2)).isoformat(),
            "expires_on": (NOW + timedelta(days=5)).isoformat(),
        }

    def work(i: int):
        """Even threads import, odd ones issue, every thread badge by badge in the same
        order (so that they meet on each), its customers in an order of its own."""
        rng = random.Random(i)
        answers = []
        for badge in badges:
            for customer in rng.sample(CUSTOMERS, len(CUSTOMERS)):
                if i % 2 == 0:
                    [result] = earned_badges_import(org=org, rows=[row(badge, customer)], now=NOW)
                    answers.append(result.status)
                else:
                    [outcome] = issue(
                        badge=badge,
                        customer_ids=[customer],
                        order=IssueOrder(request_id=f"r-{i}"),
                        now=NOW,
                    )
                    answers.append(outcome.status)
        return answers

    results = run_concurrently(work, THREADS)
    assert not [r for r in results if isinstance(r, Exception)], results
    imported = Counter(status for run in results[0::2] for status in run)
    issued = Counter(status for run in results[1::2] for status in run)
    held = Counter(Issuance.objects.values_list("badge_id", "customer__customer_id"))
    assert held == Counter({(b.pk, c): 1 for b in badges for c in CUSTOMERS})
    assert imported[RowStatus.IMPORTED] + issued["ISSUED"] == BADGES * len(CUSTOMERS)
    assert imported[RowStatus.IMPORTED] == (
        Issuance.objects.filter(source=IssuanceSource.IMPORT).count()
    )
    assert set(imported) <= {RowStatus.IMPORTED, RowStatus.DUPLICATE, RowStatus.OVERLAPPING}


def _a_backend_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0


def test_an_import_waits_for_an_issue_holding_its_customer_then_answers_overlapping():
    """The import takes the customer's lock before it decides: it waits for an issue under
    way, then sees its issuance (deciding first, it would fail on writing)."""
    org = OrganizationFactory(timezone="UTC")
    badge = BadgeFactory(org=org, start_on=datetime(2026, 9, 1, tzinfo=UTC))
    CustomerFactory(org=org, customer_id="c-1")
    holding, release = threading.Event(), threading.Event()

    def work(i: int):
        if i == 0:
            with transaction.atomic():
                issue(badge=badge, customer_ids=["c-1"], order=IssueOrder(request_id="r"), now=NOW)
                holding.set()
                release.wait(10)
            return None
        holding.wait(10)
        row = {
            "badge": str(badge.pk),
            "customer_id": "c-1",
            "earn_event_date": "2026-09-19",
            "expires_on": "",
        }
        return earned_badges_import(org=org, rows=[row], now=NOW)[0]

    def release_once_the_import_waits():
        deadline = time.monotonic() + 10
        while not _a_backend_waits_for_a_lock() and time.monotonic() < deadline:
            threading.Event().wait(0.01)
        release.set()

    watcher = threading.Thread(target=release_once_the_import_waits)
    watcher.start()
    results = run_concurrently(work, 2)
    watcher.join()
    assert results[1].status == RowStatus.OVERLAPPING, results


def test_an_issue_waits_for_an_import_holding_its_existing_customer():
    """The import locks a customer it did not create (``DO UPDATE ... WHERE false`` writes
    no new version of the row, but locks it): an issue for that customer waits for the
    batch, then sees its issuance and refuses the overlap."""
    org = OrganizationFactory(timezone="UTC")
    badge = BadgeFactory(org=org, start_on=datetime(2026, 9, 1, tzinfo=UTC))
    CustomerFactory(org=org, customer_id="c-1")
    holding, release = threading.Event(), threading.Event()
    waited = []

    def work(i: int):
        if i == 0:
            with transaction.atomic():
                row = {
                    "badge": str(badge.pk),
                    "customer_id": "c-1",
                    "earn_event_date": "2026-09-19",
                }
                [result] = earned_badges_import(org=org, rows=[row], now=NOW)
                holding.set()
                release.wait(10)
            return result
        holding.wait(10)
        [outcome] = issue(
            badge=badge, customer_ids=["c-1"], order=IssueOrder(request_id="r"), now=NOW
        )
        return outcome

    def release_once_the_issue_waits():
        deadline = time.monotonic() + 10
        while not _a_backend_waits_for_a_lock() and time.monotonic() < deadline:
            threading.Event().wait(0.01)
        waited.append(_a_backend_waits_for_a_lock())
        release.set()

    watcher = threading.Thread(target=release_once_the_issue_waits)
    watcher.start()
    imported, issued = run_concurrently(work, 2)
    watcher.join()
    assert waited == [True]
    assert imported.status == RowStatus.IMPORTED, imported
    assert issued.status != "ISSUED", issued
    assert Issuance.objects.count() == 1
