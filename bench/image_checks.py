"""Time and memory of the badge image checks on hostile files, next to ordinary icons.

    make bench-images    # or: .venv/bin/python bench/image_checks.py --runs 5

Each file is checked in a child process of its own (forked once the checks are imported):
the child returns the memory its parent freed to the system (``malloc_trim``), resets its peak
resident memory (``/proc/self/clear_refs``), checks the file
``--runs`` times, and reports each time and how far its peak rose above where it started.
That covers what the C parsers and decoders allocate too, which ``tracemalloc`` would miss.

The files: the hostile corpus of the tests (``tests/images/hostile.py``), the worst cases
built here (the largest decodes the pixel cap allows, then cut short or not square; SVGs at the
element cap with the offence at their end; 2 MB of path data, CSS or attributes), and as the
baseline the ordinary images and icon exports the tests accept. The table prints the slowest
first; the last lines compare the worst refusal with the budget of issue #12 (200 ms, 50 MB).
Linux and glibc only (``/proc``, ``malloc_trim``); needs no database.
"""

import argparse
import base64
import ctypes
import io
import multiprocessing
import os
import platform
import random
import statistics
import struct
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "badges_project.settings.test")

import django  # noqa: E402

django.setup()

from PIL import Image, PngImagePlugin  # noqa: E402

from badges.exceptions import RuleViolation  # noqa: E402
from badges.image_checks import MAX_IMAGE_BYTES, checked_image  # noqa: E402
from badges.image_checks.raster import MAX_IMAGE_PIXELS, MAX_JPEG_SCANS  # noqa: E402
from badges.image_checks.svg import (  # noqa: E402
    MAX_ATTRIBUTES,
    MAX_CSS_ESCAPES,
    MAX_ELEMENTS,
    MAX_EMBEDDED_IMAGES,
)
from tests.images.hostile import (  # noqa: E402
    ACCEPTED,
    ICONS,
    REFUSED,
    attributes,
    embedded,
    png_chunk,
    scans_repeated,
    svg,
)

BUDGET_MS = 200
BUDGET_MB = 50
SIDE = int(MAX_IMAGE_PIXELS**0.5)


def gradient(mode: str, width: int, height: int) -> Image.Image:
    return Image.linear_gradient("L").resize((width, height)).convert(mode)


def encoded(image: Image.Image, kind: str, **options) -> bytes:
    held = io.BytesIO()
    image.save(held, kind, **options)
    return held.getvalue()


def png_stream_cut(data: bytes) -> bytes:
    """The PNG with its pixel stream cut short, every chunk's checksum still right: it
    decodes to its last rows before it fails."""
    at, pixels = 8, b""
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        if data[at + 4 : at + 8] == b"IDAT":
            pixels += data[at + 8 : at + 8 + length]
        at += 12 + length
    header = data[8 : 8 + 25]
    return data[:8] + header + png_chunk(b"IDAT", pixels[:-64]) + png_chunk(b"IEND", b"")


def text(n: int) -> PngImagePlugin.PngInfo:
    info = PngImagePlugin.PngInfo()
    info.add_text("n", str(n))
    return info


def worst_cases() -> dict[str, tuple[bytes, str]]:
    png_at_cap = encoded(gradient("RGBA", SIDE, SIDE), "PNG")
    jpeg_at_cap = encoded(gradient("CMYK", SIDE, SIDE), "JPEG", quality=95)
    # Noise keeps a progressive CMYK JPEG at the cap large to decode and under 2 MB to send.
    noise = Image.frombytes("CMYK", (SIDE, SIDE), random.Random(0).randbytes(SIDE * SIDE * 4))
    noisy_jpeg = encoded(noise, "JPEG", quality=1, subsampling=0, progressive=True)
    jpeg_at_cap_in_scans = scans_repeated(
        encoded(gradient("L", SIDE, SIDE), "JPEG", progressive=True), MAX_JPEG_SCANS
    )
    # Distinct colour images sharing the pixel cap, all decoded before the geometry refuses.
    share = SIDE // int(MAX_EMBEDDED_IMAGES**0.5)
    shares = [
        encoded(gradient("RGBA", share, share), "PNG", pnginfo=text(n))
        for n in range(MAX_EMBEDDED_IMAGES)
    ]
    rects = "<rect/>" * (MAX_ELEMENTS - 2)
    room = MAX_IMAGE_BYTES - 400
    escapes = "\\61 " * MAX_CSS_ESCAPES
    comments = "/**/" * ((room - len(escapes)) // 4)
    return {
        "PNG at the pixel cap, stream cut": (png_stream_cut(png_at_cap), "IMAGE_UNREADABLE"),
        "PNG at the pixel cap, not square": (
            encoded(gradient("RGBA", SIDE, SIDE - 1), "PNG"),
            "IMAGE_NOT_SQUARE",
        ),
        "CMYK JPEG at the pixel cap, cut": (
            jpeg_at_cap[: len(jpeg_at_cap) * 9 // 10],
            "IMAGE_UNREADABLE",
        ),
        "SVG embedding a PNG at the cap, cut": (
            svg(
                '<image width="24" height="24" href="data:image/png;base64,'
                + base64.b64encode(png_stream_cut(png_at_cap)).decode()
                + '"/>'
            ),
            "IMAGE_UNREADABLE",
        ),
        "noisy progressive CMYK JPEG at the cap, cut": (
            noisy_jpeg[: len(noisy_jpeg) * 9 // 10],
            "IMAGE_UNREADABLE",
        ),
        "SVG embedding that JPEG whole, not square": (
            svg(embedded(noisy_jpeg).replace("image/png", "image/jpeg")).replace(
                b'viewBox="0 0 24 24"', b'viewBox="0 0 24 25"'
            ),
            "IMAGE_NOT_SQUARE",
        ),
        "JPEG at the pixel cap in 64 scans, cut": (
            jpeg_at_cap_in_scans[: len(jpeg_at_cap_in_scans) * 9 // 10],
            "IMAGE_UNREADABLE",
        ),
        "SVG embedding 16 PNGs sharing the cap, not square": (
            svg("".join(embedded(png) for png in shares)).replace(
                b'viewBox="0 0 24 24"', b'viewBox="0 0 24 25"'
            ),
            "IMAGE_NOT_SQUARE",
        ),
        "SVG at the element cap, script last": (svg(rects + "<script/>"), "SVG_ACTIVE_CONTENT"),
        "SVG at the element cap, not square": (
            svg(rects).replace(b'viewBox="0 0 24 24"', b'viewBox="0 0 24 25"'),
            "IMAGE_NOT_SQUARE",
        ),
        "SVG of 2 MB path data, script last": (
            svg(f'<path d="M0 0{" l1 1" * (room // 5)}"/><script/>'),
            "SVG_ACTIVE_CONTENT",
        ),
        "SVG of 2 MB CSS fragment urls, one external": (
            svg(f"<style>{'a{fill:url(#g)}' * (room // 15)} b{{fill:url(x)}}</style>"),
            "SVG_EXTERNAL_REFERENCE",
        ),
        "SVG of 1,000 CSS escapes, 2 MB of comments, @import": (
            svg(f"<style>{escapes}{comments}@import 'x';</style>"),
            "SVG_EXTERNAL_REFERENCE",
        ),
        "SVG of 50,000 attributes, 100 an element, handler last": (
            svg(attributes(MAX_ATTRIBUTES - 4) + "<rect onclick='x'/>"),
            "SVG_ACTIVE_CONTENT",
        ),
        "SVG of 2 MB of invisible characters": (
            svg(f'<a href="java{chr(0x200B) * (room // 3)}script:x"/>'),
            "SVG_ACTIVE_CONTENT",
        ),
    }


def measured(content: bytes, runs: int, results) -> None:
    """In the child: check ``content`` ``runs`` times; send the times, the outcome and the
    rise of the peak resident memory."""
    # Memory the parent freed (it built images of the cap) goes back to the system first, or
    # the check would reuse it without its peak rising.
    ctypes.CDLL("libc.so.6").malloc_trim(0)
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # the peak (VmHWM) starts again from here
    start = resident("VmRSS")
    times, outcome = [], "ACCEPTED"
    for _ in range(runs):
        began = time.perf_counter()
        try:
            checked_image(content)
        except RuleViolation as refusal:
            outcome = refusal.violations[0].code
        except Exception as error:  # an upload would get a 500: reported, not hidden
            outcome = f"CRASH {type(error).__name__}"
        times.append((time.perf_counter() - began) * 1000)
    results.put((times, outcome, resident("VmHWM") - start))


def resident(field: str) -> float:
    """``field`` of /proc/self/status in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise LookupError(field)


def run(name: str, content: bytes, expected: str, runs: int) -> dict:
    context = multiprocessing.get_context("fork")
    results = context.Queue()
    child = context.Process(target=measured, args=(content, runs, results))
    child.start()
    times, outcome, peak = results.get()
    child.join()
    return {
        "name": name,
        "bytes": len(content),
        "outcome": outcome,
        "expected": expected,
        "p50": statistics.median(times),
        "max": max(times),
        "peak": peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="checks of each file (default 5)")
    args = parser.parse_args()

    hostile = {**REFUSED, **worst_cases()}
    ordinary = {**ACCEPTED, **ICONS}
    rows = [run(name, content, code, args.runs) for name, (content, code) in hostile.items()]
    baseline = [run(name, content, "ACCEPTED", args.runs) for name, content in ordinary.items()]

    print(
        f"Image checks, {args.runs} runs each, Python {platform.python_version()}, "
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs"
    )
    print(f"{'file':<48} {'bytes':>9}  {'outcome':<24} {'p50 ms':>8} {'max ms':>8} {'peak MB':>8}")
    for row in sorted(rows, key=lambda r: r["max"], reverse=True):
        flag = "" if row["outcome"] == row["expected"] else f"  (expected {row['expected']})"
        print(
            f"{row['name'][:48]:<48} {row['bytes']:>9,}  {row['outcome']:<24} "
            f"{row['p50']:>8.1f} {row['max']:>8.1f} {row['peak']:>8.1f}{flag}"
        )
    print()
    worst_time = max(rows, key=lambda r: r["max"])
    worst_memory = max(rows, key=lambda r: r["peak"])
    icon_p50 = statistics.median(r["p50"] for r in baseline)
    slowest_icon = max(baseline, key=lambda r: r["max"])
    icon_peak = max(r["peak"] for r in baseline)
    print(
        f"baseline: {len(baseline)} ordinary images and icons, p50 {icon_p50:.1f} ms; slowest "
        f"{slowest_icon['name']} {slowest_icon['max']:.1f} ms, peak {icon_peak:.1f} MB"
    )
    print(
        f"slowest refusal: {worst_time['name']} {worst_time['max']:.1f} ms "
        f"(budget {BUDGET_MS} ms: {'met' if worst_time['max'] < BUDGET_MS else 'NOT MET'})"
    )
    print(
        f"most memory: {worst_memory['name']} +{worst_memory['peak']:.1f} MB "
        f"(budget {BUDGET_MB} MB: {'met' if worst_memory['peak'] < BUDGET_MB else 'NOT MET'})"
    )
    wrong = [r["name"] for r in rows if r["outcome"] != r["expected"]]
    if wrong:
        print(f"refused under another code than expected: {', '.join(wrong)}")
        sys.exit(1)


if __name__ == "__main__":
    main()
