"""The import page (SPEC 14 in the browser): the org's past imports, from the page and from
commands, most recent first with who ran them, when, their status and counts; editors upload a
file (read under the size cap, CSRF checked), refused with the rule broken on the input; a
run's page polls its state while it runs (nothing swapped while it stands still), then shows
the summary and the report, downloaded as an attachment. Viewers read; another org's run, its
state and its report are 404."""

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from badges.imports.choices import ImportKind, RunStatus
from badges.imports.files import Summary
from badges.imports.models import ImportRun
from badges.imports.services import runs
from badges.imports.services.command_runs import run_recorded
from badges.models import Issuance, Role
from tests.factories import BadgeFactory
from tests.ui.conftest import signed_in

pytestmark = pytest.mark.django_db

LIST = "/imports/ui/"
NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
EARNED = (
    "badge,customer_id,earn_event_date,expires_on\n"
    "old-7,c-1,2026-09-02,2026-09-16\n"
    "old-7,c-1,2026-09-02,2026-09-16\n"
    "old-8,c-2,2026-09-02,\n"
)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def badge(org_a):
    return BadgeFactory(
        org=org_a,
        start_on=datetime(2026, 9, 1, tzinfo=UTC),
        expires_on=datetime(2026, 10, 1, tzinfo=UTC),
        external_id="old-7",
    )


def csv_file(text: str = EARNED, name: str = "earned.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def uploaded(client, capture, **data):
    body = {"kind": ImportKind.CUSTOMER_BADGES, "file": csv_file(), **data}
    with capture(execute=True):
        return client.post(LIST, body)


def queued(org, user, text: str = EARNED, *, minutes_ago: int = 0, name="earned.csv"):
    """A run of the page, still QUEUED (its task not run)."""
    return runs.run_start(
        org=org,
        actor=user,
        kind=ImportKind.CUSTOMER_BADGES,
        upload=csv_file(text, name),
        dry_run=False,
        now=NOW - timedelta(minutes=minutes_ago),
    )


def listed(response) -> list[str]:
    return re.findall(r'<a href="/imports/ui/[0-9a-f-]+/">([^<]+)</a>', response.text)


def test_an_editor_uploads_a_file_and_lands_on_its_run(
    editor_page, org_a, badge, django_capture_on_commit_callbacks
):
    form = editor_page.get(LIST)
    assert form.status_code == 200
    for shown in [
        'enctype="multipart/form-data"',
        '<label class="form-label" for="id_kind">What the file holds</label>',
        '<label class="form-label" for="id_file">CSV file</label>',
        'accept=".csv,text/csv"',
        '<label class="form-check-label" for="id_dry_run">Dry run</label>',
        "No imports yet.",
    ]:
        assert shown in form.text, shown

    response = uploaded(editor_page, django_capture_on_commit_callbacks)
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/ui/{run.pk}/"
    # No broker: the task ran once the run committed.
    assert (run.status, run.created_by, run.summary["imported"]) == (
        RunStatus.DONE,
        editor_page.user,
        1,
    )
    assert Issuance.objects.filter(badge=badge).count() == 1

    page = editor_page.get(response["Location"])
    assert page.status_code == 200
    for shown in [
        "Import of “earned.csv”",
        "Summary: 3 rows read",
        "Badge not found",
        'role="progressbar"',
        'aria-valuenow="100"',
        'aria-live="polite"',
        f'href="/imports/ui/{run.pk}/report/"',
        "Download report",
    ]:
        assert shown in page.text, shown
    assert "hx-trigger" not in page.text  # an ended run is not polled


def test_a_dry_run_is_asked_for_with_the_box(
    editor_page, org_a, badge, django_capture_on_commit_callbacks
):
    uploaded(editor_page, django_capture_on_commit_callbacks, dry_run="on")
    run = ImportRun.objects.get()
    assert (run.dry_run, run.status, run.summary["imported"]) == (True, RunStatus.DONE, 1)
    assert not Issuance.objects.exists()
    assert "a dry run, nothing was written" in editor_page.get(f"{LIST}{run.pk}/").text


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        (
            {"file": csv_file(name="earned.xlsx")},
            "file",
            "The file is a CSV file, its name ending in .csv. (IMPORT_FILE_NOT_CSV)",
        ),
        ({"file": ""}, "file", "Choose a CSV file. (IMPORT_FILE_REQUIRED)"),
        ({"kind": "EVENTS"}, "kind", "(IMPORT_KIND_INVALID)"),
    ],
)
def test_a_refused_upload_says_which_rule_on_its_input(
    editor_page, org_a, django_capture_on_commit_callbacks, data, field, words
):
    response = uploaded(editor_page, django_capture_on_commit_callbacks, **data)
    assert response.status_code == 400
    assert words in response.text
    assert f'id="err-{field}"' in response.text
    assert re.search(rf'<[^>]*id="id_{field}"[^>]*aria-invalid="true"', response.text) or (
        re.search(rf'<[^>]*aria-invalid="true"[^>]*id="id_{field}"', response.text)
    )
    assert "The file was not imported:" in response.text
    assert not ImportRun.objects.exists()


def test_a_file_over_the_cap_is_refused_whether_declared_or_streamed(
    editor_page, org_a, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(runs, "MAX_UPLOAD_BYTES", 1000)
    too_large = "(IMPORT_FILE_TOO_LARGE)"
    # Sent within the cap and its form's room, but the file over it: stopped while streamed.
    streamed = uploaded(editor_page, django_capture_on_commit_callbacks, file=csv_file("x" * 1001))
    assert streamed.status_code == 400 and too_large in streamed.text
    # Declared beyond the cap and its form's room: refused unread.
    declared = uploaded(
        editor_page, django_capture_on_commit_callbacks, file=csv_file("x" * 70_000)
    )
    assert declared.status_code == 400 and too_large in declared.text
    assert not ImportRun.objects.exists()
    exact = uploaded(editor_page, django_capture_on_commit_callbacks, file=csv_file("x" * 1000))
    assert exact.status_code == 302


def test_an_upload_needs_the_csrf_token(org_a, editor_page):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor_page.user)
    response = client.post(LIST, {"kind": ImportKind.CUSTOMER_BADGES, "file": csv_file()})
    assert response.status_code == 403
    assert not ImportRun.objects.exists()


def test_viewers_read_the_list_and_may_not_upload(viewer_page, org_a, editor_page):
    queued(org_a, editor_page.user)
    page = viewer_page.get(LIST)
    assert page.status_code == 200
    assert listed(page) == ["earned.csv"]
    assert "Import a file" not in page.text and 'type="file"' not in page.text
    refused = viewer_page.post(LIST, {"kind": ImportKind.CUSTOMER_BADGES, "file": csv_file()})
    assert refused.status_code == 403
    assert ImportRun.objects.count() == 1
    assert signed_in(org_a, Role.ADMIN).get(LIST).text.count('type="file"') == 1


def test_the_list_shows_the_orgs_runs_most_recent_first_with_who_and_what(
    viewer_page, org_a, org_b, editor_page, badge
):
    done = queued(org_a, editor_page.user, minutes_ago=30, name="first.csv")
    runs.run_execute(run_id=done.pk, clock=lambda: NOW - timedelta(minutes=29))
    failed = queued(org_a, editor_page.user, "nonsense\n", minutes_ago=20, name="broken.csv")
    runs.run_execute(run_id=failed.pk, clock=lambda: NOW - timedelta(minutes=19))
    summary = Summary()
    for status in ["IMPORTED", "IMPORTED", "INVALID"]:
        summary.add(status)
    run_recorded(
        org=org_a,
        kind=ImportKind.BADGES,
        file_name="badges.csv",
        started_on=NOW - timedelta(minutes=10),
        finished_on=NOW - timedelta(minutes=9),
        dry_run=False,
        summary=summary,
    )
    queued(org_a, editor_page.user, name="waiting.csv")
    queued(org_b, None, name="theirs.csv")

    page = viewer_page.get(LIST)
    assert listed(page) == ["waiting.csv", "badges.csv", "broken.csv", "first.csv"]
    rows = page.text.split('<tr id="run-')[1:]
    username = editor_page.user.get_username()
    assert "Queued" in rows[0] and username in rows[0]
    assert "Command line" in rows[1] and "Badge definitions" in rows[1]
    assert "3 read" in rows[1] and "2 imported" in rows[1] and "1 invalid" in rows[1]
    assert "Failed" in rows[2] and "Line 1: the header" in rows[2]
    assert "Done" in rows[3] and "Customers&#x27; earned badges" in rows[3]
    assert "1 badge not found" in rows[3]
    # In the org's timezone (Asia/Kolkata): 11:30 UTC is 17:00.
    assert "1 Nov 2026, 17:00" in rows[3]
    assert "theirs.csv" not in page.text
    assert viewer_page.get(f"{LIST}?page=2").status_code == 404


def test_a_running_run_is_polled_and_a_poll_that_sees_no_change_swaps_nothing(
    viewer_page, org_a, editor_page
):
    run = queued(org_a, editor_page.user)
    page = viewer_page.get(f"{LIST}{run.pk}/")
    state = f"/imports/ui/{run.pk}/state/"
    assert f'hx-get="{state}?seen=QUEUED%3A0%3A"' in page.text
    assert 'hx-trigger="every 1s"' in page.text and 'aria-valuenow="0"' in page.text
    assert "Waiting for a worker" in page.text
    assert viewer_page.get(state, {"seen": "QUEUED:0:"}).status_code == 204

    ImportRun.objects.filter(pk=run.pk).update(status="RUNNING", rows_total=400, rows_done=100)
    running = viewer_page.get(state, {"seen": "QUEUED:0:"})
    assert running.status_code == 200
    assert running.text.lstrip().startswith('<div id="run-state"')
    assert "<html" not in running.text
    assert 'aria-valuenow="25"' in running.text and 'data-percent="25"' in running.text
    assert "100 of 400 rows done." in running.text
    assert f'hx-get="{state}?seen=RUNNING%3A100%3A400"' in running.text
    assert viewer_page.get(state, {"seen": "RUNNING:100:400"}).status_code == 204

    runs.ImportRun.objects.filter(pk=run.pk).update(status="QUEUED")
    runs.run_execute(run_id=run.pk, clock=lambda: NOW)
    done = viewer_page.get(state, {"seen": "RUNNING:100:400"})
    assert done.status_code == 200 and "hx-get" not in done.text
    assert "Summary: 3 rows read" in done.text and "Download report" in done.text


def test_a_dry_run_under_way_shows_a_bar_without_a_value(viewer_page, org_a, editor_page):
    run = queued(org_a, editor_page.user)
    ImportRun.objects.filter(pk=run.pk).update(status="RUNNING", rows_total=400, dry_run=True)
    page = viewer_page.get(f"{LIST}{run.pk}/")
    assert 'role="progressbar"' in page.text and "aria-valuenow" not in page.text
    assert "Deciding 400 rows" in page.text


def test_a_failed_run_shows_why(viewer_page, org_a, editor_page):
    run = queued(org_a, editor_page.user, "badge,customer_id\nold-7,c-1\n")
    runs.run_execute(run_id=run.pk, clock=lambda: NOW)
    page = viewer_page.get(f"{LIST}{run.pk}/")
    assert "The file was not imported" in page.text
    assert "Line 1: the header&#x27;s columns are missing earn_event_date" in page.text
    assert "Download report" not in page.text
    assert viewer_page.get(f"{LIST}{run.pk}/report/").status_code == 404


def test_the_report_downloads_as_an_attachment(viewer_page, org_a, editor_page, badge):
    run = queued(org_a, editor_page.user)
    runs.run_execute(run_id=run.pk, clock=lambda: NOW)
    response = viewer_page.get(f"{LIST}{run.pk}/report/")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="earned.csv.report.csv"'
    assert response["Cache-Control"] == "private, no-store"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["line"], r["status"]) for r in rows] == [
        ("2", "IMPORTED"),
        ("3", "DUPLICATE"),
        ("4", "BADGE_NOT_FOUND"),
    ]


def test_another_orgs_run_its_state_and_its_report_are_404(org_a, org_b, editor_page, badge):
    run = queued(org_a, editor_page.user)
    runs.run_execute(run_id=run.pk, clock=lambda: NOW)
    other = signed_in(org_b, Role.ADMIN)
    for path in ["", "state/", "report/"]:
        assert other.get(f"{LIST}{run.pk}/{path}").status_code == 404, path
    assert listed(other.get(LIST)) == []
    assert editor_page.get(f"{LIST}{run.pk}/report/").status_code == 200


def test_signed_out_visitors_are_sent_to_sign_in(client, org_a, editor_page):
    run = queued(org_a, editor_page.user)
    for path in [LIST, f"{LIST}{run.pk}/", f"{LIST}{run.pk}/report/"]:
        response = client.get(path)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
