from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class BadgeImageSerializer(serializers.Serializer):
    """One image slot of a badge (SPEC 9)."""

    slot = serializers.ChoiceField(choices=["unissued", "in_progress", "issued"])
    name = serializers.CharField()
    url = serializers.URLField()
    content_type = serializers.ChoiceField(choices=["image/png", "image/jpeg", "image/svg+xml"])
    width = serializers.FloatField(help_text="Pixels, or the SVG's viewBox width.")
    height = serializers.FloatField(help_text="Pixels, or the SVG's viewBox height.")
    size = serializers.IntegerField(help_text="Bytes.")


@extend_schema_field(BadgeImageSerializer(many=True))
class ImageSlotsField(serializers.ReadOnlyField):
    """A badge's image slots; they come with the images feature (SPEC 9), none until then."""

    def __init__(self, **kwargs):
        super().__init__(source="*", **kwargs)

    def to_representation(self, instance) -> list:
        return image_slots(instance)


def image_slots(badge) -> list[dict]:
    """A badge's filled image slots as reads show them (none until SPEC 9's images)."""
    return []
