"""Operators' face for badge groups: every write goes through the group services."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone

from badges.exceptions import RuleViolation
from groups import services
from groups.models import BadgeGroup


class BadgeGroupAdminForm(forms.ModelForm):
    class Meta:
        model = BadgeGroup
        fields = ["org", "name", "rank", "is_active"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        definition = services.GroupDefinition(
            name=data["name"], rank=data["rank"], is_active=data.get("is_active", True)
        )
        try:
            if self.instance._state.adding:
                self.instance = services.group_create(
                    org=data["org"], now=timezone.now(), definition=definition
                )
            else:
                self.instance = services.group_update(
                    group=self.instance, now=timezone.now(), **vars(definition)
                )
        except RuleViolation as error:
            for violation in error.violations:
                field = violation.field if violation.field in self.fields else None
                self.add_error(field, ValidationError(violation.message, code=violation.code))
        return data


@admin.register(BadgeGroup)
class BadgeGroupAdmin(admin.ModelAdmin):
    form = BadgeGroupAdminForm
    list_display = ["name", "org", "rank", "is_active", "updated_on"]
    list_filter = ["is_active", "org"]
    list_select_related = ["org"]
    search_fields = ["name", "=id"]
    ordering = ["org", "rank", "name"]
    readonly_fields = ["id", "created_on", "updated_on"]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "org"] if obj is not None else self.readonly_fields

    def save_model(self, request, obj, form, change):
        """The form's clean() already saved through the service."""

    def delete_model(self, request, obj):
        services.group_delete(group=obj)

    def delete_queryset(self, request, queryset):
        for group in queryset:
            services.group_delete(group=group)
