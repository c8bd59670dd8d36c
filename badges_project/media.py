"""Stored badge images served by the app (dev and test settings, or ``DJANGO_MEDIA_SERVED_BY_APP``
in production), with the headers every media response needs, whatever ``DEBUG`` is: the stored
content type, ``nosniff``, and a policy that sandboxes the file, so that an SVG opened on its
own runs no script and loads nothing (docs/deploy.md for a media origin or object storage)."""

import re

from django.conf import settings
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.urls import re_path
from django.views.decorators.http import require_safe

CONTENT_TYPES = {"png": "image/png", "jpg": "image/jpeg", "svg": "image/svg+xml"}
MEDIA_POLICY = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
STORED_NAME = r"badge-images/[0-9a-f]{32}\.(?:png|jpg|svg)"


def media_headers(response, content_type: str):
    response["Content-Type"] = content_type
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = MEDIA_POLICY
    response["Cross-Origin-Resource-Policy"] = "same-site"
    # A stored name is random and never reused: a changed image is a new name.
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response


@require_safe
def media_file(request, name: str):
    if not re.fullmatch(STORED_NAME, name) or not default_storage.exists(name):
        raise Http404
    response = FileResponse(default_storage.open(name, "rb"))
    return media_headers(response, CONTENT_TYPES[name.rsplit(".", 1)[1]])


def media_urls() -> list:
    if not settings.MEDIA_SERVED_BY_APP:
        return []
    prefix = re.escape(settings.MEDIA_URL.strip("/"))
    return [re_path(rf"^{prefix}/(?P<name>{STORED_NAME})$", media_file, name="media-file")]
