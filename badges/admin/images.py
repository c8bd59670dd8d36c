"""Badge images in the admin: thumbnails on the badge page and in the images list. Images are
set and removed through the images service (the API's ``badges/{id}/images/{slot}/``)."""

from django.contrib import admin
from django.utils.html import format_html

from badges.models import BadgeImage
from badges_project.admin import ReadOnlyAdmin, ReadOnlyInline


@admin.display(description="image")
def thumbnail(image: BadgeImage) -> str:
    return format_html(
        '<img src="{}" alt="{}" width="48" height="48" style="object-fit: contain">',
        image.file.url,
        image.name,
    )


class ImageInline(ReadOnlyInline):
    model = BadgeImage
    fields = ["slot", thumbnail, "name", "content_type", "width", "size", "uploaded_on"]
    readonly_fields = [thumbnail]


@admin.register(BadgeImage)
class BadgeImageAdmin(ReadOnlyAdmin):
    list_display = [thumbnail, "badge", "slot", "name", "content_type", "width", "size"]
    list_select_related = ["badge"]
    list_filter = ["slot", "content_type"]
    search_fields = ["badge__name", "name", "sha256"]
