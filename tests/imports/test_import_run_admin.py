"""Import runs in the admin: listed for operators with their kind, file, status, when and by
whom, and read-only (only the run services and the commands write them)."""

from datetime import UTC, datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from badges.imports.choices import ImportKind
from badges.imports.services.runs import run_start
from tests.factories import OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_operators_read_import_runs_and_change_nothing(client):
    operator = UserFactory(username="operator", is_staff=True, is_superuser=True)
    client.force_login(operator)
    run = run_start(
        org=OrganizationFactory(),
        actor=UserFactory(username="maria"),
        kind=ImportKind.CUSTOMER_BADGES,
        upload=SimpleUploadedFile("history-2025.csv", b"badge\n"),
        dry_run=False,
        now=datetime(2026, 11, 1, 12, tzinfo=UTC),
    )
    listing = client.get("/admin/badges/importrun/")
    assert listing.status_code == 200
    for shown in ["history-2025.csv", "Customers&#x27; earned badges", "QUEUED", "maria"]:
        assert shown in listing.text, shown
    assert client.get("/admin/badges/importrun/add/").status_code == 403
    page = client.get(f"/admin/badges/importrun/{run.pk}/change/")
    assert page.status_code == 200 and 'name="_save"' not in page.text
    assert client.post(f"/admin/badges/importrun/{run.pk}/delete/").status_code == 403
