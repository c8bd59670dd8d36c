"""Import runs in the admin, read-only: the import page and the commands make them."""

from django.contrib import admin

from badges.imports.models import ImportRun
from badges_project.admin import ReadOnlyAdmin


@admin.register(ImportRun)
class ImportRunAdmin(ReadOnlyAdmin):
    list_display = ["file_name", "kind", "status", "dry_run", "org", "created_on", "created_by"]
    list_filter = ["kind", "status", "org"]
    list_select_related = ["org", "created_by"]
