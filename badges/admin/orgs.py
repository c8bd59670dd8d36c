"""Orgs and their members in the admin; settings change through the org service."""

from django import forms
from django.contrib import admin

from badges.models import ORG_SETTINGS, Membership, Organization
from badges.services import orgs
from badges_project.admin import ServiceAdmin, ServiceForm


class OrganizationAdminForm(ServiceForm):
    webhook_url = forms.URLField(required=False, assume_scheme="https")

    class Meta:
        model = Organization
        fields = list(ORG_SETTINGS)
        widgets = {"webhook_secret": forms.PasswordInput(render_value=True)}

    def save_through(self, data: dict, now) -> Organization:
        return orgs.org_update(org=self.instance, **{f: data[f] for f in self.changed_data})


@admin.register(Organization)
class OrganizationAdmin(ServiceAdmin):
    """Orgs are created with ``manage.py create_org``; settings change through the service."""

    form = OrganizationAdminForm
    list_display = [
        "name",
        "slug",
        "timezone",
        "retro_max_allowed_age_days",
        "retro_delay_since_registration_hours",
        "revoke_on_return",
        "created_on",
    ]
    list_filter = ["revoke_on_return", "timezone"]
    search_fields = ["name", "slug"]
    readonly_fields = ["slug", "created_on"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "org", "role", "created_on"]
    list_filter = ["role", "org"]
    list_select_related = ["user", "org"]
    search_fields = ["user__username", "org__name", "org__slug"]
    autocomplete_fields = ["user"]

    def save_model(self, request, obj, form, change):
        orgs.membership_set(org=obj.org, user=obj.user, role=obj.role)
