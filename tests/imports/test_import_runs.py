"""SPEC 14: an uploaded file's run, from QUEUED to DONE with its summary, progress and stored
report, or to FAILED with why; badge definitions the same way."""

from datetime import UTC, datetime

import pytest
from celery import current_app
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase

from badges.exceptions import RuleViolation
from badges.imports.choices import ImportKind, RunStatus
from badges.imports.models import ImportRun
from badges.imports.services import earned, runs
from badges.models import Badge, Issuance
from tests.factories import BadgeFactory

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


@pytest.fixture
def badge(org_a):
    return BadgeFactory(
        org=org_a,
        start_on=datetime(2026, 9, 1, tzinfo=UTC),
        expires_on=datetime(2026, 10, 1, tzinfo=UTC),
        external_id="old-7",
    )


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


def test_a_run_another_delivery_of_its_task_claimed_is_not_run_again(org_a, badge):
    run = started(org_a, EARNED)
    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    assert executed(run).status == RunStatus.RUNNING
    assert not Issuance.objects.exists()


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
