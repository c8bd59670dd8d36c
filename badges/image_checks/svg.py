"""SVG badge images: parsed by defusedxml, held to what an icon needs, then sanitised.

The checks run in this order, and the first rule broken is the one named:

1. the prolog: no DTD but the public SVG 1.0/1.1 one, never an internal subset (an ``ATTLIST``
   default would add an ``onload`` the text does not show), no entity, no XInclude;
2. active content: scripts and HTML elements (any namespace, any case), ``foreignObject``,
   event handlers (any ``on*`` attribute), ``javascript:``/``vbscript:`` anywhere, ``data:``
   URLs but PNG and JPEG, SMIL animating ``href`` or a handler, processing instructions;
3. external references: any ``href`` but a ``#fragment``, CSS ``@import`` and ``url()`` to
   anything but a ``#fragment`` (CSS escapes and comments undone first);
4. ``<use>``: at most 500, nested at most 2 deep (a chain of uses multiplies what a browser
   draws: 10 levels of 10 is 10^10 shapes);
5. embedded PNG/JPEG ``data:`` images: the raster rules, pixel cap included;
6. geometry: square by ``viewBox``, else by unitless ``width`` and ``height``.

What passes is filtered by svg-hush (Cloudflare's sanitiser) and the output checked again:
what is stored holds nothing the rules refuse, whatever either one missed."""

import base64
import binascii
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import py_svg_hush
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from .raster import JPEG_SIGNATURE, PNG_SIGNATURE, CheckedImage, checked_raster, refused

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
PUBLIC_DOCTYPES = (
    "-//W3C//DTD SVG 1.0//EN",
    "-//W3C//DTD SVG 1.1//EN",
    "-//W3C//DTD SVG 1.1 Basic//EN",
    "-//W3C//DTD SVG 1.1 Tiny//EN",
)
ACTIVE_ELEMENTS = frozenset(
    [
        "script",
        "foreignobject",
        "handler",
        "listener",
        "iframe",
        "frame",
        "frameset",
        "embed",
        "object",
        "applet",
        "form",
        "input",
        "button",
        "textarea",
        "select",
        "img",
        "video",
        "audio",
        "source",
        "track",
        "html",
        "body",
        "head",
        "link",
        "meta",
        "base",
        "style-sheet",
        "include",
    ]
)
SMIL = frozenset({"animate", "set", "animatetransform", "animatemotion", "animatecolor"})
MAX_USES = 500
MAX_USE_DEPTH = 2
UNITLESS = re.compile(r"\s*([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)(?:px)?\s*")
DOCTYPE = re.compile(
    rb"<!DOCTYPE\s+svg\s+PUBLIC\s+\"([^\"]*)\"\s+\"http://www\.w3\.org/[^\"\[\]]*\"\s*>"
)
# Any processing instruction but the XML declaration (``xml-stylesheet`` loads CSS)
INSTRUCTION = re.compile(rb"<\?(?!xml\s)", re.I)
INVISIBLE = re.compile(
    r"[\x00-\x20\x7f-\xa0\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\ufeff]"
)
CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)", re.S)
CSS_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.S | re.I)
RASTER_DATA_URL = re.compile(r"data:image/(png|jpeg|jpg);base64,(.*)", re.S | re.I)


def looks_like_svg(data: bytes) -> bool:
    """Markup that names an ``svg`` element near its start; whether it is one is the parser's
    to say."""
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    lowered = head.lower()
    html = lowered.startswith(b"<!doctype html") or b"<html" in lowered
    svg = b"<svg" in head or b"<!DOCTYPE svg" in head
    return head.startswith(b"<") and svg and not html


def checked_svg(data: bytes) -> CheckedImage:
    root = _parsed(data)
    width, height = _checked_content(root)
    cleaned = py_svg_hush.filter_svg(data, keep_data_url_mime_types={"image": ["png", "jpeg"]})
    again = _parsed(cleaned)
    if _checked_content(again) != (width, height):
        raise refused("SVG_ACTIVE_CONTENT", "The SVG could not be made safe to show.")
    return CheckedImage(cleaned, "image/svg+xml", "svg", width, height)


def _parsed(data: bytes) -> ET.Element:
    _check_prolog(data)
    parser = DefusedXMLParser(
        target=ET.TreeBuilder(insert_pis=True),
        forbid_dtd=False,
        forbid_entities=True,
        forbid_external=True,
    )
    try:
        parser.feed(data)
        root = parser.close()
    except DefusedXmlException as error:
        raise _doctype_refused() from error
    except (ET.ParseError, ValueError) as error:
        raise refused("IMAGE_UNREADABLE", "The SVG is not well-formed XML.") from error
    if root.tag != f"{{{SVG}}}svg":
        raise refused(
            "IMAGE_FORMAT_UNSUPPORTED", "The file's root element is not an SVG <svg> element."
        )
    return root


def _doctype_refused():
    return refused(
        "SVG_DOCTYPE_FORBIDDEN",
        "An SVG may carry no DTD but the public SVG one: no internal subset, entity or XInclude.",
    )


def _check_prolog(data: bytes) -> None:
    """Only the public SVG DOCTYPE, without an internal subset: ``ATTLIST`` defaults would
    add attributes the parsed text does not show, and no parser setting refuses them alone.
    No processing instruction, outside the root element either (where a tree holds none)."""
    if INSTRUCTION.search(data):
        raise _active("a processing instruction")
    start = data.find(b"<!DOCTYPE")
    if start == -1:
        return
    found = DOCTYPE.match(data, start)
    if found is None or found.group(1).decode("ascii", "replace") not in PUBLIC_DOCTYPES:
        raise _doctype_refused()
    if data.find(b"<!DOCTYPE", found.end()) != -1:
        raise _doctype_refused()


def _checked_content(root: ET.Element) -> tuple[float, float]:
    """Run rules 2 to 6 over the parsed document; the root's width and height."""
    elements = list(root.iter())
    for check in (_active_content, _external_references):
        for problem in check(elements):
            raise problem
    _check_uses(elements)
    for value in _attribute_values(elements):
        embedded = RASTER_DATA_URL.fullmatch(INVISIBLE.sub("", value))
        if embedded:
            _check_embedded_raster(embedded.group(2))
    return _geometry(root)


def _local(name: str) -> str:
    return name.rsplit("}", 1)[-1].rsplit(":", 1)[-1].lower()


def _attribute_values(elements) -> Iterator[str]:
    for element in elements:
        yield from element.attrib.values()


def _active_content(elements) -> Iterator:
    for element in elements:
        if element.tag is ET.ProcessingInstruction:
            yield _active("a processing instruction")
            continue
        if not isinstance(element.tag, str):
            continue
        tag = _local(element.tag)
        if tag in ACTIVE_ELEMENTS or element.tag.startswith("{http://www.w3.org/1999/xhtml}"):
            yield _active(f"a <{tag}> element")
        for name, value in element.attrib.items():
            if _local(name).startswith("on"):
                yield _active(f"an event handler ({_local(name)})")
            plain = INVISIBLE.sub("", value).lower()
            if "javascript:" in plain or "vbscript:" in plain:
                yield _active("a script URL")
            if plain.startswith("data:") and not RASTER_DATA_URL.fullmatch(plain):
                yield _active("a data: URL other than a PNG or JPEG image")
        if tag in SMIL:
            animated = _local(element.get("attributeName", ""))
            if animated == "href" or animated.startswith("on"):
                yield _active(f"an animation of {animated}")


def _active(what: str):
    return refused("SVG_ACTIVE_CONTENT", f"The SVG contains {what}: SVGs may not run script.")


def _external_references(elements) -> Iterator:
    for element in elements:
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            target = INVISIBLE.sub("", value)
            if _local(name) == "href" and not _is_local_or_raster(target):
                yield _external(f"a link to {target[:60]!r}")
            yield from _css_problems(value)
        if _local(element.tag) == "style":
            yield from _css_problems(element.text or "")


def _is_local_or_raster(target: str) -> bool:
    return target.startswith("#") or bool(RASTER_DATA_URL.fullmatch(target))


def _css_problems(css: str) -> Iterator:
    if not any(sign in css.lower() for sign in ("\\", "url", "@", "/*")):
        return
    plain = re.sub(r"/\*.*?\*/", "", CSS_ESCAPE.sub(_unescaped, css), flags=re.S)
    plain = INVISIBLE.sub(" ", plain)
    if "@import" in plain.lower():
        yield _external("a CSS @import")
    for _, target in CSS_URL.findall(plain):
        if not target.strip().startswith("#"):
            yield _external(f"a CSS url() to {target.strip()[:60]!r}")


def _unescaped(found: re.Match) -> str:
    if found.group(1):
        code = int(found.group(1), 16)
        return chr(code) if 0 < code <= 0x10FFFF else "\ufffd"
    return found.group(2)


def _external(what: str):
    return refused(
        "SVG_EXTERNAL_REFERENCE",
        f"The SVG refers outside itself ({what}): only #fragment references are allowed.",
    )


def _check_uses(elements) -> None:
    uses = [e for e in elements if isinstance(e.tag, str) and _local(e.tag) == "use"]
    if len(uses) > MAX_USES:
        raise _use_limit(f"{len(uses)} <use> elements; at most {MAX_USES}")
    by_id = {e.get("id"): e for e in elements if isinstance(e.tag, str) and e.get("id")}
    uses_set = set(uses)
    depths: dict[int, int] = {}

    def depth(use: ET.Element, seen: frozenset) -> int:
        if id(use) in depths:
            return depths[id(use)]
        if id(use) in seen or len(seen) > MAX_USE_DEPTH:
            raise _use_limit(f"<use> nested over {MAX_USE_DEPTH} deep")
        target = by_id.get(_href(use).lstrip("#"))
        inner = [] if target is None else [e for e in target.iter() if e in uses_set]
        found = 1 + max((depth(e, seen | {id(use)}) for e in inner), default=0)
        depths[id(use)] = found
        return found

    for use in uses:
        if depth(use, frozenset()) > MAX_USE_DEPTH:
            raise _use_limit(f"<use> nested over {MAX_USE_DEPTH} deep")


def _href(element: ET.Element) -> str:
    return element.get("href") or element.get(f"{{{XLINK}}}href") or ""


def _use_limit(what: str):
    return refused("SVG_USE_LIMIT", f"The SVG has {what}.")


def _check_embedded_raster(encoded: str) -> None:
    try:
        raster = base64.b64decode(encoded, validate=False)
    except (binascii.Error, ValueError) as error:
        raise refused("IMAGE_UNREADABLE", "An image inside the SVG could not be read.") from error
    if not raster.startswith((PNG_SIGNATURE, JPEG_SIGNATURE)):
        raise refused("IMAGE_UNREADABLE", "An image inside the SVG is not a PNG or JPEG.")
    checked_raster(raster)


def _geometry(root: ET.Element) -> tuple[float, float]:
    box = root.get("viewBox")
    if box is not None:
        parts = re.split(r"[\s,]+", box.strip())
        try:
            numbers = [float(p) for p in parts]
        except ValueError:
            numbers = []
        if len(numbers) != 4 or not all(math.isfinite(n) for n in numbers):
            raise _geometry_invalid("its viewBox is not four numbers")
        width, height = numbers[2], numbers[3]
    else:
        sizes = [UNITLESS.fullmatch(root.get(name, "")) for name in ("width", "height")]
        if not all(sizes):
            raise _geometry_invalid("it has no viewBox, nor a unitless width and height")
        width, height = (float(s.group(1)) for s in sizes)
    if not (width > 0 and height > 0 and math.isfinite(width) and math.isfinite(height)):
        raise _geometry_invalid("its width and height must be positive")
    if width != height:
        raise refused(
            "IMAGE_NOT_SQUARE",
            f"An image must be square (1:1); this SVG is {width:g} x {height:g}.",
        )
    return width, height


def _geometry_invalid(why: str):
    return refused("SVG_GEOMETRY_INVALID", f"The SVG's size cannot be read: {why}.")
