"""Shapes of custom fields and badge values (SPEC 11). Every rule is in the custom field
services."""

from rest_framework import serializers

from badges_project.api.fields import (
    DerivedField,
    JsonBooleanField,
    JsonUUIDField,
    OrgDateTimeField,
    ValueSerializer,
    service_checked_name,
)
from customfields.models import CustomField
from customfields.selectors import badge_field_reads
from customfields.services import NAME_MAX_LENGTH
from customfields.values import DataType, FieldValue, typed

VALUE_HELP = (
    "BOOLEAN: true or false; INTEGER: a whole number within 64 bits; STRING: up to 1,000 "
    "characters; DATE: an ISO date YYYY-MM-DD."
)


class CustomFieldSerializer(serializers.ModelSerializer):
    """A custom field definition; ``data_type`` is fixed at creation, ``is_active`` only goes
    from true to false."""

    name = service_checked_name(
        NAME_MAX_LENGTH, "1 to 100 characters once trimmed; unique among the org's active fields."
    )
    data_type = serializers.ChoiceField(choices=DataType.choices)
    is_mandatory = JsonBooleanField(required=False, default=False)
    default_value = serializers.JSONField(required=False, allow_null=True, help_text=VALUE_HELP)
    is_active = JsonBooleanField(required=False)
    created_on = OrgDateTimeField(read_only=True)
    updated_on = OrgDateTimeField(read_only=True)

    class Meta:
        model = CustomField
        fields = [
            "id",
            "name",
            "data_type",
            "is_mandatory",
            "default_value",
            "is_active",
            "created_on",
            "updated_on",
        ]
        read_only_fields = ["id", "created_on", "updated_on"]

    def to_representation(self, field: CustomField) -> dict:
        body = super().to_representation(field)
        body["default_value"] = typed(field.data_type, field.default_value)
        return body


class FieldValueSerializer(ValueSerializer):
    """A badge's value for a custom field; ``value: null`` clears it."""

    field = JsonUUIDField()
    value = serializers.JSONField(allow_null=True, help_text=VALUE_HELP)

    def to_internal_value(self, data) -> FieldValue:
        return FieldValue(**super().to_internal_value(data))


class FieldReadSerializer(serializers.Serializer):
    """An active custom field on a badge read: the badge's value or the mandatory default."""

    field = serializers.UUIDField(read_only=True)
    name = serializers.CharField(read_only=True)
    data_type = serializers.ChoiceField(choices=DataType.choices, read_only=True)
    value = serializers.JSONField(read_only=True)


class FieldReadsField(DerivedField):
    """The active custom fields of a badge (``to_badge`` reaches it from the instance)."""

    def __init__(self, to_badge=lambda instance: instance, **kwargs):
        super().__init__(
            FieldReadSerializer(many=True),
            lambda instance, context: badge_field_reads(to_badge(instance)),
            **kwargs,
        )
