"""SPEC 9 through the images service: each file refused with the rule it breaks and nothing
stored changed; what is accepted is stored under a random name, sanitised, and inert when
read back; files leave storage only once nothing refers to them."""

import pytest
from django.core.files.storage import default_storage
from django.utils import timezone

from badges.exceptions import RuleViolation
from badges.image_checks import checked_image
from badges.image_checks.svg import _checked_content, _parsed
from badges.models import BadgeChange, BadgeImage
from badges.services import definitions
from badges.services.images import badge_image_remove, badge_image_set
from tests.factories import BadgeFactory, BadgeImageFactory, UserFactory, png_bytes
from tests.images.hostile import ACCEPTED, ICONS, REFUSED

pytestmark = pytest.mark.django_db


def stored_files() -> set[str]:
    return {f"badge-images/{name}" for name in default_storage.listdir("badge-images")[1]}


def set_image(badge, content: bytes, slot: str = "issued", name: str = "Gold"):
    return badge_image_set(
        badge=badge, slot=slot, name=name, content=content, actor=None, now=timezone.now()
    )


def test_the_corpus_covers_every_refusal_code():
    codes = {code for _, code in REFUSED.values()}
    assert codes == {
        "IMAGE_TOO_LARGE",
        "IMAGE_FORMAT_UNSUPPORTED",
        "IMAGE_UNREADABLE",
        "IMAGE_TOO_MANY_PIXELS",
        "IMAGE_NOT_SQUARE",
        "SVG_GEOMETRY_INVALID",
        "SVG_DOCTYPE_FORBIDDEN",
        "SVG_ACTIVE_CONTENT",
        "SVG_EXTERNAL_REFERENCE",
        "SVG_USE_LIMIT",
        "SVG_TOO_COMPLEX",
        "IMAGE_TOO_COMPLEX",
    }
    assert len(REFUSED) >= 40


@pytest.mark.parametrize("name", REFUSED)
def test_a_hostile_file_is_refused_with_the_rule_it_breaks(name):
    content, code = REFUSED[name]
    with pytest.raises(RuleViolation) as refused:
        checked_image(content)
    (violation,) = refused.value.violations
    assert (violation.code, violation.field) == (code, "file")


@pytest.mark.parametrize("name", [*ACCEPTED, *ICONS])
def test_an_ordinary_image_is_accepted_and_an_svg_stays_inert_when_read_back(name):
    checked = checked_image({**ACCEPTED, **ICONS}[name])
    assert checked.width == checked.height > 0
    if checked.content_type == "image/svg+xml":
        stored = checked.content
        assert b"<script" not in stored.lower() and b"onload" not in stored.lower()
        assert _checked_content(_parsed(stored), {}) == (checked.width, checked.height)
        assert checked_image(stored).content == stored  # sanitising again changes nothing


def test_the_icon_exports_are_at_least_ten_and_five_carry_the_public_doctype():
    assert len(ICONS) >= 10
    assert sum(b"-//W3C//DTD SVG 1.1//EN" in icon for icon in ICONS.values()) >= 5


def test_the_size_cap_is_2_mb_exactly():
    at_cap = png_bytes(16)
    at_cap += b"\0" * (2 * 1024 * 1024 - len(at_cap))
    with pytest.raises(RuleViolation) as refused:
        checked_image(at_cap)
    assert refused.value.violations[0].code == "IMAGE_UNREADABLE"  # read, not refused for size
    with pytest.raises(RuleViolation) as refused:
        checked_image(at_cap + b"\0")
    assert refused.value.violations[0].code == "IMAGE_TOO_LARGE"


def test_the_pixel_cap_is_2048_squared():
    from tests.images.hostile import png_claiming

    with pytest.raises(RuleViolation) as refused:
        checked_image(png_claiming(2048, 2048))
    assert refused.value.violations[0].code == "IMAGE_UNREADABLE"  # under the cap: decoded
    with pytest.raises(RuleViolation) as refused:
        checked_image(png_claiming(2049, 2048))
    assert refused.value.violations[0].code == "IMAGE_TOO_MANY_PIXELS"


def test_images_inside_an_svg_share_the_pixel_cap():
    import io

    from PIL import Image

    from tests.images.hostile import embedded, svg

    def png(width, height, shade):
        held = io.BytesIO()
        Image.new("1", (width, height), shade).save(held, "PNG")
        return held.getvalue()

    halves = embedded(png(2048, 1024, 0)) + embedded(png(2048, 1024, 1))
    assert checked_image(svg(halves)).width == 24
    with pytest.raises(RuleViolation) as refused:
        checked_image(svg(halves + embedded(png(1, 1, 0))))
    assert refused.value.violations[0].code == "IMAGE_TOO_MANY_PIXELS"


def test_use_nesting_of_two_is_taken_and_three_is_refused():
    from tests.images.hostile import nested_uses, svg

    assert checked_image(svg(nested_uses(2))).width == 24
    with pytest.raises(RuleViolation) as refused:
        checked_image(svg(nested_uses(3)))
    assert refused.value.violations[0].code == "SVG_USE_LIMIT"


def test_setting_an_image_stores_it_under_a_random_name_and_records_it(
    django_capture_on_commit_callbacks,
):
    badge, actor = BadgeFactory(), UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        image = badge_image_set(
            badge=badge,
            slot="issued",
            name="Gold",
            content=ACCEPTED["PNG"],
            actor=actor,
            now=timezone.now(),
        )
    assert image.file.name.startswith("badge-images/") and image.file.name.endswith(".png")
    assert "Gold" not in image.file.name
    assert (image.content_type, image.width, image.size) == (
        "image/png",
        64.0,
        len(ACCEPTED["PNG"]),
    )
    assert image.uploaded_by == actor
    change = badge.changes.get(action=BadgeChange.Action.IMAGE_SET)
    assert change.changes["slot"] == "issued" and change.changes["replaced"] is None
    badge.refresh_from_db()
    assert badge.updated_by == actor


def test_replacing_an_image_removes_the_old_file_once_committed(
    django_capture_on_commit_callbacks,
):
    badge = BadgeFactory()
    with django_capture_on_commit_callbacks(execute=True):
        first = set_image(badge, ACCEPTED["PNG"])
    with django_capture_on_commit_callbacks(execute=False) as pending:
        second = set_image(badge, ACCEPTED["JPEG"])
    assert first.file.name in stored_files()  # not before the commit
    for callback in pending:
        callback()
    assert stored_files() >= {second.file.name}
    assert first.file.name not in stored_files()
    assert list(BadgeImage.objects.filter(badge=badge).values_list("content_type", flat=True)) == [
        "image/jpeg"
    ]


@pytest.mark.parametrize("name", ["PNG bomb", "script", "wide PNG"])
def test_a_refused_file_changes_nothing_stored(name):
    badge = BadgeFactory()
    kept = BadgeImageFactory(badge=badge, slot="issued")
    before = stored_files()
    with pytest.raises(RuleViolation):
        set_image(badge, REFUSED[name][0])
    assert stored_files() == before
    assert list(BadgeImage.objects.filter(badge=badge)) == [kept]
    assert not badge.changes.exists()


def test_a_failed_write_leaves_no_file_behind(monkeypatch):
    badge = BadgeFactory()
    before = stored_files() if default_storage.exists("badge-images") else set()

    def broken(**kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(definitions, "change_record", broken)
    with pytest.raises(RuntimeError):
        set_image(badge, ACCEPTED["PNG"])
    assert (stored_files() if default_storage.exists("badge-images") else set()) == before
    assert not BadgeImage.objects.filter(badge=badge).exists()


def test_removing_empties_the_slot_and_an_empty_slot_stays_empty(
    django_capture_on_commit_callbacks,
):
    badge = BadgeFactory()
    with django_capture_on_commit_callbacks(execute=True):
        image = set_image(badge, ACCEPTED["PNG"])
        removed = badge_image_remove(badge=badge, slot="issued", actor=None, now=timezone.now())
    assert removed.sha256 == image.sha256
    assert image.file.name not in stored_files()
    assert badge.changes.filter(action=BadgeChange.Action.IMAGE_REMOVED).count() == 1
    assert badge_image_remove(badge=badge, slot="issued", actor=None, now=timezone.now()) is None
    assert badge.changes.filter(action=BadgeChange.Action.IMAGE_REMOVED).count() == 1


@pytest.mark.parametrize(
    ("slot", "name", "code"),
    [
        ("earned", "Gold", "IMAGE_SLOT_INVALID"),
        ("issued", "  ", "IMAGE_NAME_REQUIRED"),
        ("issued", "x" * 101, "IMAGE_NAME_INVALID"),
        ("issued", "Gold\x00", "IMAGE_NAME_INVALID"),
        ("issued", "Gold\x01star", "IMAGE_NAME_INVALID"),
        ("issued", "Gold\nstar", "IMAGE_NAME_INVALID"),
    ],
)
def test_a_slot_and_a_name_are_checked(slot, name, code):
    """A name is one line of at most 100 characters without control characters."""
    with pytest.raises(RuleViolation) as refused:
        set_image(BadgeFactory(), ACCEPTED["PNG"], slot=slot, name=name)
    assert refused.value.violations[0].code == code


def test_a_name_of_exactly_100_characters_with_letters_of_any_script_is_taken():
    image = set_image(BadgeFactory(), ACCEPTED["PNG"], name="Ω" * 99 + "é")
    assert len(image.name) == 100
