"""The upload page sets, replaces and removes each slot through the images service: the same
checks as the API (the file judged by its content, under the same cap), the refusal shown in
its slot, nothing stored changed by a refused file, and the CSRF check kept although the
upload is read under the cap first."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from badges.image_checks import MAX_IMAGE_BYTES
from badges.models import BadgeImage
from tests.factories import BadgeFactory, png_bytes

pytestmark = pytest.mark.django_db


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


@pytest.fixture
def badge(org_a):
    return BadgeFactory(org=org_a, name="Gold")


def test_the_page_shows_three_slots(editor_page, badge):
    response = editor_page.get(f"/badges/ui/{badge.pk}/images/")
    text = response.content.decode()
    assert response.status_code == 200
    for slot in ("unissued", "in_progress", "issued"):
        assert f'id="file-{slot}"' in text
    assert 'data-max-bytes="2097152"' in text


def test_adding_replacing_and_removing_a_slot(editor_page, badge):
    url = f"/badges/ui/{badge.pk}/images/in_progress/"
    response = editor_page.post(url, {"name": "Halfway", "file": upload("a.png", png_bytes(32))})
    assert response.status_code == 302
    assert response["Location"] == f"/badges/ui/{badge.pk}/images/"
    first = BadgeImage.objects.get(badge=badge)
    assert (first.slot, first.name, first.width) == ("in_progress", "Halfway", 32)
    editor_page.post(url, {"name": "Halfway 2", "file": upload("b.png", png_bytes(48))})
    assert BadgeImage.objects.get(badge=badge).width == 48
    response = editor_page.post(f"/badges/ui/{badge.pk}/images/in_progress/remove/")
    assert response.status_code == 302 and not BadgeImage.objects.filter(badge=badge).exists()


@pytest.mark.parametrize(
    "content, code",
    [
        (png_bytes(32, height=16), "IMAGE_NOT_SQUARE"),
        (b"MZ\x90\x00 an executable named .png", "IMAGE_FORMAT_UNSUPPORTED"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "IMAGE_UNREADABLE"),
    ],
)
def test_a_refused_file_is_shown_in_its_slot_and_changes_nothing(editor_page, badge, content, code):
    url = f"/badges/ui/{badge.pk}/images/issued/"
    editor_page.post(url, {"name": "Kept", "file": upload("kept.png", png_bytes(16))})
    response = editor_page.post(url, {"name": "New", "file": upload("x.png", content)})
    assert response.status_code == 400
    text = response.content.decode()
    assert f"({code})" in text and 'id="err-file-issued"' in text
    assert 'value="New"' in text  # the name typed is kept
    assert BadgeImage.objects.get(badge=badge).name == "Kept"


def test_a_file_over_the_cap_is_refused_before_it_is_held(editor_page, badge):
    response = editor_page.post(
        f"/badges/ui/{badge.pk}/images/issued/",
        {"name": "Big", "file": upload("big.png", png_bytes(16) + b"\x00" * MAX_IMAGE_BYTES)},
    )
    assert response.status_code == 400 and "(IMAGE_TOO_LARGE)" in response.content.decode()
    assert not BadgeImage.objects.exists()


def test_a_name_is_required(editor_page, badge):
    response = editor_page.post(
        f"/badges/ui/{badge.pk}/images/issued/", {"name": " ", "file": upload("a.png", png_bytes())}
    )
    assert response.status_code == 400
    assert "(IMAGE_NAME_REQUIRED)" in response.content.decode()


def test_the_csrf_check_still_holds(org_a, badge):
    from tests.ui.conftest import signed_in

    page = signed_in(org_a)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = page.cookies
    response = strict.post(
        f"/badges/ui/{badge.pk}/images/issued/", {"name": "x", "file": upload("a.png", png_bytes())}
    )
    assert response.status_code == 403
    assert not BadgeImage.objects.exists()


def test_viewers_unknown_slots_and_other_orgs(viewer_page, editor_page, badge, org_b):
    data = {"name": "x", "file": upload("a.png", png_bytes())}
    assert viewer_page.post(f"/badges/ui/{badge.pk}/images/issued/", data).status_code == 403
    assert b"Add issued image" not in viewer_page.get(f"/badges/ui/{badge.pk}/images/").content
    assert editor_page.post(f"/badges/ui/{badge.pk}/images/front/", data).status_code == 404
    other = BadgeFactory(org=org_b)
    assert editor_page.post(f"/badges/ui/{other.pk}/images/issued/", data).status_code == 404
    assert not BadgeImage.objects.exists()


def test_a_form_over_the_cap_sent_without_script_is_refused_as_too_large(org_a, badge):
    """The page's token is in the body the cap won't read: the refusal writes nothing, so it
    needs no CSRF check, and says what is wrong instead of a CSRF failure."""
    from tests.ui.conftest import signed_in

    page = signed_in(org_a)
    strict = Client(enforce_csrf_checks=True)
    strict.cookies = page.cookies
    token = strict.get(f"/badges/ui/{badge.pk}/images/").context["csrf_token"]
    response = strict.post(
        f"/badges/ui/{badge.pk}/images/issued/",
        {
            "csrfmiddlewaretoken": str(token),
            "name": "Big",
            "file": upload("big.png", png_bytes(16) + b"\x00" * (MAX_IMAGE_BYTES + 100_000)),
        },
    )
    assert response.status_code == 400
    assert "(IMAGE_TOO_LARGE)" in response.content.decode()
    assert not BadgeImage.objects.exists()
