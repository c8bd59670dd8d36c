"""Badge images (``badges/{id}/images/{slot}/``): multipart uploads, read under a cap so that
no more than an image's 2 MB of an upload is ever held, handed to the images service."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser

from badges.exceptions import RuleViolation
from badges.image_checks import too_large
from badges.services import images
from badges_project.api.schema import error_response
from badges_project.uploads import CappedImageUpload

from .serializers.badges import BadgeSerializer

IMAGE_REFUSALS = error_response(
    "IMAGE_TOO_LARGE (over 2 MB), IMAGE_FORMAT_UNSUPPORTED (not PNG, JPEG or SVG by its "
    "content), IMAGE_UNREADABLE (damaged, cut short, bytes after a PNG's end, or SVG not "
    "well-formed), IMAGE_TOO_MANY_PIXELS (over 2048 x 2048; an SVG's embedded images together), "
    "IMAGE_NOT_SQUARE, SVG_DOCTYPE_FORBIDDEN (a DTD but the public SVG one, entities, "
    "XInclude), SVG_ACTIVE_CONTENT (scripts, handlers, script or data: URLs, foreignObject, "
    "HTML, animated href or handlers), SVG_EXTERNAL_REFERENCE (a reference or CSS url()/@import "
    "to anything but a #fragment), SVG_USE_LIMIT (over 500 <use> or nested over 2 deep), "
    "SVG_TOO_COMPLEX (over 10,000 elements, nested over 100 deep, 50,000 attributes, 100 on "
    "an element, 1,000 CSS escapes or 16 embedded images), IMAGE_TOO_COMPLEX (a JPEG of over "
    "64 scans), "
    "SVG_GEOMETRY_INVALID (no viewBox nor unitless width and height), IMAGE_FILE_REQUIRED, "
    "IMAGE_NAME_REQUIRED, IMAGE_NAME_INVALID, IMAGE_SLOT_INVALID. Nothing stored changes."
)
SLOT = OpenApiParameter(
    "slot", OpenApiTypes.STR, OpenApiParameter.PATH, enum=["unissued", "in_progress", "issued"]
)


class BadgeImageActions:
    """The badge route that sets and removes images; a mixin of ``BadgeViewSet``."""

    @extend_schema(
        methods=["PUT"],
        summary="Add or replace the image of a slot (multipart: file, name)",
        parameters=[SLOT],
        request={
            "multipart/form-data": inline_serializer(
                "BadgeImageUpload",
                {"file": serializers.FileField(), "name": serializers.CharField(max_length=100)},
            )
        },
        responses={200: BadgeSerializer, 400: IMAGE_REFUSALS},
    )
    @extend_schema(
        methods=["DELETE"],
        summary="Empty a slot (an empty slot stays empty)",
        parameters=[SLOT],
        request=None,
        responses={200: BadgeSerializer},
    )
    @action(
        detail=True,
        methods=["put", "delete"],
        url_path=r"images/(?P<slot>[a-z_]+)",
        badge_reads="bare",
        parser_classes=[MultiPartParser],
        filterset_class=None,
    )
    def images(self, request, pk=None, slot=None):
        badge = self.get_object()
        if request.method == "DELETE":
            images.badge_image_remove(badge=badge, slot=slot, actor=request.user, now=request.now)
            return self._read(badge)
        capped = CappedImageUpload(request)
        request._request.upload_handlers = [capped]
        upload = request.data.get("file")
        if capped.too_large:
            raise too_large()
        if upload is None or isinstance(upload, str):
            raise RuleViolation.one("IMAGE_FILE_REQUIRED", "Send the image as `file`.", "file")
        images.badge_image_set(
            badge=badge,
            slot=slot,
            name=request.data.get("name", ""),
            content=upload.read(),
            actor=request.user,
            now=request.now,
        )
        return self._read(badge)
