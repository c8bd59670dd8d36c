"""Operators' face for badge groups: every write goes through the group services."""

from django.contrib import admin

from badges_project.admin import ServiceAdmin, ServiceForm
from groups import services
from groups.models import BadgeGroup


class BadgeGroupAdminForm(ServiceForm):
    class Meta:
        model = BadgeGroup
        fields = ["org", "name", "rank", "is_active"]

    def save_through(self, data: dict, now) -> BadgeGroup:
        definition = services.GroupDefinition(
            name=data["name"], rank=data["rank"], is_active=data.get("is_active", True)
        )
        if self.instance._state.adding:
            return services.group_create(org=data["org"], now=now, definition=definition)
        return services.group_update(group=self.instance, now=now, **vars(definition))


@admin.register(BadgeGroup)
class BadgeGroupAdmin(ServiceAdmin):
    form = BadgeGroupAdminForm
    list_display = ["name", "org", "rank", "is_active", "updated_on"]
    list_filter = ["is_active", "org"]
    list_select_related = ["org"]
    search_fields = ["name", "=id"]
    ordering = ["org", "rank", "name"]
    readonly_fields = ["id", "created_on", "updated_on"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "org"] if obj is not None else self.readonly_fields

    def delete_model(self, request, obj):
        services.group_delete(group=obj)

    def delete_queryset(self, request, queryset):
        for group in queryset:
            services.group_delete(group=group)
