"""The import page in Chromium: an editor uploads a small file of customers' earned badges by
keyboard, the run's page shows it finished (no broker: the task ran when the upload
committed) with its summary, and the report downloads; a refused upload puts the focus on what
broke; a run under way is polled, its progress bar moving with the rows done until the summary
replaces it; a viewer reads the list without the form. Every page and state is checked by
``Watched.assert_healthy`` (axe, the content security policy, console errors, other origins,
no horizontal scroll)."""

import csv
from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from badges.imports.choices import ImportKind, RunStatus
from badges.imports.models import ImportRun
from badges.imports.services import runs
from badges.models import Issuance, Role
from tests.browser.test_badge_forms_ui import tab_to
from tests.browser.ui import PASSWORD, Watched, member
from tests.factories import BadgeFactory, OrganizationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EARNED = (
    "badge,customer_id,earn_event_date,expires_on\n"
    "old-7,c-1,2026-09-02,2026-09-16\n"
    "old-7,c-1,2026-09-02,2026-09-16\n"
    "old-7,c-2,2026-09-02,\n"
    "old-8,c-3,2026-09-02,\n"
    "old-7,c-4,2026-02-30,\n"
)


@pytest.fixture
def acme(db):
    """Acme, with maria (editor), victor (viewer) and the badge it had as old-7."""
    org = OrganizationFactory(name="Acme Rewards", slug="acme", timezone="Europe/Amsterdam")
    member(org, Role.EDITOR, "maria")
    member(org, Role.VIEWER, "victor")
    BadgeFactory(
        org=org,
        name="Summer Shopper",
        start_on=datetime(2026, 9, 1, tzinfo=UTC),
        expires_on=datetime(2026, 10, 1, tzinfo=UTC),
        external_id="old-7",
    )
    return org


def csv_payload(name: str = "summer-2026.csv", text: str = EARNED) -> dict:
    return {"name": name, "mimeType": "text/csv", "buffer": text.encode()}


def test_an_editor_uploads_a_file_by_keyboard_and_downloads_its_report(page, live_server, acme):
    ui = Watched(page, live_server.url)
    ui.sign_in("maria", PASSWORD, "/imports/ui/")
    expect(page.get_by_role("heading", name="Imports", exact=True)).to_be_visible()
    expect(page.get_by_text("No imports yet.")).to_be_visible()
    expect(page.get_by_role("link", name="Imports")).to_have_attribute("aria-current", "page")
    ui.assert_healthy("no imports yet")

    # A file named otherwise is refused, and the focus goes to what broke.
    page.get_by_label("CSV file").set_input_files(csv_payload("summer-2026.xlsx"))
    page.get_by_role("button", name="Upload and import").click()
    expect(page.locator("#form-errors")).to_be_focused()
    expect(page.locator("#form-errors")).to_contain_text("(IMPORT_FILE_NOT_CSV)")
    expect(page.get_by_label("CSV file")).to_have_attribute("aria-invalid", "true")
    assert not ImportRun.objects.exists()
    ui.assert_healthy("upload refused")

    tab_to(page, element_id="id_kind")
    expect(page.get_by_label("What the file holds")).to_have_value(ImportKind.CUSTOMER_BADGES)
    tab_to(page, element_id="id_file")
    page.get_by_label("CSV file").set_input_files(csv_payload())
    tab_to(page, element_id="id_dry_run")
    tab_to(page, text="Upload and import")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    run = ImportRun.objects.get()
    expect(page.get_by_role("heading", name="Import of “summer-2026.csv”")).to_be_visible()
    bar = page.get_by_role("progressbar", name="Import progress")
    expect(bar).to_have_attribute("aria-valuenow", "100")
    expect(page.locator("#run-state .progress-bar")).to_have_css("width", bar_width(page))
    summary = page.locator("#summary")
    expect(summary).to_contain_text("Summary: 5 rows read")
    for label, count in [("Imported", 2), ("Duplicate", 1), ("Badge not found", 1), ("Invalid", 1)]:
        expect(summary.get_by_role("row", name=f"{label} {count}")).to_be_visible()
    assert Issuance.objects.filter(source="IMPORT").count() == 2
    ui.assert_healthy("run done")
    ui.screenshot("import-run")

    tab_to(page, text="Download report")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename == "summer-2026.csv.report.csv"
    with open(download.value.path(), encoding="utf-8") as report:
        rows = list(csv.DictReader(report))
    assert [(r["line"], r["status"], r["code"]) for r in rows] == [
        ("2", "IMPORTED", ""),
        ("3", "DUPLICATE", "DUPLICATE"),
        ("4", "IMPORTED", ""),
        ("5", "BADGE_NOT_FOUND", "BADGE_NOT_FOUND"),
        ("6", "INVALID", "EARN_EVENT_DATE_INVALID"),
    ]

    page.get_by_role("link", name="Back to imports").click()
    row = page.locator(f"#run-{run.pk}")
    expect(row).to_contain_text("summer-2026.csv")
    expect(row).to_contain_text("maria")
    expect(row).to_contain_text("Done")
    expect(row).to_contain_text("2 imported")
    ui.assert_healthy("imports listed")
    ui.screenshot("imports")


def bar_width(page) -> str:
    """The progress bar's full width, in pixels: the bar's track."""
    return page.locator("#run-state .progress").evaluate("e => getComputedStyle(e).width")


def test_a_run_under_way_is_polled_until_its_summary(page, live_server, acme, monkeypatch):
    """The worker's writes, as the page polls them: QUEUED, then rows done of the total, then
    the run's end (run here, in the test, as a worker would)."""
    monkeypatch.setattr(runs, "run_queued", lambda *args: None)  # no task: the test runs it
    run = runs.run_start(
        org=acme,
        actor=acme.memberships.get(role=Role.EDITOR).user,
        kind=ImportKind.CUSTOMER_BADGES,
        upload=SimpleUploadedFile("summer-2026.csv", EARNED.encode()),
        dry_run=False,
        now=timezone.now(),
    )
    ui = Watched(page, live_server.url)
    ui.sign_in("victor", PASSWORD, f"/imports/ui/{run.pk}/")
    bar = page.get_by_role("progressbar", name="Import progress")
    expect(bar).to_have_attribute("aria-valuenow", "0")
    expect(page.locator("#run-state")).to_contain_text("Waiting for a worker")
    expect(page.locator("#run-live")).to_have_attribute("aria-live", "polite")
    ui.assert_healthy("run queued")

    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, rows_total=5, rows_done=2)
    expect(bar).to_have_attribute("aria-valuenow", "40")
    expect(page.locator("#run-state")).to_contain_text("2 of 5 rows done.")
    width = page.locator("#run-state .progress-bar").evaluate(
        "bar => bar.getBoundingClientRect().width / bar.parentElement.getBoundingClientRect().width"
    )
    assert abs(width - 0.4) < 0.02, width
    ui.assert_healthy("run under way")

    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED, rows_done=0)
    runs.run_execute(run_id=run.pk, clock=timezone.now)
    expect(page.locator("#summary")).to_contain_text("Summary: 5 rows read")
    expect(page.get_by_role("link", name="Download report")).to_be_visible()
    expect(page.locator("#run-state")).not_to_have_attribute("hx-trigger", "every 1s")
    ui.assert_healthy("run done after polling")


def test_a_viewer_reads_the_list_without_the_form(page, live_server, acme):
    run = runs.run_start(
        org=acme,
        actor=acme.memberships.get(role=Role.EDITOR).user,
        kind=ImportKind.CUSTOMER_BADGES,
        upload=SimpleUploadedFile("summer-2026.csv", EARNED.encode()),
        dry_run=True,
        now=timezone.now(),
    )
    ui = Watched(page, live_server.url)
    ui.sign_in("victor", PASSWORD, "/imports/ui/")
    expect(page.locator(f"#run-{run.pk}")).to_contain_text("Dry run")
    expect(page.get_by_label("CSV file")).to_have_count(0)
    expect(page.get_by_role("button", name="Upload and import")).to_have_count(0)
    ui.assert_healthy("viewer's list")
