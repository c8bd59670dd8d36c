"""The notifications outbox in the admin: read-only, delivered again through the service."""

from django.contrib import admin, messages
from django.utils import timezone

from badges.exceptions import RuleViolation
from badges.models import Notification, NotificationAttempt
from badges.services.notifications import notification_redeliver
from badges_project.admin import ReadOnlyAdmin, ReadOnlyInline

ATTEMPT_FIELDS = ["attempted_on", "url", "status_code", "latency_ms", "error", "response_excerpt"]


class NotificationAttemptInline(ReadOnlyInline):
    model = NotificationAttempt
    fields = ATTEMPT_FIELDS
    readonly_fields = ATTEMPT_FIELDS
    ordering = ["-attempted_on", "-id"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = [
        "created_on",
        "type",
        "status",
        "org",
        "customer",
        "badge",
        "attempts",
        "next_attempt_at",
        "delivered_on",
        "last_error",
    ]
    list_filter = ["status", "type", "org"]
    list_select_related = ["org", "customer", "badge"]
    search_fields = ["=id", "=issuance__issual_id", "=customer__customer_id"]
    show_full_result_count = False
    inlines = [NotificationAttemptInline]
    actions = ["retry_now"]

    @admin.action(description="Retry selected notifications now")
    def retry_now(self, request, queryset):
        queued, refused = 0, []
        for notification in queryset.select_related("org"):
            try:
                notification_redeliver(notification=notification, now=timezone.now())
            except RuleViolation as refusal:
                refused.append(refusal.violations[0].message)
            else:
                queued += 1
        if queued:
            self.message_user(request, f"Queued {queued} for delivery.", messages.SUCCESS)
        for message in sorted(set(refused)):
            self.message_user(request, message, messages.ERROR)


@admin.register(NotificationAttempt)
class NotificationAttemptAdmin(ReadOnlyAdmin):
    list_display = ["attempted_on", "notification", "org", "url", "status_code", "latency_ms"]
    list_filter = ["org", "status_code", "attempted_on"]
    list_select_related = ["notification", "org"]
    show_full_result_count = False
