"""Imports run by a command, recorded with the UI's runs so that past imports list them all."""

from datetime import datetime

from badges.imports.choices import ImportKind, RunStatus
from badges.imports.files import Summary
from badges.imports.models import ImportRun
from badges.models import Organization


def run_recorded(
    *,
    org: Organization,
    kind: ImportKind,
    file_name: str,
    started_on: datetime,
    finished_on: datetime,
    dry_run: bool,
    summary: Summary | None = None,
    error: str = "",
) -> ImportRun:
    """A command's run, DONE with its summary or FAILED with why (its report stays where the
    command wrote it)."""
    return ImportRun.objects.create(
        org=org,
        kind=kind,
        status=RunStatus.FAILED if error else RunStatus.DONE,
        dry_run=dry_run,
        file_name=file_name[:255],
        rows_total=summary.rows if summary else None,
        rows_done=summary.rows if summary else 0,
        summary=summary.as_dict() if summary else {},
        error=error,
        from_command=True,
        created_on=started_on,
        started_on=started_on,
        finished_on=finished_on,
    )
