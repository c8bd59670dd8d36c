"""A badge's images: one per slot (SPEC 9), each file checked by ``badges.image_checks``."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from badges.image_checks import MAX_IMAGE_BYTES
from badges.rows import LoadedFromRows

from .definitions import Badge


class ImageSlot(models.TextChoices):
    """The state of a customer's badge an image shows; lower-case, as URLs and reads name it."""

    UNISSUED = "unissued"
    IN_PROGRESS = "in_progress"
    ISSUED = "issued"


IMAGE_CONTENT_TYPES = ("image/png", "image/jpeg", "image/svg+xml")


def image_storage_name(instance, filename: str) -> str:
    """A random name: never the uploaded one."""
    extension = filename.rsplit(".", 1)[-1]
    return f"badge-images/{uuid.uuid4().hex}.{extension}"


class BadgeImage(LoadedFromRows, models.Model):
    """The image of one slot of a badge: its display name and the checked file as stored."""

    badge = models.ForeignKey(Badge, on_delete=models.CASCADE, related_name="images")
    slot = models.CharField(max_length=12, choices=ImageSlot.choices)
    name = models.CharField(max_length=100)
    file = models.FileField(upload_to=image_storage_name, max_length=200)
    content_type = models.CharField(max_length=20)
    width = models.FloatField(help_text="Pixels, or the SVG's viewBox width.")
    height = models.FloatField(help_text="Pixels, or the SVG's viewBox height.")
    size = models.PositiveIntegerField(help_text="Bytes, as stored.")
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    uploaded_on = models.DateTimeField()

    class Meta:
        ordering = ["badge", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["badge", "slot"], name="badge_image_one_per_slot"),
            models.CheckConstraint(
                condition=Q(slot__in=ImageSlot.values), name="badge_image_slot_known"
            ),
            models.CheckConstraint(
                condition=Q(content_type__in=IMAGE_CONTENT_TYPES),
                name="badge_image_content_type_known",
            ),
            models.CheckConstraint(
                condition=Q(width=models.F("height"), width__gt=0), name="badge_image_square"
            ),
            models.CheckConstraint(
                condition=Q(size__gt=0, size__lte=MAX_IMAGE_BYTES), name="badge_image_size"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.badge} {self.slot}: {self.name}"
