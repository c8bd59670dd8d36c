"""Customers, issuances, enrolments and issue requests in the admin: read-only, revoked
through the issuance and enrolment services."""

from django.contrib import admin, messages
from django.utils import timezone

from badges import selectors
from badges.models import Customer, Enrolment, Issuance, IssuanceStatus, IssueRequest
from badges.services import enrolment, issuance
from badges_project.admin import ReadOnlyAdmin, list_filter

# Issuances and enrolments derive ACTIVE, EXPIRED and REVOKED alike, from the same columns.
RevocableStatusFilter = list_filter(
    "status", IssuanceStatus.choices, lambda v: selectors.issuance_status_q([v], timezone.now())
)


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    list_display = ["customer_id", "org", "registered_on", "created_on"]
    list_filter = ["org"]
    list_select_related = ["org"]
    search_fields = ["=customer_id"]
    show_full_result_count = False


class RevocableAdmin(ReadOnlyAdmin):
    """Issuances and enrolments: shown with their derived status, revoked through a service."""

    list_select_related = ["badge", "customer"]
    list_filter = [RevocableStatusFilter]
    show_full_result_count = False
    actions = ["revoke"]

    def revoke_one(self, obj, **kwargs):
        raise NotImplementedError

    @admin.display(description="status")
    def status(self, obj) -> str:
        return obj.status_at(timezone.now())

    @admin.action(description="Revoke selected rows")
    def revoke(self, request, queryset):
        reason = f"Revoked in admin by {request.user.get_username()}"
        for obj in queryset:
            self.revoke_one(obj, reason=reason, actor=request.user, now=timezone.now())
        self.message_user(request, f"Revoked {len(queryset)}.", messages.SUCCESS)


@admin.register(Issuance)
class IssuanceAdmin(RevocableAdmin):
    list_display = [
        "issual_id",
        "badge",
        "customer",
        "status",
        "source",
        "event_date",
        "issued_on",
        "expires_on",
        "revoked_on",
    ]
    list_filter = [RevocableStatusFilter, "source", "issued_on"]
    search_fields = ["=issual_id", "=customer__customer_id", "badge__name", "=request_id"]

    def revoke_one(self, obj, **kwargs):
        issuance.issuance_revoke(issuance=obj, **kwargs)


@admin.register(Enrolment)
class EnrolmentAdmin(RevocableAdmin):
    list_display = [
        "id",
        "badge",
        "customer",
        "status",
        "enrol_event_date",
        "expires_on",
        "revoked_on",
    ]
    search_fields = ["=id", "=customer__customer_id", "badge__name"]

    def revoke_one(self, obj, **kwargs):
        enrolment.enrolment_revoke(enrolment=obj, **kwargs)


@admin.register(IssueRequest)
class IssueRequestAdmin(ReadOnlyAdmin):
    list_display = ["request_id", "badge", "customer", "code", "issuance", "created_on"]
    list_filter = ["code"]
    list_select_related = ["badge", "customer", "issuance"]
    search_fields = ["=request_id", "=customer__customer_id"]
    show_full_result_count = False
