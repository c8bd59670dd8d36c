"""SPEC 14: ``import_badges FILE.csv`` imports a file of badge definitions, writes its per-row
report, ends with a summary that adds up, and is recorded with the org's past imports."""

import csv

import pytest
from django.core.management import CommandError, call_command

from badges.imports.choices import ImportKind, RunStatus
from badges.imports.models import ImportRun
from badges.models import Badge

pytestmark = pytest.mark.django_db

ROWS = [
    "external_id,name,start_on,expires_on,issue_type,issue_expiry,owners",
    "old-1,Summer 2025,2025-06-01,2025-09-01,ISSUE,NEVER,LOYALTY",
    "old-1,Summer 2025,2025-06-01,2025-09-01,ISSUE,NEVER,LOYALTY",
    'old-2,Winter 2025,2025-12-01,2026-03-01,ISSUE,"{""type"": ""RELATIVE""}",LOYALTY',
    "old-3,Spring 2026,2026-03-01,2026-06-01,ISSUE,BADGE_END,MILESTONES|JOURNEYS",
]


@pytest.fixture
def csv_file(tmp_path):
    path = tmp_path / "badges.csv"
    path.write_text("\n".join(ROWS) + "\n")
    return path


def test_the_command_imports_reports_each_row_and_sums_up(csv_file, org_a, capsys):
    call_command("import_badges", str(csv_file), "--org", org_a.slug)
    out = capsys.readouterr().out
    assert "4 rows read: 2 IMPORTED, 1 DUPLICATE, 1 INVALID." in out
    report = csv_file.with_name("badges.csv.report.csv")
    assert f"Report: {report}" in out
    rows = list(csv.DictReader(report.open()))
    summer = Badge.objects.get(external_id="old-1")
    assert [(r["line"], r["status"], r["code"], r["field"], r["id"]) for r in rows] == [
        ("2", "IMPORTED", "", "", str(summer.pk)),
        ("3", "DUPLICATE", "", "", str(summer.pk)),
        ("4", "INVALID", "EXPIRY_VALUE_INVALID", "issue_expiry.value", ""),
        ("5", "IMPORTED", "", "", str(Badge.objects.get(external_id="old-3").pk)),
    ]
    assert summer.created_by is None
    run = ImportRun.objects.get()
    assert (run.kind, run.status, run.from_command, run.file_name, run.created_by) == (
        ImportKind.BADGES,
        RunStatus.DONE,
        True,
        "badges.csv",
        None,
    )
    assert (run.rows_done, run.summary["imported"], run.summary["invalid"]) == (4, 2, 1)


def test_a_dry_run_writes_nothing_but_its_report(csv_file, org_a, tmp_path, capsys):
    report = tmp_path / "dry.csv"
    call_command(
        "import_badges", str(csv_file), "--org", org_a.slug, "--dry-run", "--report", str(report)
    )
    out = capsys.readouterr().out
    assert out.startswith("Dry run (nothing written): 4 rows read: 2 IMPORTED, 1 DUPLICATE")
    assert not Badge.objects.exists()
    assert len(report.read_text().splitlines()) == 5
    run = ImportRun.objects.get()
    assert (run.dry_run, run.status) == (True, RunStatus.DONE)


def test_no_progress_bar_is_drawn_when_not_on_a_terminal(csv_file, org_a, capsys):
    call_command("import_badges", str(csv_file), "--org", org_a.slug)
    assert capsys.readouterr().err == ""


def test_a_malformed_file_is_a_clear_error_and_a_failed_run(tmp_path, org_a):
    path = tmp_path / "bad.csv"
    path.write_text(ROWS[0] + "\n" + ROWS[1] + "\nold-2,Winter\n")
    with pytest.raises(CommandError, match=r"Line 3: 2 values where the header has 7.*Nothing"):
        call_command("import_badges", str(path), "--org", org_a.slug)
    run = ImportRun.objects.get()
    assert (run.kind, run.status) == (ImportKind.BADGES, RunStatus.FAILED)
    assert "Line 3" in run.error
    assert not Badge.objects.exists()
    assert not path.with_name("bad.csv.report.csv").exists()


def test_an_unknown_org_or_file_is_a_clear_error(csv_file, org_a, tmp_path):
    with pytest.raises(CommandError, match="No org has the slug 'nope'"):
        call_command("import_badges", str(csv_file), "--org", "nope")
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_badges", str(tmp_path / "x.csv"), "--org", org_a.slug)
    assert not ImportRun.objects.exists()
