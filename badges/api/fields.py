from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from badges.models import ImageSlot


class BadgeImageSerializer(serializers.Serializer):
    """One image slot of a badge (SPEC 9)."""

    slot = serializers.ChoiceField(choices=["unissued", "in_progress", "issued"])
    name = serializers.CharField()
    url = serializers.CharField(
        help_text="Where the file is served: a path on this host, or an absolute URL when media "
        "have their own origin (DJANGO_MEDIA_URL)."
    )
    content_type = serializers.ChoiceField(choices=["image/png", "image/jpeg", "image/svg+xml"])
    width = serializers.FloatField(help_text="Pixels, or the SVG's viewBox width.")
    height = serializers.FloatField(help_text="Pixels, or the SVG's viewBox height.")
    size = serializers.IntegerField(help_text="Bytes.")


@extend_schema_field(BadgeImageSerializer(many=True))
class ImageSlotsField(serializers.ReadOnlyField):
    """A badge's filled image slots (SPEC 9)."""

    def __init__(self, source="*", **kwargs):
        super().__init__(source=source, **kwargs)

    def to_representation(self, instance) -> list:
        return image_slots(instance)


SLOT_ORDER = {slot: index for index, slot in enumerate(ImageSlot.values)}


def image_slots(badge) -> list[dict]:
    """A badge's filled image slots as reads show them, unissued, in progress, issued."""
    return [
        {
            "slot": str(image.slot),
            "name": image.name,
            "url": image.file.url,
            "content_type": image.content_type,
            "width": float(image.width),
            "height": float(image.height),
            "size": int(image.size),
        }
        for image in sorted(badge.rows("images"), key=lambda image: SLOT_ORDER[image.slot])
    ]
