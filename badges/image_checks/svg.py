"""SVG badge images: parsed by defusedxml, held to what an icon needs, then sanitised.

The checks run in this order, and the first rule broken is the one named:

1. the prolog: no DTD but the public SVG 1.0/1.1 one, never an internal subset (an ``ATTLIST``
   default would add an ``onload`` the text does not show), no entity, no XInclude;
2. complexity, before and while parsing: at most 10,000 elements, nested at most 100 deep,
   50,000 attributes, 100 on an element, 1,000 CSS escapes and 16 distinct embedded images
   (beyond these the checks would take seconds, or the sanitiser fails);
3. active content: scripts and HTML elements (any case, in a namespace a browser renders),
   ``foreignObject``, event handlers (any ``on*`` attribute), ``javascript:``/``vbscript:``
   anywhere, ``data:`` URLs but PNG and JPEG, SMIL animating ``href`` or a handler, processing
   instructions;
4. external references: any ``href`` but a ``#fragment``, CSS ``@import`` and ``url()`` to
   anything but a ``#fragment`` (CSS escapes undone first; comments, which can't join a
   ``url(``, are read as text);
5. ``<use>``: at most 500, nested at most 2 deep (a chain of uses multiplies what a browser
   draws: 10 levels of 10 is 10^10 shapes);
6. embedded PNG/JPEG ``data:`` images: the raster rules, pixel cap included;
7. geometry: square by ``viewBox``, else by unitless ``width`` and ``height``.

What passes is filtered by svg-hush (Cloudflare's sanitiser) and the output checked again:
what is stored holds nothing the rules refuse, whatever either one missed."""

import base64
import binascii
import functools
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

import py_svg_hush
from defusedxml import DefusedXmlException
from defusedxml.ElementTree import DefusedXMLParser

from .raster import (
    JPEG_SIGNATURE,
    MAX_IMAGE_PIXELS,
    PNG_SIGNATURE,
    CheckedImage,
    checked_raster,
    refused,
)

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
# The namespaces whose elements a browser gives behaviour to; elsewhere (RDF, Dublin Core,
# editors' own) a ``source`` or ``link`` is inert metadata.
RENDERED_NAMESPACES = frozenset(
    ["", SVG, "http://www.w3.org/1999/xhtml", "http://www.w3.org/1998/Math/MathML"]
)
SMIL = frozenset({"animate", "set", "animatetransform", "animatemotion", "animatecolor"})
# Far above what an icon export holds; they keep parsing linear (expat slows down
# quadratically on deep nesting: 10,000 levels took 4.5 s and 450 MB).
MAX_ELEMENTS = 10_000
MAX_DEPTH = 100
# Counted from the bytes before parsing, as "=" signs: the parser hands over a start tag's
# attributes all at once, and 300,000 of them in one tag cost half a second to read.
MAX_ATTRIBUTES = 50_000
# svg-hush's XML reader takes at most 200 attributes on an element (and names of up to 1,000
# characters, which only its refusal catches).
MAX_ELEMENT_ATTRIBUTES = 100
# Each CSS escape is undone by a Python call; icons use none.
MAX_CSS_ESCAPES = 1_000
# Each embedded PNG or JPEG is decoded once, and together they hold at most the pixel cap:
# 2,470 tiny ones that each claimed the cap took 20 s.
MAX_EMBEDDED_IMAGES = 16
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
CSS_SIGNS = ("\\", "url(", "src(", "image(", "image-set(", "fade(", "@import")
CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?|\\(.)", re.S)
# The CSS functions that load what they name, and those that take an image by a string,
# searched in lower-cased text: the possessive quantifiers keep the search linear (nothing is
# tried twice), and a leading alternation of letters lets it skip ahead.
CSS_EXTERNAL_REFERENCE = re.compile(r"(?:url|src)\(\s*+['\"]?+\s*+(?!#)(.{0,60}+)", re.S)
# Properties whose url() is an image to fetch, a #fragment too (the document itself, then).
# A declaration starts the text or follows ";" or "{", so each is scanned once.
CSS_IMAGE_PROPERTY = re.compile(
    r"(?:^|[;{])\s*+(background|cursor|border-image|list-style|content|shape-outside)"
    r"[a-z-]*+\s*+:[^;{}]*?url\("
)
CSS_IMAGE_FUNCTION = re.compile(r"(?:image|image-set|cross-fade)\(")
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
    rasters: dict[str, int] = {}
    width, height = _checked_content(root, rasters)
    try:
        cleaned = py_svg_hush.filter_svg(data, keep_data_url_mime_types={"image": ["png", "jpeg"]})
    except ValueError as error:
        raise refused(
            "IMAGE_UNREADABLE",
            "The SVG could not be read by the sanitiser (an encoding other than UTF-8, or a "
            "name over 1,000 characters, say).",
        ) from error
    again = _parsed(cleaned)
    if _checked_content(again, rasters) != (width, height):
        raise refused("SVG_ACTIVE_CONTENT", "The SVG could not be made safe to show.")
    return CheckedImage(cleaned, "image/svg+xml", "svg", width, height)


def _parsed(data: bytes) -> ET.Element:
    _check_prolog(data)
    if data.count(b"=") > MAX_ATTRIBUTES:
        raise _too_complex(f"at most {MAX_ATTRIBUTES:,} attributes")
    parser = DefusedXMLParser(
        target=BoundedTreeBuilder(),
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


class BoundedTreeBuilder(ET.TreeBuilder):
    """Builds the tree and stops the parse as soon as it holds more elements, or nests them
    deeper, than an icon does."""

    def __init__(self):
        super().__init__(insert_pis=True)
        self.elements = self.depth = 0

    def start(self, tag, attrs):
        self.elements += 1
        self.depth += 1
        if self.elements > MAX_ELEMENTS or self.depth > MAX_DEPTH:
            raise _too_complex(
                f"at most {MAX_ELEMENTS:,} elements, nested at most {MAX_DEPTH} deep"
            )
        if len(attrs) > MAX_ELEMENT_ATTRIBUTES:
            raise _too_complex(f"at most {MAX_ELEMENT_ATTRIBUTES} attributes on an element")
        return super().start(tag, attrs)

    def end(self, tag):
        self.depth -= 1
        return super().end(tag)


def _too_complex(limit: str):
    return refused("SVG_TOO_COMPLEX", f"An SVG icon may hold {limit}.")


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


def _checked_content(root: ET.Element, rasters: dict[str, int]) -> tuple[float, float]:
    """Run rules 3 to 7 over the parsed document; the root's width and height. ``rasters``
    holds the embedded images already checked, with their pixels: they are not decoded again,
    and the others share what is left of the pixel cap."""
    elements = list(root.iter())
    for check in (_active_content, _external_references):
        for problem in check(elements):
            raise problem
    _check_uses(elements)
    embedded = {
        found.group(2)
        for value in _attribute_values(elements)
        if ":" in value and (found := RASTER_DATA_URL.fullmatch(_visible(value)))
    }
    if len(embedded) > MAX_EMBEDDED_IMAGES:
        raise _too_complex(f"at most {MAX_EMBEDDED_IMAGES} embedded images")
    for encoded in embedded - rasters.keys():
        left = MAX_IMAGE_PIXELS - sum(rasters.values())
        checked = _checked_embedded_raster(encoded, left)
        rasters[encoded] = int(checked.width * checked.height)
    return _geometry(root)


@functools.lru_cache(maxsize=256)
def _visible(value: str) -> str:
    """``value`` without the characters a browser skips in a URL; each attribute value is read
    by three rules, and an embedded image's is up to 2 MB."""
    return INVISIBLE.sub("", value)


@functools.lru_cache(maxsize=1024)
def _local(name: str) -> str:
    """A name without its namespace or prefix, lower-cased."""
    return name.rpartition("}")[2].rpartition(":")[2].lower()


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
        namespace = element.tag[1:].split("}", 1)[0] if element.tag.startswith("{") else ""
        if namespace == "http://www.w3.org/1999/xhtml" or (
            tag in ACTIVE_ELEMENTS and namespace in RENDERED_NAMESPACES
        ):
            yield _active(f"a <{tag}> element")
        for name, value in element.attrib.items():
            if _local(name).startswith("on"):
                yield _active(f"an event handler ({_local(name)})")
            if ":" not in value:  # no scheme, even with invisible characters among its letters
                continue
            plain = _visible(value).lower()
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
    escapes = 0
    for element in elements:
        if not isinstance(element.tag, str):
            continue
        # A style sheet is all the text inside <style>, after child elements too.
        styles = ["".join(element.itertext())] if _local(element.tag) == "style" else []
        for name, value in element.attrib.items():
            if _local(name) != "href":
                # A presentation attribute or style may hold CSS; "cursor" is both.
                styles.append(f"{_local(name)}: {value}" if _local(name) == "cursor" else value)
                continue
            target = _visible(value)
            if not _is_local_or_raster(target):
                yield _external(f"a link to {target[:60]!r}")
            # An <image> of a #fragment fetches the document itself as its picture.
            if _local(element.tag) == "image" and not RASTER_DATA_URL.fullmatch(target):
                yield _external("an <image> of anything but a PNG or JPEG data: URL")
        for css in styles:
            escapes += css.count("\\")
            if escapes > MAX_CSS_ESCAPES:
                yield _too_complex(f"at most {MAX_CSS_ESCAPES:,} CSS escapes")
            yield from _css_problems(css)


def _is_local_or_raster(target: str) -> bool:
    return target.startswith("#") or bool(RASTER_DATA_URL.fullmatch(target))


def _css_problems(css: str) -> Iterator:
    lowered = css.lower()
    # A CSS function's name and its "(" are one token: without an escape, "url(" is written so.
    if not any(sign in lowered for sign in CSS_SIGNS):
        return
    # Comments stay: one between "url" and "(" makes no url(), and a url() inside one (or in a
    # string) is refused with the others rather than told apart from them.
    plain = INVISIBLE.sub(" ", CSS_ESCAPE.sub(_unescaped, css)).lower()
    if "@import" in plain:
        yield _external("a CSS @import")
    if found := CSS_IMAGE_FUNCTION.search(plain):
        yield _external(f"a CSS {found.group(0)})")
    if found := CSS_IMAGE_PROPERTY.search(plain):
        yield _external(f"a CSS {found.group(1)} with url()")
    if found := CSS_EXTERNAL_REFERENCE.search(plain):
        yield _external(f"a CSS url() to {found.group(1).strip()!r}")


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
    uses = [e for e in elements if _is_use(e)]
    if len(uses) > MAX_USES:
        raise _use_limit(f"{len(uses)} <use> elements; at most {MAX_USES}")
    if not uses:
        return
    by_id = {e.get("id"): e for e in elements if isinstance(e.tag, str) and e.get("id")}
    deepest: dict[int, int] = {}
    visiting: set[int] = set()

    def deepest_within(element: ET.Element) -> int:
        """The longest chain of uses drawn from ``element``'s subtree, each subtree walked
        once; a use that reaches itself (through its target or an ancestor) is refused."""
        key = id(element)
        if key in deepest:
            return deepest[key]
        if key in visiting:
            raise _use_limit(f"<use> nested over {MAX_USE_DEPTH} deep")
        visiting.add(key)
        found = max((deepest_within(child) for child in element), default=0)
        if _is_use(element):
            target = by_id.get(_href(element).lstrip("#"))
            chain = 1 + (0 if target is None else deepest_within(target))
            if chain > MAX_USE_DEPTH:
                raise _use_limit(f"<use> nested over {MAX_USE_DEPTH} deep")
            found = max(found, chain)
        visiting.discard(key)
        deepest[key] = found
        return found

    deepest_within(elements[0])


def _is_use(element: ET.Element) -> bool:
    return isinstance(element.tag, str) and _local(element.tag) == "use"


def _href(element: ET.Element) -> str:
    return element.get("href") or element.get(f"{{{XLINK}}}href") or ""


def _use_limit(what: str):
    return refused("SVG_USE_LIMIT", f"The SVG has {what}.")


def _checked_embedded_raster(encoded: str, max_pixels: int) -> CheckedImage:
    try:
        raster = base64.b64decode(encoded, validate=False)
    except (binascii.Error, ValueError) as error:
        raise refused("IMAGE_UNREADABLE", "An image inside the SVG could not be read.") from error
    if not raster.startswith((PNG_SIGNATURE, JPEG_SIGNATURE)):
        raise refused("IMAGE_UNREADABLE", "An image inside the SVG is not a PNG or JPEG.")
    return checked_raster(raster, max_pixels)


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
