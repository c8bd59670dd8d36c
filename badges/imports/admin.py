"""Import runs in the admin, read-only: written only by the run services and the commands.
Loaded by ``BadgesConfig.ready()`` (``badges.admin`` may not reach this domain)."""

from django.contrib import admin

from badges.imports.models import ImportRun
from badges_project.admin import ReadOnlyAdmin


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ["kind", "file_name", "status", "dry_run", "created_on", "created_by", "org"]
    list_filter = ["status", "kind", "from_command", "org"]
    list_select_related = ["org", "created_by"]
    search_fields = ["file_name", "=id"]
    show_full_result_count = False
