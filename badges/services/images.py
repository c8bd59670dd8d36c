"""Setting and removing a badge's images (SPEC 9).

A file is checked (``badges.image_checks``) before anything is locked or written, then stored
under a random name, and its row written in one transaction with the badge's change history.
A file leaves storage only once nothing refers to it: a replaced or removed image's file after
the transaction commits, a new file when its transaction fails."""

import hashlib
import unicodedata
from datetime import datetime

from django.core.files.base import ContentFile
from django.db import transaction

from badges.exceptions import RuleViolation
from badges.image_checks import checked_image
from badges.models import Badge, BadgeChange, BadgeImage, ImageSlot
from badges.services import definitions

MAX_IMAGE_NAME = 100


def _checked_slot(slot: str) -> ImageSlot:
    if slot not in ImageSlot.values:
        raise RuleViolation.one(
            "IMAGE_SLOT_INVALID", "The slot is unissued, in_progress or issued.", "slot"
        )
    return ImageSlot(slot)


def _checked_name(name) -> str:
    if name is not None and not isinstance(name, str):
        raise RuleViolation.one("IMAGE_NAME_INVALID", "An image name is text.", "name")
    name = (name or "").strip()
    if not name:
        raise RuleViolation.one("IMAGE_NAME_REQUIRED", "Give the image a name.", "name")
    control = any(unicodedata.category(character) == "Cc" for character in name)
    if len(name) > MAX_IMAGE_NAME or control:
        raise RuleViolation.one(
            "IMAGE_NAME_INVALID",
            f"An image name is at most {MAX_IMAGE_NAME} characters, without control characters.",
            "name",
        )
    return name


def badge_image_set(
    *, badge: Badge, slot: str, name: str, content: bytes, actor, now: datetime
) -> BadgeImage:
    """Add or replace the image of ``slot``; ``content`` is the uploaded file's bytes."""
    slot, name = _checked_slot(slot), _checked_name(name)
    checked = checked_image(content)
    image = BadgeImage(
        slot=slot,
        name=name,
        content_type=checked.content_type,
        width=checked.width,
        height=checked.height,
        size=len(checked.content),
        sha256=hashlib.sha256(checked.content).hexdigest(),
        uploaded_by=actor,
        uploaded_on=now,
    )
    image.file.save(f"image.{checked.extension}", ContentFile(checked.content), save=False)
    try:
        with transaction.atomic():
            locked = Badge.objects.select_for_update().get(pk=badge.pk)
            replaced = BadgeImage.objects.filter(badge=locked, slot=slot).first()
            if replaced is not None:
                replaced.delete()
                _removed_on_commit(replaced)
            image.badge = locked
            image.save()
            definitions.badge_changed(
                locked,
                BadgeChange.Action.IMAGE_SET,
                {
                    "slot": slot.value,
                    "name": name,
                    "content_type": image.content_type,
                    "sha256": image.sha256,
                    "replaced": None if replaced is None else replaced.sha256,
                },
                actor,
                now,
            )
    except BaseException:
        image.file.delete(save=False)
        raise
    return image


@transaction.atomic
def badge_image_remove(*, badge: Badge, slot: str, actor, now: datetime) -> BadgeImage | None:
    """Empty ``slot``: the removed image, or None when it was empty (nothing changes)."""
    slot = _checked_slot(slot)
    locked = Badge.objects.select_for_update().get(pk=badge.pk)
    removed = BadgeImage.objects.filter(badge=locked, slot=slot).first()
    if removed is None:
        return None
    removed.delete()
    _removed_on_commit(removed)
    definitions.badge_changed(
        locked,
        BadgeChange.Action.IMAGE_REMOVED,
        {"slot": slot.value, "name": removed.name, "sha256": removed.sha256},
        actor,
        now,
    )
    return removed


def _removed_on_commit(image: BadgeImage) -> None:
    storage, stored = image.file.storage, image.file.name
    transaction.on_commit(lambda: storage.delete(stored))
