"""SPEC 14: a CSV file of badge definitions, a row per badge (nested values as JSON cells), a
per-row report and a summary that adds up; a malformed file is refused whole, nothing written."""

import csv
import io
import json
from datetime import UTC, datetime

import pytest

from badges.imports.choices import RowStatus
from badges.imports.files import MAX_LINE_BYTES, FileRefused
from badges.imports.services.definitions import badges_import_file
from badges.models import Badge
from badges.values import Expiry, FixedWindow, LimitSet, RollingWindow
from tests.factories import BadgeGroupFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
HEADER = "external_id,name,start_on,expires_on,issue_type,issue_expiry,owners"


def run(org, text: bytes | str, *, dry_run=False, progress=None):
    data = text.encode() if isinstance(text, str) else text
    report = io.StringIO()
    summary = badges_import_file(
        org=org,
        actor=None,
        binary=io.BytesIO(data),
        report=report,
        now=NOW,
        dry_run=dry_run,
        on_progress=progress,
    )
    return summary, list(csv.DictReader(io.StringIO(report.getvalue())))


def cells(*values) -> str:
    """A CSV line of these cells, quoted as a spreadsheet writes them."""
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(values)
    return out.getvalue()


def test_a_file_with_a_bom_and_windows_line_endings_is_imported_row_by_row(org_a):
    lines = [
        HEADER,
        "old-1,Summer 2025,2025-06-01,2025-09-01,ISSUE,NEVER,LOYALTY|CAMPAIGNS",
        "old-2,Winter 2025,2025-12-01,2026-03-01,ISSUE,BADGE_END,JOURNEYS",
        "",
        "old-1,Summer again,2025-06-01,2025-09-01,ISSUE,NEVER,LOYALTY",
        "old-3,,2025-06-01,2025-09-01,ISSUE,NEVER,LOYALTY",
    ]
    text = "\ufeff" + "\r\n".join(lines) + "\r\n"
    calls = []
    summary, report = run(org_a, text, progress=calls.append)
    assert summary.as_dict() == {
        "rows": 4,
        "imported": 2,
        "duplicate": 1,
        "overlapping": 0,
        "badge_not_found": 0,
        "invalid": 1,
    }
    summer = Badge.objects.get(external_id="old-1")
    assert [(r["line"], r["status"], r["code"], r["field"], r["id"]) for r in report] == [
        ("2", "IMPORTED", "", "", str(summer.pk)),
        ("3", "IMPORTED", "", "", str(Badge.objects.get(external_id="old-2").pk)),
        ("5", "DUPLICATE", "", "", str(summer.pk)),
        ("6", "INVALID", "NAME_REQUIRED", "name", ""),
    ]
    assert report[3]["message"] == "A badge needs a name."
    # A date alone is midnight in the org's timezone (Asia/Kolkata).
    assert summer.start_on == datetime(2025, 5, 31, 18, 30, tzinfo=UTC)
    assert summer.issue_expiry == Expiry(type="NEVER")
    assert sorted(summer.owners.values_list("module", flat=True)) == ["CAMPAIGNS", "LOYALTY"]
    assert calls[-1] == 4


def test_nested_values_are_json_cells_in_the_badge_create_shape(org_a):
    group = BadgeGroupFactory(org=org_a)
    header = (
        "name,description,start_on,expires_on,issue_type,enrolment_expiry,issue_expiry,owners,"
        "benefits,customer_limit,badge_limit,group,rank"
    )
    row = cells(
        "Gold 2025",
        "Spend 500",
        "2025-06-01T00:00:00+05:30",
        "2025-09-01T00:00:00+05:30",
        "ENROL_ISSUE",
        "BADGE_END",
        json.dumps({"type": "FIXED_DATE", "date": "2025-12-31"}),
        json.dumps(["LOYALTY"]),
        json.dumps([{"type": "COUPON", "reference_id": " C-1 ", "name": "10% off"}]),
        json.dumps(
            {
                "overall": 3,
                "rolling": [{"limit": 1, "value": 7, "unit": "DAYS"}],
                "fixed_window": {"max_earn_limit": 2, "duration_type": "WEEKS", "refresh_rate": 1},
            }
        ),
        json.dumps({"overall": 1000}),
        str(group.pk),
        "-3",
    )
    _, report = run(org_a, f"{header}\n{row}\n")
    assert report[0]["status"] == "IMPORTED", report
    badge = Badge.objects.get()
    assert (badge.name, badge.description, badge.group, badge.rank) == (
        "Gold 2025",
        "Spend 500",
        group,
        -3,
    )
    assert badge.enrolment_expiry == Expiry(type="BADGE_END")
    assert badge.issue_expiry.date == datetime(2025, 12, 30, 18, 30, tzinfo=UTC)
    benefit = badge.benefits.get()
    assert (benefit.type, benefit.reference_id, benefit.details) == ("COUPON", "C-1", {})
    assert badge.limit_set("CUSTOMER", NOW) == LimitSet(
        overall=3,
        rolling=(RollingWindow(limit=1, value=7, unit="DAYS"),),
        fixed_window=FixedWindow(
            max_earn_limit=2, duration_type="WEEKS", refresh_rate=1, week_start_day="MONDAY"
        ),
    )
    assert badge.limit_set("BADGE", NOW).overall == 1000
    assert badge.external_id == ""


def invalid(org, **cells_given) -> list[tuple[str, str]]:
    """The code and field of each cell the row breaks, as the report gives the first and
    ``badge_rows`` all of them."""
    from badges.imports.badge_rows import badge_row

    values = {
        "name": "Summer 2025",
        "start_on": "2025-06-01",
        "expires_on": "2025-09-01",
        "issue_type": "ISSUE",
        "issue_expiry": "NEVER",
        "owners": "LOYALTY",
        **cells_given,
    }
    item = badge_row(values, org.tzinfo)
    assert item.definition is None
    return [(v.field, v.code) for v in item.violations]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"start_on": ""}, [("start_on", "REQUIRED")]),
        ({"start_on": "yesterday"}, [("start_on", "INVALID")]),
        ({"expires_on": "0001-01-01"}, [("expires_on", "YEAR_OUT_OF_RANGE")]),
        ({"expires_on": "2025-02-30"}, [("expires_on", "INVALID")]),
        ({"issue_type": " "}, [("issue_type", "REQUIRED")]),
        ({"issue_expiry": ""}, [("issue_expiry", "REQUIRED")]),
        ({"issue_expiry": "2 DAYS"}, [("issue_expiry", "INVALID")]),
        ({"issue_expiry": '{"type": "RELATIVE", "value": 2'}, [("issue_expiry", "INVALID")]),
        ({"issue_expiry": '{"value": 2}'}, [("issue_expiry.type", "REQUIRED")]),
        (
            {"issue_expiry": '{"type": "RELATIVE", "value": 2.0}'},
            [("issue_expiry.value", "INVALID")],
        ),
        (
            {"issue_expiry": '{"type": "FIXED_DATE", "date": "soon"}'},
            [("issue_expiry.date", "INVALID")],
        ),
        ({"enrolment_expiry": "[]"}, [("enrolment_expiry", "INVALID")]),
        ({"owners": ""}, [("owners", "REQUIRED")]),
        ({"owners": "[1]"}, [("owners.0", "INVALID")]),
        ({"benefits": "{}"}, [("benefits", "NOT_A_LIST")]),
        (
            {"benefits": '[{"type": "CASH", "reference_id": "x", "name": "x"}]'},
            [("benefits.0.type", "INVALID_CHOICE")],
        ),
        (
            {"benefits": '[{"type": "POINTS", "reference_id": "x"}]'},
            [("benefits.0.name", "REQUIRED")],
        ),
        (
            {"benefits": '[{"type": "POINTS", "reference_id": " ", "name": "x"}]'},
            [("benefits.0.reference_id", "BLANK")],
        ),
        (
            {"benefits": json.dumps([{"type": "POINTS", "reference_id": "x", "name": "n" * 201}])},
            [("benefits.0.name", "MAX_LENGTH")],
        ),
        (
            {"benefits": '[{"type": "POINTS", "reference_id": "x", "name": "x", "details": 5}]'},
            [("benefits.0.details", "INVALID")],
        ),
        ({"customer_limit": '{"overall": NaN}'}, [("customer_limit", "INVALID")]),
        ({"customer_limit": '{"overall": true}'}, [("customer_limit.overall", "INVALID")]),
        (
            {"badge_limit": '{"rolling": [{"limit": 1, "value": 1}]}'},
            [("badge_limit.rolling.0.unit", "REQUIRED")],
        ),
        (
            {
                "badge_limit": json.dumps(
                    {
                        "fixed_window": {
                            "max_earn_limit": 1,
                            "duration_type": "DAYS",
                            "refresh_rate": None,
                        }
                    }
                )
            },
            [("badge_limit.fixed_window.refresh_rate", "NULL")],
        ),
        ({"badge_limit": "[" * 100_000}, [("badge_limit", "INVALID")]),
        ({"group": "group-1"}, [("group", "INVALID")]),
        ({"rank": "1.5"}, [("rank", "INVALID")]),
        (
            {"name": "a\x00b", "description": "\x00"},
            [
                ("name", "NULL_CHARACTERS_NOT_ALLOWED"),
                ("description", "NULL_CHARACTERS_NOT_ALLOWED"),
            ],
        ),
        (
            {"start_on": "x", "owners": "", "rank": "x"},
            [("start_on", "INVALID"), ("owners", "REQUIRED"), ("rank", "INVALID")],
        ),
    ],
)
def test_a_cell_that_cannot_be_read_is_named_with_its_field_and_code(org_a, given, expected):
    assert invalid(org_a, **given) == expected


def test_a_readable_row_is_refused_by_the_rules_of_a_badge_create(org_a):
    text = "\n".join(
        [
            HEADER,
            "old-1,Summer 2025,2025-06-01,2025-09-01,SOMETIMES,NEVER,LOYALTY|NOPE",
            "old-2,Bad start,x,2025-09-01,ISSUE,NEVER,LOYALTY",
            "old-3,Ended first,2025-09-01,2025-06-01,ISSUE,NEVER,LOYALTY",
        ]
    )
    summary, report = run(org_a, text)
    assert [(r["status"], r["code"], r["field"]) for r in report] == [
        ("INVALID", "ISSUE_TYPE_INVALID", "issue_type"),
        ("INVALID", "INVALID", "start_on"),
        ("INVALID", "EXPIRES_ON_NOT_AFTER_START", "expires_on"),
    ]
    assert "Unknown module(s): NOPE." in report[0]["message"]  # every rule's message
    assert summary.counts[RowStatus.INVALID] == 3 and not Badge.objects.exists()


def test_re_running_a_file_creates_nothing_twice(org_a):
    text = "\n".join(
        [
            HEADER,
            "old-1,Summer 2025,2025-06-01,2025-09-01,ISSUE,NEVER,LOYALTY",
            ",Winter 2025,2025-12-01,2026-03-01,ISSUE,NEVER,LOYALTY",
        ]
    )
    run(org_a, text)
    _, report = run(org_a, text)
    assert [(r["status"], r["code"]) for r in report] == [
        ("DUPLICATE", ""),
        ("INVALID", "BADGE_NAME_TAKEN"),
    ]
    assert Badge.objects.count() == 2


def test_a_dry_run_writes_nothing_but_reports_every_row(org_a):
    text = "\n".join(
        [
            HEADER,
            "old-1,Summer 2025,2025-06-01,2025-09-01,ISSUE,NEVER,LOYALTY",
            "old-1,Summer 2025,2025-06-01,2025-09-01,ISSUE,NEVER,LOYALTY",
        ]
    )
    summary, report = run(org_a, text, dry_run=True)
    # The second row meets the badge the first would create: no id names it either.
    assert [(r["status"], r["id"]) for r in report] == [("IMPORTED", ""), ("DUPLICATE", "")]
    assert summary.rows == 2 and not Badge.objects.exists()


GOOD_ROW = "old-1,Summer 2025,2025-06-01,2025-09-01,ISSUE,NEVER,LOYALTY"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name,start_on\nSummer,2025-06-01\n", "Line 1: the header's columns are missing"),
        (f"{HEADER},colour\n{GOOD_ROW},red\n", "unknown colour"),
        (f"{HEADER}\n{GOOD_ROW}\nold-2,Winter,2025-12-01\n", "Line 3: 3 values where"),
        (f"{HEADER}\n{GOOD_ROW}\n".encode() + b"old-2,Caf\xe9,2025-06-01\n", "Line 3: not UTF-8"),
        (f"{HEADER}\n{GOOD_ROW}\nold-2,{'x' * MAX_LINE_BYTES}\n", "Line 3: longer than 64 kB"),
        ("", "the file is empty"),
    ],
)
def test_a_malformed_file_is_refused_before_anything_is_written(org_a, text, message):
    with pytest.raises(FileRefused, match=message):
        run(org_a, text)
    assert not Badge.objects.exists()
