"""Shapes of the notifications outbox (``notifications/``, SPEC 13 and 17)."""

from rest_framework import serializers

from badges.models import Notification, NotificationAttempt
from badges_project.api.fields import OrgDateTimeField


class NotificationAttemptSerializer(serializers.ModelSerializer):
    attempted_on = OrgDateTimeField()

    class Meta:
        model = NotificationAttempt
        fields = ["attempted_on", "url", "status_code", "latency_ms", "error", "response_excerpt"]
        read_only_fields = fields


class NotificationSerializer(serializers.ModelSerializer):
    """An outbox row: what it tells (``data``, the webhook body's ``data``), where its delivery
    stands, and every attempt made, newest first."""

    issual_id = serializers.UUIDField(source="issuance_id")
    customer_id = serializers.CharField(source="customer.customer_id")
    badge = serializers.UUIDField(source="badge_id")
    data = serializers.JSONField()
    created_on = OrgDateTimeField()
    next_attempt_at = OrgDateTimeField(allow_null=True, help_text="When the next attempt is due.")
    delivered_on = OrgDateTimeField(allow_null=True)
    delivery_attempts = NotificationAttemptSerializer(many=True)

    class Meta:
        model = Notification
        fields = [
            "id",
            "type",
            "status",
            "issual_id",
            "badge",
            "customer_id",
            "data",
            "created_on",
            "attempts",
            "next_attempt_at",
            "delivered_on",
            "last_error",
            "delivery_attempts",
        ]
        read_only_fields = fields
