"""Shapes of badge groups (SPEC 10). Every rule is in the group services."""

from rest_framework import serializers

from badges_project.api.fields import OrgDateTimeField
from groups.models import BadgeGroup


class GroupSerializer(serializers.ModelSerializer):
    """A badge group; create needs ``name`` and ``rank``, update changes the fields sent."""

    name = serializers.CharField(max_length=200, allow_blank=True, trim_whitespace=False)
    rank = serializers.IntegerField()
    is_active = serializers.BooleanField(required=False)
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
