"""Operators' face for custom fields: every write goes through the custom field services."""

from django import forms
from django.contrib import admin

from badges_project.admin import ServiceAdmin, ServiceForm
from customfields import services
from customfields.models import CustomField
from customfields.values import from_text, typed


class CustomFieldAdminForm(ServiceForm):
    default_value = forms.CharField(
        required=False,
        strip=False,
        help_text="true/false, a whole number, text, or a date YYYY-MM-DD; empty for none.",
    )

    class Meta:
        model = CustomField
        fields = ["org", "name", "data_type", "is_mandatory", "default_value", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance._state.adding:
            value = typed(self.instance.data_type, self.instance.default_value)
            self.initial["default_value"] = str(value).lower() if isinstance(value, bool) else value

    def save_through(self, data: dict, now) -> CustomField:
        data_type = data.get("data_type") or self.instance.data_type
        text = data.get("default_value")
        definition = services.FieldDefinition(
            name=data["name"],
            data_type=data_type,
            is_mandatory=data.get("is_mandatory", False),
            default_value=from_text(data_type, text) if text else None,
            is_active=data.get("is_active", True),
        )
        if self.instance._state.adding:
            return services.custom_field_create(org=data["org"], now=now, definition=definition)
        return services.custom_field_update(field=self.instance, now=now, **vars(definition))


@admin.register(CustomField)
class CustomFieldAdmin(ServiceAdmin):
    """Custom fields are created, updated and disabled, never deleted."""

    form = CustomFieldAdminForm
    list_display = ["name", "org", "data_type", "is_mandatory", "default_value", "is_active"]
    list_filter = ["is_active", "data_type", "is_mandatory", "org"]
    list_select_related = ["org"]
    search_fields = ["name", "=id"]
    readonly_fields = ["id", "created_on", "updated_on"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        return [*self.readonly_fields, "org", "data_type"]

    def has_delete_permission(self, request, obj=None):
        return False
