"""What an uploaded badge image is, decided from its bytes alone (SPEC 9).

Every byte is an attacker's: the size is checked before anything is parsed, the format is
sniffed from the content (never the name or the declared type), rasters are decoded under a
pixel cap (``raster``), SVGs parsed without entities and held to an allow-list of what they may
do, then sanitised (``svg``). Each refusal is a ``RuleViolation`` on ``file`` whose code names
the rule. Nothing here writes anything, and no SVG is ever rendered."""

from .raster import (
    JPEG_SIGNATURE,
    MAX_IMAGE_BYTES,
    PNG_SIGNATURE,
    CheckedImage,
    checked_raster,
    refused,
)
from .svg import checked_svg, looks_like_svg

__all__ = ["MAX_IMAGE_BYTES", "CheckedImage", "checked_image", "too_large"]


def too_large():
    """The refusal of a file over the cap, wherever it is first seen (an upload stops there)."""
    return refused("IMAGE_TOO_LARGE", "An image may be at most 2 MB.")


def checked_image(data: bytes) -> CheckedImage:
    """The image ``data`` holds, or the first rule it breaks."""
    if len(data) > MAX_IMAGE_BYTES:
        raise too_large()
    if data.startswith((PNG_SIGNATURE, JPEG_SIGNATURE)):
        return checked_raster(data, square=True)
    if looks_like_svg(data):
        return checked_svg(data)
    raise refused(
        "IMAGE_FORMAT_UNSUPPORTED",
        "The file is not a PNG, JPEG or SVG image (judged from its content, not its name).",
    )
