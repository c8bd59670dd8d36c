"""PNG and JPEG badge images: opened by Pillow restricted to those formats, their pixel count
checked before anything is decoded, then fully decoded."""

import io
import struct
import warnings
from dataclasses import dataclass

from PIL import Image, PngImagePlugin

from badges.exceptions import RuleViolation

MAX_IMAGE_BYTES = 2 * 1024 * 1024
# Decoding holds up to 4 bytes a pixel: 16 MB at the cap, inside the 50 MB a check may take.
MAX_IMAGE_PIXELS = 2048 * 2048
# A progressive JPEG is decoded scan by scan; encoders write about ten. 130,000 repeated scans
# in 2 MB took a minute to decode. A scan starts with the SOS marker, which the entropy-coded
# data can't hold (an 0xFF there is followed by 0x00).
MAX_JPEG_SCANS = 64
JPEG_SCAN_START = b"\xff\xda"
# PNG text chunks (metadata) are inflated as they are read: Pillow's defaults let them take
# 64 MB. Icons carry a few kilobytes (an editor's XMP packet at most some tens).
PngImagePlugin.MAX_TEXT_CHUNK = 256 * 1024
PngImagePlugin.MAX_TEXT_MEMORY = 1024 * 1024
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
JPEG_SIGNATURE = b"\xff\xd8\xff"
RASTERS = {"PNG": ("image/png", "png"), "JPEG": ("image/jpeg", "jpg")}


@dataclass(frozen=True)
class CheckedImage:
    """An image that passed every rule: the bytes to store (an SVG as sanitised) and what
    reads show of it (an SVG's size is its ``viewBox``'s, else its unitless width and height)."""

    content: bytes
    content_type: str
    extension: str
    width: float
    height: float


def refused(code: str, message: str) -> RuleViolation:
    return RuleViolation.one(code, message, field="file")


def checked_raster(
    data: bytes, max_pixels: int = MAX_IMAGE_PIXELS, square: bool = False
) -> CheckedImage:
    """A PNG or JPEG, fully decoded if it holds at most ``max_pixels`` (the cap, or what an SVG
    has left of it) and, when ``square``, its header says it is."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=list(RASTERS)) as image:
                width, height = image.size
                kind = image.format
                if width * height > max_pixels:
                    raise _too_many_pixels(width, height)
                if square and width != height:
                    raise refused(
                        "IMAGE_NOT_SQUARE",
                        f"An image must be square (1:1); this one is {width} x {height} pixels.",
                    )
                if kind == "JPEG" and data.count(JPEG_SCAN_START) > MAX_JPEG_SCANS:
                    raise refused(
                        "IMAGE_TOO_COMPLEX",
                        f"A JPEG may be drawn in at most {MAX_JPEG_SCANS} scans (progressive "
                        "passes).",
                    )
                image.verify()  # chunk checksums, before anything is decoded
            with Image.open(io.BytesIO(data), formats=[kind]) as image:
                if kind == "JPEG":
                    # Every coefficient is still decoded (a cut file is refused), but into an
                    # eighth of the pixels a side: a progressive CMYK JPEG at the cap otherwise
                    # held 48 MB.
                    image.draft(image.mode, (max(1, width // 8), max(1, height // 8)))
                image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_many_pixels(*_claimed_size(data)) from error
    except (OSError, SyntaxError, ValueError, EOFError, struct.error) as error:
        raise refused(
            "IMAGE_UNREADABLE",
            "The image is damaged or cut short, or its metadata is over 1 MB: it could not be "
            "decoded.",
        ) from error
    if kind == "PNG" and _png_end(data) != len(data):
        raise refused(
            "IMAGE_UNREADABLE", "The PNG carries bytes after its end: only the image is taken."
        )
    content_type, extension = RASTERS[kind]
    return CheckedImage(data, content_type, extension, float(width), float(height))


def _too_many_pixels(width: int, height: int) -> RuleViolation:
    return refused(
        "IMAGE_TOO_MANY_PIXELS",
        f"An image may hold at most {MAX_IMAGE_PIXELS:,} pixels (2048 x 2048), the images inside "
        f"an SVG together too; this one claims {width} x {height}.",
    )


def _claimed_size(data: bytes) -> tuple[int, int]:
    """The size a PNG's header claims (a bomb's), else unknown."""
    if data.startswith(PNG_SIGNATURE) and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    return (0, 0)


def _png_end(data: bytes) -> int:
    """Where a (decoded, so well-formed) PNG's IEND chunk ends."""
    offset = len(PNG_SIGNATURE)
    while offset + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        offset += 12 + length
        if kind == b"IEND":
            return offset
    return len(data)
