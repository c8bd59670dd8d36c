"""SPEC 14: ``import_customer_badges FILE.csv`` imports a file, writes its per-row report, ends
with a summary that adds up, and is recorded with the org's past imports."""

import csv
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command

from badges.imports.choices import ImportKind, RunStatus
from badges.imports.models import ImportRun
from badges.models import Issuance
from tests.factories import BadgeFactory

pytestmark = pytest.mark.django_db

ROWS = [
    "badge,customer_id,earn_event_date,expires_on",
    "old-7,c-1,2026-09-02,2026-09-16",
    "old-7,c-1,2026-09-02,2026-09-16",
    "old-8,c-2,2026-09-02,",
]


@pytest.fixture
def csv_file(tmp_path, org_a):
    BadgeFactory(
        org=org_a,
        start_on=datetime(2026, 9, 1, tzinfo=UTC),
        expires_on=datetime(2026, 10, 1, tzinfo=UTC),
        external_id="old-7",
    )
    path = tmp_path / "earned.csv"
    path.write_text("\n".join(ROWS) + "\n")
    return path


def test_the_command_imports_reports_each_row_and_sums_up(csv_file, org_a, capsys):
    call_command("import_customer_badges", str(csv_file), "--org", org_a.slug)
    out = capsys.readouterr().out
    assert (
        "3 rows read: 1 IMPORTED, 1 DUPLICATE, 0 OVERLAPPING, 1 BADGE_NOT_FOUND, 0 INVALID" in out
    )
    report = csv_file.with_name("earned.csv.report.csv")
    assert f"Report: {report}" in out
    rows = list(csv.DictReader(report.open()))
    assert [(r["line"], r["status"]) for r in rows] == [
        ("2", "IMPORTED"),
        ("3", "DUPLICATE"),
        ("4", "BADGE_NOT_FOUND"),
    ]
    run = ImportRun.objects.get()
    assert (run.kind, run.status, run.from_command, run.file_name) == (
        ImportKind.CUSTOMER_BADGES,
        RunStatus.DONE,
        True,
        "earned.csv",
    )
    assert run.summary["imported"] == 1 and run.rows_done == 3


def test_a_dry_run_writes_nothing_but_its_report(csv_file, org_a, tmp_path, capsys):
    report = tmp_path / "dry.csv"
    call_command(
        "import_customer_badges",
        str(csv_file),
        "--org",
        org_a.slug,
        "--dry-run",
        "--report",
        str(report),
    )
    assert capsys.readouterr().out.startswith("Dry run (nothing written): 3 rows read: 1 IMPORTED")
    assert not Issuance.objects.exists()
    assert len(report.read_text().splitlines()) == 4


def test_a_malformed_file_is_a_clear_error_and_a_failed_run(tmp_path, org_a):
    path = tmp_path / "bad.csv"
    path.write_text("badge,customer_id\nold-7,c-1\n")
    with pytest.raises(CommandError, match=r"missing earn_event_date, expires_on.*Nothing was"):
        call_command("import_customer_badges", str(path), "--org", org_a.slug)
    run = ImportRun.objects.get()
    assert run.status == RunStatus.FAILED and "missing earn_event_date" in run.error
    assert not path.with_name("bad.csv.report.csv").exists()


def test_an_unknown_org_or_file_is_a_clear_error(csv_file, org_a, tmp_path):
    with pytest.raises(CommandError, match="No org has the slug 'nope'"):
        call_command("import_customer_badges", str(csv_file), "--org", "nope")
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_customer_badges", str(tmp_path / "x.csv"), "--org", org_a.slug)
