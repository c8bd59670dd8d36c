"""Import runs: one CSV file imported from the browser UI or a command (SPEC 14)."""

import uuid

from django.conf import settings
from django.db import models

from badges.models import Organization
from badges.models.json import JSONField
from badges.rows import LoadedFromRows

from .choices import ImportKind, RunStatus


class ImportRun(LoadedFromRows, models.Model):
    """A file's import: its progress while it runs, then its summary and per-row report.

    ``source`` and ``report`` name files in the ``imports`` storage, which nothing serves
    publicly (the UI hands the report to the org's users only). A run from a command keeps no
    file: its report is written where the command was told."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    org = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=ImportKind.choices)
    status = models.CharField(max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    dry_run = models.BooleanField(default=False)
    file_name = models.CharField(max_length=255)
    source = models.CharField(max_length=255, blank=True)
    report = models.CharField(max_length=255, blank=True)
    rows_total = models.PositiveIntegerField(null=True, blank=True)
    rows_done = models.PositiveIntegerField(default=0)
    summary = JSONField(default=dict, blank=True)
    error = models.TextField(blank=True)
    from_command = models.BooleanField(default=False)
    created_on = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_on = models.DateTimeField(null=True, blank=True)
    finished_on = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_on"]
        indexes = [models.Index(fields=["org", "-created_on"], name="import_run_recent")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.file_name}"
