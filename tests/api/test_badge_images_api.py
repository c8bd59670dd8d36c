"""``badges/{id}/images/{slot}/`` and the media it serves: multipart in, the badge read out,
refusals as 400s naming the rule, stored files served with headers that keep them inert."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from badges.services import images
from tests.factories import BadgeFactory
from tests.images.hostile import ACCEPTED, REFUSED

pytestmark = pytest.mark.django_db


def put(client, badge, content: bytes, slot="issued", filename="icon.png"):
    return client.put(
        f"/api/v1/badges/{badge.pk}/images/{slot}/",
        {"file": SimpleUploadedFile(filename, content), "name": "Gold"},
        format="multipart",
    )


def test_an_upload_fills_the_slot_and_every_read_shows_it(editor_a, org_a):
    badge = BadgeFactory(org=org_a)
    response = put(editor_a, badge, ACCEPTED["gradient and fragment use"], filename="x.png")
    assert response.status_code == 200, response.json()
    (image,) = response.json()["images"]
    assert image["slot"] == "issued" and image["name"] == "Gold"
    assert image["content_type"] == "image/svg+xml"  # from the bytes, not the name
    assert (image["width"], image["height"]) == (24.0, 24.0)
    assert editor_a.get(f"/api/v1/badges/{badge.pk}/").json()["images"] == [image]

    served = APIClient().get(image["url"])
    assert served.status_code == 200
    assert served["Content-Type"] == "image/svg+xml"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert (
        served["Content-Security-Policy"]
        == "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    )
    assert b"".join(served.streaming_content).startswith(b"<?xml")


def test_a_hostile_upload_is_a_400_naming_the_rule_and_keeps_the_slot(editor_a, org_a):
    badge = BadgeFactory(org=org_a)
    kept = put(editor_a, badge, ACCEPTED["PNG"]).json()["images"]
    response = put(editor_a, badge, REFUSED["onload on the root"][0])
    assert response.status_code == 400
    assert "SVG_ACTIVE_CONTENT" in str(response.json())
    assert editor_a.get(f"/api/v1/badges/{badge.pk}/").json()["images"] == kept


def test_an_upload_over_2_mb_is_refused_before_it_is_parsed(editor_a, org_a, monkeypatch):
    def never(content):
        raise AssertionError("the upload reached the checks")

    monkeypatch.setattr(images, "checked_image", never)
    response = put(editor_a, BadgeFactory(org=org_a), REFUSED["over 2 MB"][0])
    assert response.status_code == 400
    assert "IMAGE_TOO_LARGE" in str(response.json())


def test_a_body_declared_over_2_mb_and_a_form_is_refused_unparsed(editor_a, org_a):
    big = ACCEPTED["PNG"] + b"\0" * (3 * 1024 * 1024)
    response = put(editor_a, BadgeFactory(org=org_a), big)
    assert (response.status_code, response.json()["code"]) == (400, "IMAGE_TOO_LARGE")


def test_delete_empties_the_slot(editor_a, org_a):
    badge = BadgeFactory(org=org_a)
    put(editor_a, badge, ACCEPTED["JPEG"], slot="unissued")
    response = editor_a.delete(f"/api/v1/badges/{badge.pk}/images/unissued/")
    assert (response.status_code, response.json()["images"]) == (200, [])


def test_viewers_cannot_upload_and_other_orgs_badges_are_not_found(viewer_a, editor_b, org_a):
    badge = BadgeFactory(org=org_a)
    assert put(viewer_a, badge, ACCEPTED["PNG"]).status_code == 403
    assert put(editor_b, badge, ACCEPTED["PNG"]).status_code == 404


def test_media_outside_the_stored_names_are_not_served(client):
    assert client.get("/media/../settings.py").status_code == 404
    assert client.get("/media/badge-images/notes.txt").status_code == 404


@pytest.mark.parametrize(
    ("form", "slot", "code"),
    [
        ({"name": "Gold"}, "issued", "IMAGE_FILE_REQUIRED"),
        ({"name": "Gold", "file": "not a file part"}, "issued", "IMAGE_FILE_REQUIRED"),
        ({}, "issued", "IMAGE_NAME_REQUIRED"),
        ({"name": "G" * 101}, "issued", "IMAGE_NAME_INVALID"),
        ({"name": "Gold"}, "shiny", "IMAGE_SLOT_INVALID"),
        ({"name": SimpleUploadedFile("name.txt", b"Gold")}, "issued", "IMAGE_NAME_INVALID"),
    ],
)
def test_a_form_without_a_file_a_name_or_a_known_slot_is_a_400(editor_a, org_a, form, slot, code):
    badge = BadgeFactory(org=org_a)
    if "file" not in form and code != "IMAGE_FILE_REQUIRED":
        form = {**form, "file": SimpleUploadedFile("icon.png", ACCEPTED["PNG"])}
    response = editor_a.put(f"/api/v1/badges/{badge.pk}/images/{slot}/", form, format="multipart")
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert editor_a.get(f"/api/v1/badges/{badge.pk}/").json()["images"] == []
