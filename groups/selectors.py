"""Reads of badge groups, scoped to one org."""

from django.db.models import QuerySet

from groups.models import BadgeGroup


def group_list(*, org) -> QuerySet[BadgeGroup]:
    """The org's groups, active and disabled, by rank."""
    return BadgeGroup.objects.filter(org=org)


def group_get(*, org, group_id) -> BadgeGroup:
    """One of the org's groups; BadgeGroup.DoesNotExist for any other id, whoever owns it."""
    return group_list(org=org).get(pk=group_id)
