"""The import page in Chromium: an editor uploads a small file of earned badges, follows its
run to the end (without a broker it runs in process, so the page opens done), reads the summary
and downloads the per-row report; past imports list it; a viewer sees no upload form; the same
upload by keyboard alone; a run under way polled until its summary. Every state is checked by
``Watched.assert_healthy`` (axe, the CSP, console errors, other origins, no horizontal
scroll)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from playwright.sync_api import expect

from badges.imports.choices import ImportKind, RunStatus
from badges.imports.models import ImportRun
from badges.imports.services import runs
from badges.models import Issuance, Role
from tests.browser.ui import PASSWORD, Watched, member
from tests.factories import BadgeFactory, OrganizationFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def acme(db):
    org = OrganizationFactory(name="Acme Rewards", slug="acme", timezone="Europe/Amsterdam")
    member(org, Role.EDITOR, "maria")
    member(org, Role.VIEWER, "victor")
    BadgeFactory(
        org=org,
        name="Gold Shopper",
        start_on=timezone.now() - timedelta(days=60),
        expires_on=timezone.now() - timedelta(days=30),
        external_id="legacy-gold",
    )
    return org


@pytest.fixture
def earned_csv(tmp_path):
    day = (timezone.now() - timedelta(days=45)).date().isoformat()
    path = tmp_path / "legacy-earned.csv"
    path.write_text(
        "badge,customer_id,earn_event_date,expires_on\n"
        f"legacy-gold,c-1,{day},\nlegacy-gold,c-2,{day},\nlegacy-gold,c-2,{day},\n"
        f"legacy-silver,c-3,{day},\n"
    )
    return path


def test_an_editor_imports_a_file_and_reads_its_summary_and_report(
    page, live_server, acme, earned_csv
):
    ui = Watched(page, live_server.url)
    ui.sign_in("maria", PASSWORD, "/imports/ui/")
    expect(page.get_by_text("No imports yet.")).to_be_visible()
    ui.assert_healthy("no imports yet")
    page.get_by_label("The file holds").select_option("CUSTOMER_BADGES")
    page.get_by_label("CSV file").set_input_files(str(earned_csv))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("heading", name="legacy-earned.csv")).to_be_visible()
    expect(page.get_by_text("Done.")).to_be_visible()
    expect(page.locator("progress")).to_have_attribute("value", "100")
    summary = page.locator("#run-progress dl")
    expect(summary).to_contain_text("Imported2")
    expect(summary).to_contain_text("Duplicate1")
    expect(summary).to_contain_text("Badge not found1")
    ui.assert_healthy("an import done")
    ui.screenshot("import")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report").click()
    report = download.value
    assert report.suggested_filename == "legacy-earned.report.csv"
    with open(report.path()) as downloaded:
        lines = downloaded.read().splitlines()
    assert [line.split(",")[1] for line in lines[1:]] == [
        "IMPORTED",
        "IMPORTED",
        "DUPLICATE",
        "BADGE_NOT_FOUND",
    ]
    assert Issuance.objects.count() == 2
    page.get_by_role("link", name="Imports").first.click()
    expect(page.get_by_role("link", name="legacy-earned.csv")).to_be_visible()
    ui.assert_healthy("past imports")
    ui.screenshot("imports")


def test_a_viewer_reads_past_imports_without_the_upload_form(page, live_server, acme):
    ui = Watched(page, live_server.url)
    ui.sign_in("victor", PASSWORD, "/imports/ui/")
    expect(page.get_by_role("heading", name="Past imports")).to_be_visible()
    expect(page.get_by_label("CSV file")).to_have_count(0)
    ui.assert_healthy("imports as a viewer")


def test_the_upload_works_by_keyboard_alone(page, live_server, acme, earned_csv):
    ui = Watched(page, live_server.url)
    ui.sign_in("maria", PASSWORD, "/imports/ui/")
    page.get_by_label("The file holds").focus()
    page.keyboard.press("ArrowDown")
    expect(page.get_by_label("The file holds")).to_have_value("CUSTOMER_BADGES")
    page.keyboard.press("Tab")
    expect(page.get_by_label("CSV file")).to_be_focused()
    page.get_by_label("CSV file").set_input_files(str(earned_csv))
    page.keyboard.press("Tab")
    expect(page.get_by_label("Dry run: report, write nothing")).to_be_focused()
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Import")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Dry run done: nothing was written.")).to_be_visible()
    assert not Issuance.objects.exists()


def test_a_run_under_way_is_polled_until_its_summary(page, live_server, acme, monkeypatch):
    """The worker's writes as the page polls them: QUEUED, then rows done of the total, then
    the run's end (run here, by the test, as a worker would)."""
    monkeypatch.setattr(runs, "run_queued", lambda *args: None)  # no task: the test runs it
    day = (timezone.now() - timedelta(days=45)).date().isoformat()
    content = "badge,customer_id,earn_event_date,expires_on\n" + "".join(
        f"legacy-gold,c-{n},{day},\n" for n in range(5)
    )
    run = runs.run_start(
        org=acme,
        actor=acme.memberships.get(role=Role.EDITOR).user,
        kind=ImportKind.CUSTOMER_BADGES,
        upload=SimpleUploadedFile("legacy-earned.csv", content.encode()),
        dry_run=False,
        now=timezone.now(),
    )
    ui = Watched(page, live_server.url)
    ui.sign_in("victor", PASSWORD, f"/imports/ui/{run.pk}/")
    progress = page.get_by_role("progressbar", name="Rows imported")
    expect(progress).to_have_attribute("value", "0")
    expect(page.locator("#run-progress")).to_contain_text("Waiting to start")
    ui.assert_healthy("run queued")

    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING, rows_total=5, rows_done=2)
    expect(progress).to_have_attribute("value", "40")
    expect(page.locator("#run-progress")).to_contain_text("Importing: 2 of 5 rows")
    expect(page.locator("#run-live")).to_have_attribute("aria-live", "polite")
    ui.assert_healthy("run under way")

    ImportRun.objects.filter(pk=run.pk).update(status=RunStatus.QUEUED, rows_done=0)
    runs.run_execute(run_id=run.pk, clock=timezone.now)
    expect(page.get_by_text("Done.")).to_be_visible()
    expect(page.locator("#run-progress dl")).to_contain_text("Imported5")
    expect(page.get_by_role("link", name="Download the report")).to_be_visible()
    expect(page.locator("#run-progress")).not_to_have_attribute("hx-trigger", "every 1s")
    ui.assert_healthy("run done after polling")
