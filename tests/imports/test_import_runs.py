"""SPEC 14: an uploaded file's run, from QUEUED to DONE with its summary, progress and stored
report, or to FAILED with why; badge definitions the same way."""

import io
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from celery import current_app
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.test import TestCase

from badges.exceptions import RuleViolation
from badges.imports.choices import ImportKind, RunStatus
from badges.imports.models import ImportRun
from badges.imports.services import earned, runs
from badges.management.commands import requeue_lost_import_runs
from badges.models import Badge, Issuance

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 1, tzinfo=UTC)
EARNED = "badge,customer_id,earn_event_date,expires_on\n" + "".join(
    f"old-7,c-{n},2026-09-02,\n" for n in range(5)
)


def started(org, content: str, kind=ImportKind.CUSTOMER_BADGES, name="f.csv", dry_run=False):
    upload = SimpleUploadedFile(name, content.encode())
    return runs.run_start(org=org, actor=None, kind=kind, upload=upload, dry_run=dry_run, now=NOW)


def executed(run):
    return runs.run_execute(run_id=run.pk, clock=lambda: NOW)


def test_a_run_imports_its_file_and_stores_its_summary_and_report(org_a, badge, monkeypatch):
    monkeypatch.setattr(earned, "BATCH_ROWS", 2)
    seen = []
    monkeypatch.setattr(runs, "_progressed", lambda pk, done: seen.append(done))
    run = started(org_a, EARNED)
    assert run.status == RunStatus.QUEUED
    assert storages["imports"].open(run.source).read().decode() == EARNED
    run = executed(run)
    assert (run.status, run.rows_total, run.rows_done, run.error) == (RunStatus.DONE, 5, 5, "")
    assert run.summary["imported"] == 5
    assert seen == [2, 4, 5]
    report = runs.report_opened(run).read().decode().splitlines()
    assert report[0] == "line,status,code,field,message,id" and len(report) == 6
    assert Issuance.objects.count() == 5
    assert executed(run).finished_on == NOW  # a run ends once


def test_a_malformed_file_fails_with_its_message_and_writes_nothing(org_a, badge):
    run = executed(started(org_a, EARNED + "old-7,c-9\n"))
    assert run.status == RunStatus.FAILED
    assert run.error == "Line 7: 2 values where the header has 4. Nothing was imported."
    assert not Issuance.objects.exists() and not run.report


def test_an_unexpected_failure_is_told_in_general_words(org_a, badge, monkeypatch):
    def broken(**arguments):
        raise RuntimeError("secret detail")

    monkeypatch.setattr(earned, "earned_badges_import_file", broken)
    run = executed(started(org_a, EARNED))
    assert run.status == RunStatus.FAILED
    assert "secret" not in run.error and "Run the file again" in run.error


def test_a_run_of_badge_definitions_imports_them_as_its_user(org_a, editor_a):
    content = (
        "external_id,name,start_on,expires_on,issue_type,issue_expiry,owners\n"
        "old-1,Gold,2025-01-01,2025-02-01,ISSUE,NEVER,LOYALTY\n"
    )
    run = executed(started(org_a, content, kind=ImportKind.BADGES))
    assert (run.status, run.summary["imported"]) == (RunStatus.DONE, 1)
    assert Badge.objects.get(external_id="old-1").name == "Gold"


@pytest.mark.parametrize(
    ("name", "size", "code"),
    [("f.txt", 10, "FILE_NOT_CSV"), ("f.csv", runs.MAX_UPLOAD_BYTES + 1, "FILE_TOO_LARGE")],
)
def test_an_upload_is_a_csv_of_at_most_200_mb(org_a, name, size, code, monkeypatch):
    upload = SimpleUploadedFile(name, b"x")
    monkeypatch.setattr(upload, "size", size)
    with pytest.raises(RuleViolation) as refused:
        runs.run_start(org=org_a, actor=None, kind="BADGES", upload=upload, dry_run=False, now=NOW)
    assert refused.value.violations[0].code == code


def test_the_uploaded_file_is_removed_when_its_run_ends_and_the_report_kept(org_a, badge):
    for content in [EARNED, "badge\n"]:  # DONE, then FAILED
        run = started(org_a, content)
        source = run.source
        run = executed(run)
        assert not storages["imports"].exists(source) and run.source == ""
    assert storages["imports"].exists(executed(started(org_a, EARNED)).report), (
        "the report stays to be downloaded"
    )


@contextmanager
def held_elsewhere(run):
    """On PostgreSQL, the run held by another connection, as a live delivery holds it; on
    SQLite nothing tells a live delivery from a lost one."""
    if connection.vendor != "postgresql":
        yield
        return
    with _other_connection() as other:
        other.execute(
            "SELECT pg_advisory_lock(%s, hashtext(%s))", [runs.RUN_LOCK_SPACE, str(run.pk)]
        )
        yield


def _other_connection():
    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"], user=settings["USER"], host=settings["HOST"], port=settings["PORT"]
    )


def free_elsewhere(run) -> bool:
    """Whether another connection can take the run's lock (its task let it go)."""
    with _other_connection() as other:
        return other.execute(
            "SELECT pg_try_advisory_lock(%s, hashtext(%s))", [runs.RUN_LOCK_SPACE, str(run.pk)]
        ).fetchone()[0]


def test_a_run_another_delivery_of_its_task_holds_is_not_run_again(org_a, badge):
    run = started(org_a, EARNED)
    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    with held_elsewhere(run):
        assert executed(run).status == RunStatus.RUNNING
    assert not Issuance.objects.exists()


@pytest.mark.postgres
def test_a_run_its_lost_worker_left_running_is_taken_over_and_imported_from_the_start(org_a, badge):
    run = started(org_a, EARNED)
    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, started_on=NOW)
    lost_worker_rows = [
        {"badge": "old-7", "customer_id": f"c-{n}", "earn_event_date": "2026-09-02"}
        for n in range(2)
    ]
    earned.earned_badges_import(org=org_a, rows=lost_worker_rows, now=NOW)
    run = runs.run_execute(run_id=run.pk, clock=lambda: NOW + timedelta(hours=1))
    assert (run.status, run.started_on, run.rows_done) == (RunStatus.DONE, NOW, 5)
    assert (run.summary["imported"], run.summary["duplicate"]) == (3, 2)
    assert Issuance.objects.count() == 5 and run.source == ""
    assert free_elsewhere(run)  # let go at its end
    assert executed(run).finished_on == NOW + timedelta(hours=1)  # ended once


@pytest.mark.postgres
def test_runs_no_process_holds_are_sent_again_and_held_or_ended_ones_left(
    org_a, badge, monkeypatch
):
    sent = []
    monkeypatch.setattr(
        current_app.tasks[runs.RUN_TASK], "apply_async", lambda args, **_: sent.append(args[0])
    )
    lost, live, _queued, done = (started(org_a, EARNED) for _ in range(4))
    ImportRun.objects.filter(pk__in=[lost.pk, live.pk]).update(status=RunStatus.RUNNING)
    ImportRun.objects.filter(pk=done.pk).update(status=RunStatus.DONE)
    with held_elsewhere(live):
        assert runs.lost_runs_requeued() == 1
    assert sent == [str(lost.pk)]


def test_without_postgresql_no_run_is_taken_for_lost(org_a, badge, monkeypatch):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL tells a lost worker by its lock")
    run = started(org_a, EARNED)
    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    assert runs.lost_runs_requeued() == 0


def test_the_rows_done_stay_when_a_run_stops_half_way(org_a, badge, monkeypatch):
    def stopping(**arguments):
        arguments["on_progress"](2)
        raise RuntimeError("lost the database")

    monkeypatch.setattr(earned, "earned_badges_import_file", stopping)
    run = executed(started(org_a, EARNED))
    assert (run.status, run.rows_total, run.rows_done) == (RunStatus.FAILED, 5, 2)


def test_a_dry_run_tells_no_progress_its_rolled_back_transaction_would_undo(
    org_a, badge, monkeypatch
):
    seen = []
    monkeypatch.setattr(runs, "_progressed", lambda pk, done: seen.append(done))
    run = executed(started(org_a, EARNED, dry_run=True))
    assert (run.status, run.rows_done, run.summary["imported"]) == (RunStatus.DONE, 5, 5)
    assert seen == [] and not Issuance.objects.exists()


def test_a_run_the_queue_does_not_take_fails_at_once(org_a, monkeypatch):
    def unreachable(*args, **kwargs):
        raise ConnectionError("broker down")

    monkeypatch.setattr(current_app.tasks[runs.RUN_TASK], "apply_async", unreachable)
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = started(org_a, EARNED)
    source = run.source
    run.refresh_from_db()
    assert (run.status, run.error, run.finished_on) == (RunStatus.FAILED, runs.NOT_QUEUED, NOW)
    assert not storages["imports"].exists(source)


def test_the_command_sends_lost_runs_again_and_says_how_many(monkeypatch):
    monkeypatch.setattr(requeue_lost_import_runs, "lost_runs_requeued", lambda: 3)
    out = io.StringIO()
    call_command("requeue_lost_import_runs", stdout=out)
    assert out.getvalue() == "3 import run(s) sent again.\n"
