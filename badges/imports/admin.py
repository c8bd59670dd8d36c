"""Import runs in the admin, read-only: the import page and the commands make them."""

from django.contrib import admin

from badges.imports.models import ImportRun


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = ["file_name", "kind", "status", "dry_run", "org", "created_on", "created_by"]
    list_filter = ["kind", "status", "org"]
    list_select_related = ["org", "created_by"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
