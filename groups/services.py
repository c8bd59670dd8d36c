"""Badge groups (SPEC 10): create, update, disable, delete.

Names are unique among the org's active groups (ignoring case); the rank is mandatory and not
unique. Deleting a group leaves its badges with no group.
"""

import dataclasses
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from badges.exceptions import RuleViolation, Violation
from groups.models import MAX_RANK, MIN_RANK, BadgeGroup

NAME_MAX_LENGTH = 100


@dataclasses.dataclass(frozen=True)
class GroupDefinition:
    name: str
    rank: int
    is_active: bool = True


UPDATABLE = {f.name for f in dataclasses.fields(GroupDefinition)}


def rank_violations(rank: int | None, field: str = "rank") -> list[Violation]:
    """A group's or a badge's rank: an integer within +-1,000,000,000."""
    if rank is not None and not MIN_RANK <= rank <= MAX_RANK:
        return [Violation("RANK_INVALID", f"A rank is from {MIN_RANK} to {MAX_RANK}.", field)]
    return []


def _violations(org, group: BadgeGroup | None, new: GroupDefinition) -> list[Violation]:
    found = []
    name = new.name.strip()
    if not name:
        found.append(Violation("GROUP_NAME_REQUIRED", "A group needs a name.", "name"))
    elif len(name) > NAME_MAX_LENGTH:
        found.append(
            Violation("GROUP_NAME_TOO_LONG", "A group name has at most 100 characters.", "name")
        )
    elif new.is_active and (
        BadgeGroup.objects.filter(org=org, is_active=True, name__iexact=name)
        .exclude(pk=getattr(group, "pk", None))
        .exists()
    ):
        found.append(_name_taken(name))
    return found + rank_violations(new.rank)


def _name_taken(name: str) -> Violation:
    return Violation("GROUP_NAME_TAKEN", f"An active group named '{name}' already exists.", "name")


def _save(group: BadgeGroup) -> None:
    """Save, turning a lost race on the unique name into the same refusal as the check."""
    try:
        with transaction.atomic():
            group.save()
    except IntegrityError as error:
        if "group_name_unique_among_active" in str(error):
            raise RuleViolation(_name_taken(group.name)) from error
        raise


@transaction.atomic
def group_create(*, org, now: datetime, definition: GroupDefinition) -> BadgeGroup:
    violations = _violations(org, None, definition)
    if violations:
        raise RuleViolation(*violations)
    group = BadgeGroup(
        org=org,
        name=definition.name.strip(),
        rank=definition.rank,
        is_active=definition.is_active,
        created_on=now,
        updated_on=now,
    )
    _save(group)
    return group


@transaction.atomic
def group_update(*, group: BadgeGroup, now: datetime, **changes: Any) -> BadgeGroup:
    """Rename, re-rank, disable (``is_active=False``) or enable again; fields not passed keep
    their value. Enabling needs the name to be free among the active groups."""
    unknown = set(changes) - UPDATABLE
    if unknown:
        raise TypeError(f"group_update() got unknown fields: {sorted(unknown)}")
    group = BadgeGroup.objects.select_for_update().select_related("org").get(pk=group.pk)
    old = GroupDefinition(name=group.name, rank=group.rank, is_active=group.is_active)
    new = dataclasses.replace(old, **changes)
    if new == old:
        return group
    violations = _violations(group.org, group, new)
    if violations:
        raise RuleViolation(*violations)
    group.name, group.rank, group.is_active = new.name.strip(), new.rank, new.is_active
    group.updated_on = now
    _save(group)
    return group


@transaction.atomic
def group_delete(*, group: BadgeGroup) -> None:
    """Delete a group; its badges keep their rank and have no group from now on."""
    locked = BadgeGroup.objects.select_for_update().filter(pk=group.pk).first()
    if locked is not None:  # a lock first: QuerySet.delete() alone takes none
        locked.delete()


def group_assignable(*, org, group_id, field: str = "group") -> list[Violation]:
    """Whether a badge can be put in this group: one of the org's active groups.

    Locks the group row so that a concurrent delete waits for the badge write.
    """
    group = BadgeGroup.objects.select_for_update().filter(org=org, pk=group_id).first()
    if group is None:
        return [Violation("GROUP_NOT_FOUND", "No such group.", field)]
    if not group.is_active:
        return [Violation("GROUP_INACTIVE", "A disabled group can't take badges.", field)]
    return []
