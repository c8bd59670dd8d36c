"""Badge images in the admin: thumbnails on the badge page and in the images list, and images
set (added or replaced) and removed through the images service, as the API's
``badges/{id}/images/{slot}/`` does."""

from django import forms
from django.contrib import admin
from django.utils import timezone
from django.utils.html import format_html

from badges.image_checks import MAX_IMAGE_BYTES
from badges.models import BadgeImage
from badges.services import images
from badges_project.admin import ReadOnlyInline, ServiceAdmin, ServiceForm


@admin.display(description="image")
def thumbnail(image: BadgeImage) -> str:
    return format_html(
        '<img src="{}" alt="{}" width="48" height="48" class="badge-thumbnail">',
        image.file.url,
        image.name,
    )


class ImageInline(ReadOnlyInline):
    model = BadgeImage
    fields = ["slot", thumbnail, "name", "content_type", "width", "size", "uploaded_on"]

    class Media:
        css = {"all": ["css/admin.css"]}  # the thumbnail's style: no inline style under the CSP

    readonly_fields = [thumbnail]
    verbose_name_plural = "images (set and removed under Badge images)"


class BadgeImageAdminForm(ServiceForm):
    """Sets a slot's image: a slot that holds one has it replaced."""

    file = forms.FileField(
        help_text="PNG, JPEG or SVG, square, at most 2 MB; judged from its content."
    )

    class Meta:
        model = BadgeImage
        fields = ["badge", "slot", "name"]

    def save_through(self, data: dict, now) -> BadgeImage:
        # One byte past the cap is enough for the service to refuse an oversized file.
        return images.badge_image_set(
            badge=data["badge"],
            slot=data["slot"],
            name=data["name"],
            content=data["file"].read(MAX_IMAGE_BYTES + 1),
            actor=self.actor,
            now=now,
        )


@admin.register(BadgeImage)
class BadgeImageAdmin(ServiceAdmin):
    form = BadgeImageAdminForm
    list_display = [thumbnail, "badge", "slot", "name", "content_type", "width", "size"]

    class Media:
        css = {"all": ["css/admin.css"]}

    list_select_related = ["badge"]
    list_filter = ["slot", "content_type"]
    search_fields = ["badge__name", "name", "sha256"]
    autocomplete_fields = ["badge"]

    def has_change_permission(self, request, obj=None):
        """A stored image is replaced by setting its slot again, never edited."""
        return False

    def delete_model(self, request, obj):
        images.badge_image_remove(
            badge=obj.badge, slot=obj.slot, actor=request.user, now=timezone.now()
        )

    def delete_queryset(self, request, queryset):
        now = timezone.now()
        for image in queryset.select_related("badge"):
            images.badge_image_remove(
                badge=image.badge, slot=image.slot, actor=request.user, now=now
            )
