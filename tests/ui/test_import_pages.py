"""The import page (SPEC 14 in the browser): an editor uploads a CSV, its run imports it (in
process without a broker), the run page shows its progress until it ends, then the summary and
the per-row report to download; past imports, from the page and the commands, listed with who
ran them. Viewers read; other orgs' runs are 404."""

import re
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, TestCase

from badges.imports.choices import ImportKind, RunStatus
from badges.imports.models import ImportRun
from badges.imports.ui import views
from badges.models import Issuance, Role
from tests.factories import BadgeFactory
from tests.ui.conftest import signed_in

pytestmark = pytest.mark.django_db

LIST = "/imports/ui/"
EARNED = (
    b"badge,customer_id,earn_event_date,expires_on\nold-7,c-1,2026-09-02,\nold-8,c-2,2026-09-02,\n"
)


@pytest.fixture
def badge(org_a):
    return BadgeFactory(
        org=org_a,
        start_on=datetime(2026, 9, 1, tzinfo=UTC),
        expires_on=datetime(2026, 10, 1, tzinfo=UTC),
        external_id="old-7",
    )


def upload(client, content=EARNED, name="earned.csv", **fields):
    """Post the form; the run it queues once it commits runs in process, as without a broker."""
    data = {"kind": ImportKind.CUSTOMER_BADGES, "file": SimpleUploadedFile(name, content)}
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(LIST, {**data, **fields})


def test_an_upload_is_imported_and_its_page_shows_the_summary_and_report(editor_page, badge):
    response = upload(editor_page)
    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{LIST}{run.pk}/"
    assert (run.status, run.rows_total, run.rows_done) == (RunStatus.DONE, 2, 2)
    assert run.created_by == editor_page.user
    assert Issuance.objects.count() == 1
    page = editor_page.get(response["Location"])
    assert "Done." in page.text
    assert "hx-trigger" not in page.text  # nothing more to poll
    assert 'Imported</dt><dd class="col-sm-9">1<' in page.text
    assert 'Badge not found</dt><dd class="col-sm-9">1<' in page.text
    report = editor_page.get(f"{LIST}{run.pk}/report/")
    assert report["Content-Disposition"] == 'attachment; filename="earned.report.csv"'
    lines = b"".join(report.streaming_content).decode().splitlines()
    assert lines[0] == "line,status,code,field,message,id"
    assert lines[2].startswith("3,BADGE_NOT_FOUND,BADGE_NOT_FOUND,badge,")


def test_a_running_import_polls_its_progress(editor_page, org_a):
    run = ImportRun.objects.create(
        org=org_a,
        kind=ImportKind.CUSTOMER_BADGES,
        file_name="big.csv",
        status=RunStatus.RUNNING,
        rows_total=400,
        rows_done=100,
        created_on=datetime(2026, 9, 2, tzinfo=UTC),
    )
    page = editor_page.get(f"{LIST}{run.pk}/", headers={"HX-Request": "true"})
    assert page.text.lstrip().startswith('<div id="run-progress" hx-get="/imports/ui/')
    assert 'hx-trigger="every 1s"' in page.text
    assert 'value="25"' in page.text and "Importing: 100 of 400 rows" in page.text


def test_a_malformed_file_fails_with_what_is_wrong_and_writes_nothing(editor_page, badge):
    upload(editor_page, content=b"badge,customer\nold-7,c-1\n")
    run = ImportRun.objects.get()
    assert run.status == RunStatus.FAILED
    assert "missing customer_id, earn_event_date, expires_on" in run.error
    assert not Issuance.objects.exists()
    page = editor_page.get(f"{LIST}{run.pk}/")
    assert "Nothing was imported." in page.text
    assert editor_page.get(f"{LIST}{run.pk}/report/").status_code == 404


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": "earned.txt"}, "The file must be a .csv file."),
        ({"kind": "SOMETHING"}, "Choose what the file holds."),
    ],
)
def test_an_upload_refused_says_why_and_starts_nothing(editor_page, fields, message):
    name = fields.pop("name", "earned.csv")
    response = upload(editor_page, name=name, **fields)
    assert response.status_code == 400
    assert message in response.text
    assert not ImportRun.objects.exists()


def test_an_upload_without_a_file_is_refused(editor_page):
    response = editor_page.post(LIST, {"kind": ImportKind.CUSTOMER_BADGES})
    assert response.status_code == 400
    assert "Choose a CSV file to import." in response.text


def test_viewers_read_past_imports_but_upload_nothing(org_a, badge):
    editor = signed_in(org_a, Role.EDITOR)
    upload(editor)
    viewer = signed_in(org_a, Role.VIEWER)
    page = viewer.get(LIST)
    assert "earned.csv" in page.text
    assert 'type="file"' not in page.text
    assert upload(viewer).status_code == 403
    assert ImportRun.objects.count() == 1


def test_past_imports_show_who_ran_them_commands_included(editor_page, org_a, badge):
    upload(editor_page)
    ImportRun.objects.create(
        org=org_a,
        kind=ImportKind.BADGES,
        file_name="defs.csv",
        status=RunStatus.DONE,
        from_command=True,
        created_on=datetime(2026, 9, 3, tzinfo=UTC),
    )
    page = editor_page.get(LIST)
    assert "command line" in page.text
    assert editor_page.user.username in page.text
    assert page.text.index("earned.csv") < page.text.index("defs.csv")


def test_another_orgs_import_and_report_are_404(editor_page, org_b):
    run = ImportRun.objects.create(
        org=org_b,
        kind=ImportKind.CUSTOMER_BADGES,
        file_name="theirs.csv",
        status=RunStatus.DONE,
        report="x.csv",
        created_on=datetime(2026, 9, 3, tzinfo=UTC),
    )
    assert editor_page.get(f"{LIST}{run.pk}/").status_code == 404
    assert editor_page.get(f"{LIST}{run.pk}/report/").status_code == 404
    assert "theirs.csv" not in editor_page.get(LIST).text


def test_a_file_over_the_cap_is_refused_whether_declared_or_streamed(editor_page, monkeypatch):
    """Streamed to a temporary file, the upload stops past the cap; a body declared beyond the
    cap and its form's room is refused unread. Either way nothing is kept or started."""
    monkeypatch.setattr(views, "MAX_UPLOAD_BYTES", 1000)  # the page's cap alone
    for size in [1001, 70_000]:
        response = upload(editor_page, content=b"x" * size)
        assert response.status_code == 400, size
        assert "A file is at most" in response.text, size
    assert not ImportRun.objects.exists()
    assert upload(editor_page, content=b"x" * 1000).status_code == 302


def test_an_upload_needs_the_csrf_token(editor_page):
    client = Client(enforce_csrf_checks=True)
    client.force_login(editor_page.user)
    data = {"kind": ImportKind.CUSTOMER_BADGES, "file": SimpleUploadedFile("e.csv", EARNED)}
    assert client.post(LIST, data).status_code == 403
    assert not ImportRun.objects.exists()


def test_a_poll_that_sees_the_run_as_shown_swaps_nothing(editor_page, org_a):
    run = ImportRun.objects.create(
        org=org_a,
        kind=ImportKind.CUSTOMER_BADGES,
        file_name="big.csv",
        status=RunStatus.RUNNING,
        rows_total=400,
        rows_done=100,
        created_on=datetime(2026, 9, 2, tzinfo=UTC),
    )
    page = editor_page.get(f"{LIST}{run.pk}/")
    # The live region stays in place; the part inside it is swapped.
    assert re.search(r'<div id="run-live" aria-live="polite">\s*<div id="run-progress"', page.text)
    assert f'hx-get="{LIST}{run.pk}/?seen=RUNNING%3A100%3A400"' in page.text
    poll = {"headers": {"HX-Request": "true"}}
    assert editor_page.get(f"{LIST}{run.pk}/?seen=RUNNING:100:400", **poll).status_code == 204
    ImportRun.objects.filter(pk=run.pk).update(rows_done=300)
    moved = editor_page.get(f"{LIST}{run.pk}/?seen=RUNNING:100:400", **poll)
    assert moved.status_code == 200 and 'value="75"' in moved.text
    assert "seen=RUNNING%3A300%3A400" in moved.text


def test_a_dry_run_under_way_shows_a_bar_without_a_value(editor_page, org_a):
    run = ImportRun.objects.create(
        org=org_a,
        kind=ImportKind.CUSTOMER_BADGES,
        file_name="big.csv",
        status=RunStatus.RUNNING,
        dry_run=True,
        rows_total=400,
        created_on=datetime(2026, 9, 2, tzinfo=UTC),
    )
    page = editor_page.get(f"{LIST}{run.pk}/")
    assert '<progress class="import-progress w-100 mb-3" aria-label="Rows decided"></progress>' in (
        page.text
    )
    assert "Dry run: deciding 400 rows" in page.text


def test_a_refused_upload_names_its_rule_on_the_input(editor_page):
    response = upload(editor_page, name="earned.xlsx")
    assert response.status_code == 400
    assert "The file must be a .csv file. (FILE_NOT_CSV)" in response.text
    assert (
        'aria-describedby="import-file-error import-file-help" aria-invalid="true" autofocus'
        in (response.text)
    )
