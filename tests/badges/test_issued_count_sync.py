"""SPEC 16: the issued-count sync folds the kept counts' pending changes and refreshes each
badge's ``issued_count`` where it moved. Its cost grows with the changes since the last run,
never with old issuances; it runs once at a time and a full run corrects and reports drift."""

import re
import threading
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from badges.models import Badge, Issuance, IssuedCount, IssuedCountChange, LimitScope
from badges.services import issued_count_sync
from badges.services.issuance import IssueOrder, issuance_revoke, issue
from badges.services.issued_count_sync import SyncRun, issued_counts_sync
from badges.services.issued_counts import issued_count_read, issued_count_start
from badges.tasks import sync_issued_counts
from tests.concurrency import revoke_one_held, run_concurrently
from tests.factories import (
    BadgeFactory,
    CustomerFactory,
    IssuanceFactory,
    OrganizationFactory,
    RollingLimitFactory,
)

READS_ISSUANCES = re.compile(r"\bbadges_issuance\b")


def sept(day, hour=12) -> datetime:
    return datetime(2026, 9, day, hour, tzinfo=UTC)


@pytest.fixture
def org(db):
    return OrganizationFactory(timezone="UTC")


def september_badge(org, **fields):
    """Issuances last a day, so limits bite before overlaps."""
    return BadgeFactory(
        org=org, start_on=sept(1), expires_on=sept(30), issued_for_a_day=True, **fields
    )


def issue_to(badge, customers, now=None, request_id="r"):
    return issue(
        badge=badge,
        customer_ids=list(customers),
        order=IssueOrder(request_id=request_id),
        now=now or sept(2),
    )


def counted(badge) -> int:
    return Issuance.objects.filter(badge=badge, revoked_on__isnull=True).count()


def synced(badge) -> tuple[int, datetime | None]:
    badge.refresh_from_db()
    return badge.issued_count, badge.issued_count_synced_at


def pending(badge) -> list[int]:
    return list(IssuedCountChange.objects.filter(badge=badge).values_list("change", flat=True))


def writes(queries) -> list[str]:
    """The statements that may write: each names what it does first (or in a CTE)."""
    verbs = ("INSERT", "UPDATE", "DELETE", "WITH")
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(verbs)]


# What the sync counts ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("limits", ["none", "badge overall", "badge rolling"])
def test_issues_are_counted_on_badges_with_and_without_badge_wide_limits(org, limits):
    badge = september_badge(org, badge_overall_limit=100 if limits == "badge overall" else None)
    if limits == "badge rolling":
        RollingLimitFactory(badge=badge, scope=LimitScope.BADGE, limit=100, value=1, unit="DAYS")
    issue_to(badge, ["a", "b", "c"], request_id="bulk")
    issue_to(badge, ["d"], request_id="single")
    run = issued_counts_sync(now=sept(3))
    assert synced(badge) == (4, sept(3)) and counted(badge) == 4
    assert run == SyncRun(folded=0 if limits.startswith("badge") else 1, refreshed=1)
    assert pending(badge) == []


@pytest.mark.django_db
@pytest.mark.parametrize("badge_overall_limit", [None, 100])
def test_revoked_issuances_stop_counting_at_the_next_sync(org, badge_overall_limit):
    badge = september_badge(org, badge_overall_limit=badge_overall_limit)
    first, second, _ = issue_to(badge, ["a", "b", "c"])
    issued_counts_sync(now=sept(3))
    issuance_revoke(issuance=first.issuance, reason="returned", now=sept(3, 13))
    issuance_revoke(issuance=second.issuance, reason="returned", now=sept(3, 14))
    issuance_revoke(issuance=second.issuance, reason="again", now=sept(3, 15))
    assert synced(badge) == (3, sept(3)), "issued_count is as of the last sync"
    assert issued_counts_sync(now=sept(4)) == SyncRun(folded=1, refreshed=1)
    assert synced(badge) == (1, sept(4)) and counted(badge) == 1


@pytest.mark.django_db
def test_writes_appended_as_changes_count_as_imports_do(org):
    badge = september_badge(org, badge_overall_limit=100)
    issue_to(badge, ["a"])
    for day in (1, 2, 3):
        IssuanceFactory(badge=badge, issued_on=datetime(2025, 1, day, tzinfo=UTC), source="IMPORT")
    assert pending(badge) == [1, 1, 1]
    assert issued_counts_sync(now=sept(3)) == SyncRun(folded=1, refreshed=1)
    assert synced(badge) == (4, sept(3)) and counted(badge) == 4
    assert IssuedCount.objects.get(badge=badge).issued == 4


@pytest.mark.django_db
def test_a_badge_without_a_count_row_starts_from_its_issuances_once(org):
    """Made around the services (before counts were kept): its issuances are counted the first
    time, and never read again."""
    badge = september_badge(org)
    holder = CustomerFactory(org=org)
    for day in (1, 2):
        Issuance.objects.create(
            org=org,
            badge=badge,
            customer=holder,
            event_date=sept(day),
            issued_on=sept(day),
            expires_on=sept(day, 13),
            source="IMPORT",
        )
    issue_to(badge, ["a"], sept(3))
    assert not IssuedCount.objects.filter(badge=badge).exists()
    issued_counts_sync(now=sept(4))
    assert synced(badge) == (3, sept(4))
    issue_to(badge, ["b"], sept(4), "again")
    with CaptureQueriesContext(connection) as queries:
        issued_counts_sync(now=sept(5))
    assert synced(badge) == (4, sept(5))
    assert not [q["sql"] for q in queries if READS_ISSUANCES.search(q["sql"])]


# What a run writes -------------------------------------------------------------------------


@pytest.mark.django_db
def test_only_badges_whose_count_changed_get_a_new_synced_at(org):
    """A badge is refreshed when its count differs from its issued_count: a badge with no new
    change, or whose changes cancel out, keeps the time it was last refreshed."""
    grown, idle, even = (september_badge(org) for _ in range(3))
    for badge in (grown, idle, even):
        issue_to(badge, ["a"])
    issued_counts_sync(now=sept(3))
    issue_to(grown, ["b"], sept(3), "more")
    [outcome] = issue_to(even, ["b"], sept(3), "more")
    issuance_revoke(issuance=outcome.issuance, reason="returned", now=sept(3, 13))
    run = issued_counts_sync(now=sept(4))
    assert run == SyncRun(folded=2, refreshed=1)
    assert [synced(b) for b in (grown, idle, even)] == [(2, sept(4)), (1, sept(3)), (1, sept(3))]


@pytest.mark.django_db
def test_a_badge_no_one_holds_is_synced_at_zero_once(org):
    nobody = september_badge(org)
    assert synced(nobody) == (0, None)
    assert issued_counts_sync(now=sept(3)).refreshed == 1
    assert synced(nobody) == (0, sept(3))
    assert issued_counts_sync(now=sept(4)).refreshed == 0
    assert synced(nobody) == (0, sept(3))


@pytest.mark.django_db
def test_a_run_with_no_changes_writes_nothing(org):
    badge = september_badge(org, badge_overall_limit=100)
    issue_to(badge, ["a", "b"])
    issued_counts_sync(now=sept(3))
    with CaptureQueriesContext(connection) as queries:
        assert issued_counts_sync(now=sept(4)) == SyncRun()
    [refresh] = writes(queries)
    assert refresh.startswith("UPDATE"), "only the refresh, which matched no badge"
    assert synced(badge) == (2, sept(3))


@pytest.mark.django_db
def test_a_rerun_is_a_no_op(org):
    badges = [september_badge(org), september_badge(org, badge_overall_limit=100)]
    for badge in badges:
        [outcome, _] = issue_to(badge, ["a", "b"])
        issuance_revoke(issuance=outcome.issuance, reason="returned", now=sept(2, 13))
    assert issued_counts_sync(now=sept(3)) == SyncRun(folded=2, refreshed=2)
    before = [(synced(b), IssuedCount.objects.get(badge=b).issued, pending(b)) for b in badges]
    assert issued_counts_sync(now=sept(4)) == SyncRun()
    assert [(synced(b), IssuedCount.objects.get(badge=b).issued, pending(b)) for b in badges] == (
        before
    )
    assert before == [((1, sept(3)), 1, []), ((1, sept(3)), 1, [])]


# Full recount --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_full_run_finds_no_drift_after_writes_through_the_services(org):
    badges = [september_badge(org), september_badge(org, badge_overall_limit=100)]
    for badge in badges:
        first, *_ = issue_to(badge, ["a", "b", "c"])
        issuance_revoke(issuance=first.issuance, reason="returned", now=sept(2, 13))
        IssuanceFactory(badge=badge, issued_on=datetime(2025, 1, 1, tzinfo=UTC), source="IMPORT")
    run = issued_counts_sync(now=sept(3), full=True)
    assert run == SyncRun(folded=2, refreshed=2) and run.drift_total == 0
    assert [synced(b) for b in badges] == [(3, sept(3)), (3, sept(3))]


def drifted_by_hand(badge, by: int) -> None:
    """A count changed around the services (a manual SQL fix gone wrong)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {IssuedCount._meta.db_table} SET issued = issued + %s WHERE badge_id = %s",
            [by, IssuedCount._meta.pk.get_db_prep_value(badge.pk, connection)],
        )


@pytest.mark.django_db
def test_a_full_run_corrects_and_reports_a_drift_made_by_hand(org):
    badge, other = september_badge(org, badge_overall_limit=100), september_badge(org)
    issue_to(badge, ["a", "b"])
    issue_to(other, ["a"])
    issued_counts_sync(now=sept(3))
    drifted_by_hand(badge, 3)
    assert issued_counts_sync(now=sept(4)) == SyncRun(refreshed=1), "a normal run trusts it"
    assert synced(badge) == (5, sept(4))
    run = issued_counts_sync(now=sept(5), full=True)
    assert run == SyncRun(refreshed=1, drift={badge.pk: -3}) and run.drift_total == 3
    assert synced(badge) == (2, sept(5)) and synced(other) == (1, sept(3))
    assert IssuedCount.objects.get(badge=badge).issued == 2
    assert issued_counts_sync(now=sept(6), full=True) == SyncRun()


# The command, the task and the schedule ------------------------------------------------------


@pytest.mark.django_db
def test_the_command_prints_a_one_line_summary(org):
    issue_to(september_badge(org), ["a", "b"])
    out = StringIO()
    call_command("sync_issued_counts", stdout=out)
    assert out.getvalue() == "Issued counts synced: 1 badge(s) folded, 1 badge(s) refreshed.\n"


@pytest.mark.django_db
def test_the_full_command_lists_the_badges_whose_drift_it_corrected(org):
    badge = september_badge(org, badge_overall_limit=100)
    issue_to(badge, ["a", "b"])
    drifted_by_hand(badge, -1)
    out = StringIO()
    call_command("sync_issued_counts", "--full", stdout=out)
    assert out.getvalue().splitlines() == [
        "Issued counts synced: 0 badge(s) folded, 1 badge(s) refreshed; "
        "the recount corrected 1 drifted badge(s), 1 issuance(s) miscounted.",
        f"  badge {badge.pk}: +1",
    ]
    assert synced(badge)[0] == 2


@pytest.mark.django_db
def test_the_task_syncs_at_the_current_time(org):
    badge = september_badge(org)
    issue_to(badge, ["a"])
    with time_machine.travel(sept(3), tick=False):
        result = sync_issued_counts.delay().get()
    assert result == {"folded": 1, "refreshed": 1, "drift": {}, "skipped": False}
    assert synced(badge) == (1, sept(3))


def test_the_sync_is_on_the_beat_schedule_every_2_hours():
    entry = settings.CELERY_BEAT_SCHEDULE["issued-count-sync"]
    assert entry["task"] == sync_issued_counts.name
    assert (entry["schedule"].minute, entry["schedule"].hour) == ({0}, set(range(0, 24, 2)))


# Cost ----------------------------------------------------------------------------------------


def old_issuances(badge, holder, count: int, first: datetime) -> None:
    """``count`` issuances of an hour each from ``first`` on, written in bulk, with their count
    kept as the services keep it (folded into the count row, and into issued_count)."""
    Issuance.objects.bulk_create(
        (
            Issuance(
                org=badge.org,
                badge=badge,
                customer=holder,
                event_date=first + timedelta(hours=n),
                issued_on=first + timedelta(hours=n),
                expires_on=first + timedelta(hours=n + 1),
                source="IMPORT",
            )
            for n in range(count)
        ),
        batch_size=500,
    )
    IssuedCount.objects.filter(badge=badge).update(issued=F("issued") + count)
    Badge.objects.filter(pk=badge.pk).update(issued_count=F("issued_count") + count)


def tuples_read() -> dict[str, int]:
    """PostgreSQL: the rows each of the project's tables gave this transaction so far."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, seq_scan, seq_tup_read, idx_scan, idx_tup_fetch "
            "FROM pg_stat_xact_user_tables WHERE relname LIKE 'badges\\_%%'"
        )
        return {table: counts for table, *counts in cursor.fetchall()}


def read_during(before: dict, after: dict) -> dict[str, list[int]]:
    return {
        table: [a - b for a, b in zip(counts, before.get(table, [0] * 4), strict=True)]
        for table, counts in after.items()
        if counts != before.get(table, [0] * 4)
    }


@pytest.mark.django_db
def test_the_syncs_statements_and_rows_read_do_not_grow_with_old_issuances(org, is_postgres):
    """The same changes synced over 100 and then 10,000 old issuances per badge run the same
    statements, none of which reads an issuance, and (PostgreSQL) read the same rows."""
    badges = [september_badge(org), september_badge(org, badge_overall_limit=1_000_000)]
    for badge in badges:
        issued_count_start(badge)
    holder = CustomerFactory(org=org)
    first = datetime(2024, 1, 1, tzinfo=UTC)
    measured = []
    for phase, (old, added) in enumerate([(100, 100), (10_000, 9_900)]):
        for badge in badges:
            old_issuances(badge, holder, added, first + timedelta(hours=old - added))
            a, _ = issue_to(badge, [f"{phase}-a", f"{phase}-b"], request_id=f"r{phase}")
            issuance_revoke(issuance=a.issuance, reason="returned", now=sept(2, 13))
        before = tuples_read() if is_postgres else {}
        with CaptureQueriesContext(connection) as queries:
            run = issued_counts_sync(now=sept(3 + phase))
        read = read_during(before, tuples_read()) if is_postgres else {}
        assert run == SyncRun(folded=2, refreshed=2)
        assert [synced(b)[0] for b in badges] == [old + 1 + phase] * 2
        assert not [q["sql"] for q in queries if READS_ISSUANCES.search(q["sql"])]
        assert "badges_issuance" not in read
        measured.append((len(queries), read))
    assert measured[0] == measured[1]


# Concurrency (PostgreSQL) --------------------------------------------------------------------

NOW = datetime(2026, 9, 10, 12, tzinfo=UTC)


def live_badge(org, **fields):
    badge = BadgeFactory(
        org=org, start_on=NOW - timedelta(days=5), expires_on=NOW + timedelta(days=20), **fields
    )
    issued_count_start(badge)
    return badge


def in_another_connection(work):
    """Run ``work`` to its commit from another thread (its own connection) and return it."""
    [result] = run_concurrently(lambda _: work(), 1)
    if isinstance(result, Exception):
        raise result
    return result


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_run_started_while_another_is_under_way_skips_and_changes_nothing(monkeypatch):
    badge = live_badge(OrganizationFactory())
    issue(badge=badge, customer_ids=["a", "b"], order=IssueOrder(request_id="r"), now=NOW)
    fold = issued_count_sync.issued_counts_fold_all
    second = []

    def fold_then_run_again():
        folded = fold()
        second.append(in_another_connection(lambda: issued_counts_sync(now=NOW, full=True)))
        return folded

    monkeypatch.setattr(issued_count_sync, "issued_counts_fold_all", fold_then_run_again)
    assert issued_counts_sync(now=NOW) == SyncRun(folded=1, refreshed=1)
    assert second == [SyncRun(skipped=True)]
    assert synced(badge) == (2, NOW)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_changes_committed_after_the_folds_read_stay_pending_for_the_next_run(monkeypatch):
    """An issue committed before the fold is folded; a revocation committed after it stays
    pending (the fold deletes exactly the changes it added up), and the next run folds it."""
    badge = live_badge(OrganizationFactory())
    [held] = issue(badge=badge, customer_ids=["a"], order=IssueOrder(request_id="a"), now=NOW)
    fold = issued_count_sync.issued_counts_fold_all

    def fold_between_an_issue_and_a_revocation():
        in_another_connection(
            lambda: issue(
                badge=badge, customer_ids=["b"], order=IssueOrder(request_id="b"), now=NOW
            )
        )
        folded = fold()
        in_another_connection(
            lambda: issuance_revoke(issuance=held.issuance, reason="returned", now=NOW)
        )
        return folded

    monkeypatch.setattr(
        issued_count_sync, "issued_counts_fold_all", fold_between_an_issue_and_a_revocation
    )
    assert issued_counts_sync(now=NOW) == SyncRun(folded=1, refreshed=1)
    assert (IssuedCount.objects.get(badge=badge).issued, pending(badge)) == (2, [-1])
    assert synced(badge) == (1, NOW), "the count read after the fold has the revocation"
    monkeypatch.undo()
    assert issued_counts_sync(now=NOW + timedelta(hours=2)) == SyncRun(folded=1)
    assert (IssuedCount.objects.get(badge=badge).issued, pending(badge)) == (1, [])
    assert counted(badge) == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_syncs_racing_concurrent_issues_and_revocations_leave_every_count_exact():
    """Nine threads issue (single and bulk) and revoke on badges with and without badge-wide
    limits while three run the sync again and again: no deadlock, and afterwards a full run
    finds no drift and every issued_count is the badge's non-revoked issuances."""
    org = OrganizationFactory()
    limited, windowed, open_badge = (
        live_badge(org, badge_overall_limit=60),
        live_badge(org),
        live_badge(org),
    )
    windowed.rolling_limits.create(scope=LimitScope.BADGE, limit=40, value=1, unit="DAYS")
    badges = [limited, windowed, open_badge]
    workers, runs, finished = 9, [], []
    done = threading.Event()

    def sync_until_done():
        for n in range(1000):  # bounded, should a worker fail
            runs.append(issued_counts_sync(now=NOW + timedelta(seconds=n)))
            if done.is_set():
                break
        return True

    def work(i):
        badge = badges[i % 3]
        for step in range(8):
            customers = [f"c-{i}-{step}-{n}" for n in range(1 if step % 3 else 5)]
            issue(
                badge=badge,
                customer_ids=customers,
                order=IssueOrder(request_id=f"r-{i}-{step}"),
                now=NOW,
            )
            if step % 2:
                revoke_one_held(badge, NOW)
        finished.append(i)
        if len(finished) == workers:
            done.set()
        return True

    results = run_concurrently(lambda i: sync_until_done() if i < 3 else work(i - 3), workers + 3)
    assert results == [True] * (workers + 3)
    assert any(run.folded for run in runs)
    final = issued_counts_sync(now=NOW + timedelta(days=1), full=True)
    assert final.drift == {} and not final.skipped
    for badge in badges:
        assert synced(badge)[0] == counted(badge) > 0
        assert issued_count_read(badge) == counted(badge)
