"""SPEC 14: a CSV file of earned badges, streamed in batches, a per-row report and a summary
that adds up; a malformed file is answered with a clear message and nothing half-written."""

import csv
import io
from datetime import UTC, datetime

import pytest

from badges.imports.choices import RowStatus
from badges.imports.files import MAX_LINE_BYTES, FileRefused
from badges.imports.services.earned import earned_badges_import_file
from badges.models import Customer, Issuance
from tests.factories import BadgeFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
HEADER = "badge,customer_id,earn_event_date,expires_on"


def run(org, text: bytes | str, *, dry_run=False, batch_rows=3):
    data = text.encode() if isinstance(text, str) else text
    report = io.StringIO()
    summary = earned_badges_import_file(
        org=org,
        binary=io.BytesIO(data),
        report=report,
        now=NOW,
        dry_run=dry_run,
        batch_rows=batch_rows,
    )
    return summary, list(csv.DictReader(io.StringIO(report.getvalue())))


def test_every_row_is_reported_and_the_summary_adds_up(org_a):
    BadgeFactory(org=org_a, start_on=datetime(2026, 9, 1, tzinfo=UTC), external_id="old-7")
    text = "\n".join(
        [
            HEADER + ",external_id",
            "old-7,c-1,2026-09-02,2026-09-16,e-1",
            "old-7,c-1,2026-09-02,2026-09-16,e-1",
            "old-7,c-1,2026-09-10,,e-2",
            "old-9,c-2,2026-09-02,,e-3",
            "",
            "old-7, ,2026-09-02,,e-4",
            "old-7,c-3,2026-09-02,,",
        ]
    )
    summary, report = run(org_a, text)
    assert [(r["line"], r["status"], r["code"], r["field"]) for r in report] == [
        ("2", "IMPORTED", "", ""),
        ("3", "DUPLICATE", "DUPLICATE", ""),
        ("4", "OVERLAPPING", "OVERLAPPING", ""),
        ("5", "BADGE_NOT_FOUND", "BADGE_NOT_FOUND", "badge"),
        ("7", "INVALID", "CUSTOMER_ID_INVALID", "customer_id"),
        ("8", "IMPORTED", "", ""),
    ]
    assert report[0]["id"] == str(Issuance.objects.get(request_id="e-1").issual_id)
    assert report[1]["id"] == report[0]["id"]
    assert summary.rows == 6 == sum(summary.counts.values())
    assert summary.as_dict() == {
        "rows": 6,
        "imported": 2,
        "duplicate": 1,
        "overlapping": 1,
        "badge_not_found": 1,
        "invalid": 1,
    }


def test_rerunning_a_file_creates_nothing(org_a, badge):
    text = HEADER + "\n" + "\n".join(f"old-7,c-{n},2026-09-02,2026-09-16" for n in range(7))
    first, _ = run(org_a, text)
    again, report = run(org_a, text)
    assert first.counts[RowStatus.IMPORTED] == 7
    assert again.counts[RowStatus.DUPLICATE] == 7
    assert {r["status"] for r in report} == {"DUPLICATE"}
    assert Issuance.objects.count() == 7


def test_a_file_with_a_byte_order_mark_and_windows_line_endings_is_read(org_a, badge):
    text = f'{HEADER}\r\nold-7,c-1,2026-09-02,2026-09-16\r\nold-7,"c,2",2026-09-02,\r\n'
    summary, report = run(org_a, b"\xef\xbb\xbf" + text.encode())
    assert summary.counts[RowStatus.IMPORTED] == 2
    assert [r["line"] for r in report] == ["2", "3"]
    assert Customer.objects.filter(customer_id="c,2").exists()


def test_rows_are_written_a_batch_at_a_time_and_decided_across_batches(org_a, badge):
    rows = [f"old-7,c-{n % 2},2026-09-{n + 2:02d},2026-09-{n + 3:02d}" for n in range(8)]
    seen = []
    summary = earned_badges_import_file(
        org=org_a,
        binary=io.BytesIO((HEADER + "\n" + "\n".join([*rows, rows[0]])).encode()),
        report=io.StringIO(),
        now=NOW,
        batch_rows=3,
        on_progress=seen.append,
    )
    assert seen == [3, 6, 9]
    assert summary.counts[RowStatus.IMPORTED] == 8
    assert summary.counts[RowStatus.DUPLICATE] == 1


def test_a_dry_run_reports_what_the_import_would_do_and_writes_nothing(org_a, badge):
    text = HEADER + "\n" + "\n".join(["old-7,c-1,2026-09-02,2026-09-16"] * 4)
    dry, dry_report = run(org_a, text, dry_run=True)
    assert not Issuance.objects.exists()
    assert not Customer.objects.exists()
    real, real_report = run(org_a, text)
    assert dry.counts == real.counts
    assert [r["status"] for r in dry_report] == [r["status"] for r in real_report]
    # Nothing was made: no id names the issuance, in its row or in the later ones (the
    # last one in a later batch) meeting it.
    assert [r["id"] for r in dry_report] == [""] * 4
    assert len({r["id"] for r in real_report}) == 1


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (b"", "empty"),
        (b"badge,customer,earn_event_date,expires_on\n", "missing customer_id; unknown customer"),
        (f"{HEADER},badge\n".encode(), "repeated badge"),
        (f"{HEADER}\nold-7,c-1,2026-09-02\n".encode(), "Line 2: 3 values where the header has 4"),
        (f"{HEADER}\nold-7,c-1,2026-09-02,,\n".encode(), "Line 2: 5 values"),
        (f"{HEADER}\nold-7,c-\xe9,2026-09-02,\n".encode("latin-1"), "Line 2: not UTF-8"),
        (f'{HEADER}\nold-7,"c-1,2026-09-02,\n'.encode(), "not CSV"),
    ],
)
def test_a_malformed_file_is_refused_with_what_is_wrong(org_a, badge, text, message):
    with pytest.raises(FileRefused) as refused:
        run(org_a, text)
    assert message in str(refused.value)


def test_a_file_refused_late_has_written_nothing(org_a, badge):
    good = "".join(f"old-7,c-{n},2026-09-02,\n" for n in range(10))
    text = f"{HEADER}\n{good}old-7,c-x,2026-09-02\n"
    with pytest.raises(FileRefused, match="Line 12"):
        run(org_a, text, batch_rows=2)
    assert not Issuance.objects.exists()
    assert not Customer.objects.exists()


def test_a_10_mb_line_is_refused_without_reading_it_whole(org_a, badge):
    huge = f"{HEADER}\nold-7,c-1,2026-09-02,\nold-7,{'x' * 10_000_000},2026-09-02,\n"
    with pytest.raises(FileRefused) as refused:
        run(org_a, huge)
    assert str(refused.value).startswith("Line 3: longer than 64 kB")
    assert not Issuance.objects.exists()


def test_a_line_of_the_longest_length_is_read(org_a, badge):
    customer = "y" * 100
    line = f"old-7,{customer},2026-09-02,"
    padding = " " * (MAX_LINE_BYTES - len(line) - 1)
    summary, _ = run(org_a, f"{HEADER}\n{line}{padding}\n")
    assert summary.counts[RowStatus.IMPORTED] == 1  # a blank expiry: never
