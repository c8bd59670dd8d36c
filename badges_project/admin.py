"""The admin kit every app's admin shares: forms that save through one service call, and the
read-only and add-only shapes of rows only services write."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils import timezone

from badges.exceptions import RuleViolation


def add_violations(form: forms.Form, error: RuleViolation) -> None:
    """Show a service's refusal on the form, each message on its field where the form has it."""
    for violation in error.violations:
        field = violation.field.split(".")[0]
        form.add_error(
            field if field in form.fields else None,
            ValidationError(violation.message, code=violation.code),
        )


class ServiceForm(forms.ModelForm):
    """A model form saved by one service call.

    ``save_through(data, now)`` calls the service once the fields are valid and returns the
    saved object; a ``RuleViolation`` lands on the fields it names, so the form shows the
    same messages as the API. The call runs while the admin validates the form, inside the
    admin's transaction, and ``ServiceAdmin`` saves nothing more. ``actor`` is the user.
    """

    actor = None

    def save_through(self, data: dict, now):
        raise NotImplementedError

    def clean(self):
        data = super().clean()
        if not self.errors:
            try:
                self.instance = self.save_through(data, timezone.now())
            except RuleViolation as error:
                add_violations(self, error)
        return data

    def validate_unique(self):
        """The service decides what is a duplicate, and says so with its own code."""


class ServiceAdmin(admin.ModelAdmin):
    """Adds and changes through the form's service call; the form knows who acts."""

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.actor = request.user
        return form

    def save_model(self, request, obj, form, change):
        """The form's service call has saved it."""


class AddOnlyAdmin(ServiceAdmin):
    """Rows added through a service and never changed or removed (owners, claims)."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by services, shown for operators."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


def list_filter(title: str, choices, q_for) -> type[admin.SimpleListFilter]:
    """A list filter whose choices map to a selector's query (derived or related values)."""

    class Filter(admin.SimpleListFilter):
        parameter_name = title.replace(" ", "_")

        def lookups(self, request, model_admin):
            return choices

        def queryset(self, request, queryset):
            if self.value() in dict(choices):
                return queryset.filter(q_for(self.value()))
            return queryset

    Filter.title = title
    return Filter
