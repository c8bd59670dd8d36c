"""Org-scoped reads of import runs, shared by the UI and the admin."""

from django.db.models import QuerySet

from badges.imports.models import ImportRun
from badges.models import Organization


def import_runs(*, org: Organization) -> QuerySet[ImportRun]:
    """The org's runs, from the UI and from commands, most recent first (faces page them)."""
    return (
        ImportRun.objects.filter(org=org)
        .select_related("created_by")
        .order_by("-created_on", "-id")
    )


def import_run_get(*, org: Organization, pk) -> ImportRun:
    """The org's run (ImportRun.DoesNotExist, a 404 to every face, for another org's)."""
    return import_runs(org=org).get(pk=pk)
