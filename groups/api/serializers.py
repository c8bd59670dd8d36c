"""Shapes of badge groups (SPEC 10). Every rule is in the group services."""

from rest_framework import serializers

from badges_project.api.fields import (
    JsonBooleanField,
    JsonIntegerField,
    OrgDateTimeField,
    service_checked_name,
)
from groups.models import MAX_RANK, MIN_RANK, BadgeGroup
from groups.services import NAME_MAX_LENGTH


class GroupSerializer(serializers.ModelSerializer):
    """A badge group; create needs ``name`` and ``rank``, update changes the fields sent."""

    name = service_checked_name(
        NAME_MAX_LENGTH, "1 to 100 characters once trimmed; unique among the org's active groups."
    )
    rank = JsonIntegerField(schema={"type": "integer", "minimum": MIN_RANK, "maximum": MAX_RANK})
    is_active = JsonBooleanField(required=False)
    created_on = OrgDateTimeField(read_only=True)
    updated_on = OrgDateTimeField(read_only=True)

    class Meta:
        model = BadgeGroup
        fields = ["id", "name", "rank", "is_active", "created_on", "updated_on"]
        read_only_fields = ["id", "created_on", "updated_on"]


class GroupBriefSerializer(serializers.ModelSerializer):
    """A badge's group as a customer sees it."""

    class Meta:
        model = BadgeGroup
        fields = ["id", "name", "rank"]
        read_only_fields = fields
