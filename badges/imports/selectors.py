"""Reads of the imports domain: the org's import runs."""

from django.db.models import QuerySet

from badges.imports.models import ImportRun
from badges.models import Organization


def runs_of(*, org: Organization) -> QuerySet[ImportRun]:
    """The org's runs, newest first, with who ran them."""
    return ImportRun.objects.filter(org=org).select_related("created_by").order_by("-created_on")


def run_of(*, org: Organization, run_id) -> ImportRun:
    """One run of the org (``ImportRun.DoesNotExist`` for another org's)."""
    return runs_of(org=org).get(pk=run_id)
