"""Reads of badge groups, scoped to one org."""

from django.db.models import Count, QuerySet

from groups.models import BadgeGroup


def group_list(*, org) -> QuerySet[BadgeGroup]:
    """The org's groups, active and disabled, by rank."""
    return BadgeGroup.objects.filter(org=org)


def group_get(*, org, group_id) -> BadgeGroup:
    """One of the org's groups; BadgeGroup.DoesNotExist for any other id, whoever owns it."""
    return group_list(org=org).get(pk=group_id)


def group_list_counted(*, org) -> QuerySet[BadgeGroup]:
    """The org's groups by rank, each with ``badge_count``: the badges that name it, which a
    disabled group holds too (they count as having no group while it is disabled). Ordered
    explicitly: a query with an aggregate leaves the model's ordering out."""
    groups = group_list(org=org).annotate(badge_count=Count("badges"))
    return groups.order_by(*BadgeGroup._meta.ordering)
