"""Operators' face for custom fields: every write goes through the custom field services."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone

from badges.exceptions import RuleViolation
from customfields import services
from customfields.models import CustomField
from customfields.values import from_text, typed


class CustomFieldAdminForm(forms.ModelForm):
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

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        data_type = data.get("data_type") or self.instance.data_type
        text = data.get("default_value")
        definition = services.FieldDefinition(
            name=data["name"],
            data_type=data_type,
            is_mandatory=data.get("is_mandatory", False),
            default_value=from_text(data_type, text) if text else None,
            is_active=data.get("is_active", True),
        )
        try:
            if self.instance._state.adding:
                self.instance = services.custom_field_create(
                    org=data["org"], now=timezone.now(), definition=definition
                )
            else:
                self.instance = services.custom_field_update(
                    field=self.instance, now=timezone.now(), **vars(definition)
                )
        except RuleViolation as error:
            for violation in error.violations:
                field = violation.field if violation.field in self.fields else None
                self.add_error(field, ValidationError(violation.message, code=violation.code))
        return data


@admin.register(CustomField)
class CustomFieldAdmin(admin.ModelAdmin):
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

    def save_model(self, request, obj, form, change):
        """The form's clean() already saved through the service."""
