from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


@extend_schema_field(serializers.ListField(child=serializers.DictField()))
class ImageSlotsField(serializers.ReadOnlyField):
    """A badge's image slots; they come with the images feature (SPEC 9), none until then."""

    def __init__(self, **kwargs):
        super().__init__(source="*", **kwargs)

    def to_representation(self, instance) -> list:
        return []
