"""Reads shared by the API, the admin and the UI. Every read is scoped to one org."""

from collections.abc import Iterable
from datetime import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from badges.cycles import Cycle
from badges.models import (
    Badge,
    BadgeChange,
    BadgeClaim,
    BadgeOwner,
    BadgeStatus,
    Customer,
    Enrolment,
    Issuance,
    IssuanceStatus,
    Membership,
    Organization,
)
from badges.services.customers import is_customer_id
from badges.services.fixed_windows import ConfigState, config_states


class NoOrg(Exception):
    """The user belongs to no org."""


class OrgChoiceRequired(Exception):
    """The user belongs to several orgs and named none."""


def acting_membership(*, user, org_slug: str | None) -> Membership:
    """The membership a request acts through: the named org's (by slug, or by id), or the
    user's only one.

    Raises Membership.DoesNotExist when the named org is not one of the user's (answered as 404,
    so that another org's existence never shows), NoOrg or OrgChoiceRequired otherwise.
    """
    memberships = Membership.objects.select_related("org").filter(user=user)
    if org_slug:
        found = memberships.filter(org__slug=org_slug).first()
        if found is None and org_slug.isdigit():
            found = memberships.filter(org_id=int(org_slug)).first()
        if found is None:
            raise Membership.DoesNotExist
        return found
    found = list(memberships[:2])
    if not found:
        raise NoOrg
    if len(found) > 1:
        raise OrgChoiceRequired
    return found[0]


def badge_status_q(statuses: Iterable[str], now: datetime) -> Q:
    """A filter for badges in any of ``statuses`` at ``now``."""
    by_status = {
        BadgeStatus.UPCOMING: Q(start_on__gt=now),
        BadgeStatus.LIVE: Q(start_on__lte=now, expires_on__gt=now),
        BadgeStatus.ENDED: Q(expires_on__lte=now),
    }
    q = Q(pk__in=[])
    for status in statuses:
        q |= by_status[BadgeStatus(status)]
    return q


def badges_owned_by_q(modules: Iterable[str]) -> Q:
    return Q(Exists(BadgeOwner.objects.filter(badge=OuterRef("pk"), module__in=list(modules))))


def badges_claimed_by_q(modules: Iterable[str]) -> Q:
    return Q(Exists(BadgeClaim.objects.filter(badge=OuterRef("pk"), module__in=list(modules))))


def badges_of(*, org: Organization) -> QuerySet[Badge]:
    """The org's badges, bare: for actions whose service loads what it needs itself."""
    return Badge.objects.filter(org=org)


def badge_list(*, org: Organization) -> QuerySet[Badge]:
    """The org's badges with everything a badge read shows, in a constant number of queries."""
    return (
        Badge.objects.filter(org=org)
        .select_related("org", "created_by", "updated_by")
        .prefetch_related("owners", "claims", "benefits", "rolling_limits", "fixed_window_configs")
    )


def badge_get(*, org: Organization, badge_id) -> Badge:
    """One of the org's badges; Badge.DoesNotExist for any other id, whoever owns it."""
    return badge_list(org=org).get(pk=badge_id)


def fixed_window_states(*, badge: Badge, now: datetime) -> list[ConfigState]:
    """The badge's fixed-window configs as they stand at ``now`` (badge from ``badge_get``)."""
    return config_states(list(badge.fixed_window_configs.all()), now)


def cycle_issued_counts(*, badge: Badge, cycles: Iterable[Cycle]) -> dict[Cycle, int]:
    """Non-revoked issuances of the badge with an event date in each cycle, in one query."""
    cycles = list(dict.fromkeys(cycles))
    if not cycles:
        return {}
    aggregates = {}
    for index, cycle in enumerate(cycles):
        in_cycle = Q(event_date__gte=cycle.start)
        if cycle.end is not None:
            in_cycle &= Q(event_date__lt=cycle.end)
        aggregates[f"cycle_{index}"] = Count("pk", filter=in_cycle)
    row = Issuance.objects.filter(badge=badge, revoked_on__isnull=True).aggregate(**aggregates)
    return {cycle: row[f"cycle_{index}"] for index, cycle in enumerate(cycles)}


def badge_changes(*, badge: Badge) -> QuerySet[BadgeChange]:
    """A badge's change history, newest first."""
    return badge.changes.select_related("actor").order_by("-changed_on", "-id")


def issuance_status_q(statuses: Iterable[str], now: datetime) -> Q:
    """A filter for issuances in any of ``statuses`` at ``now`` (derived, not stored)."""
    not_revoked = Q(revoked_on__isnull=True)
    by_status = {
        IssuanceStatus.ACTIVE: not_revoked & (Q(expires_on__isnull=True) | Q(expires_on__gt=now)),
        IssuanceStatus.EXPIRED: not_revoked & Q(expires_on__lte=now),
        IssuanceStatus.REVOKED: Q(revoked_on__isnull=False),
    }
    q = Q(pk__in=[])
    for status in statuses:
        q |= by_status[IssuanceStatus(status)]
    return q


def issuance_list(*, org: Organization) -> QuerySet[Issuance]:
    return Issuance.objects.filter(org=org).select_related("badge", "customer", "org")


def enrolment_list(*, org: Organization) -> QuerySet[Enrolment]:
    return Enrolment.objects.filter(org=org).select_related("badge", "customer", "org")


def customer_list(*, org: Organization) -> QuerySet[Customer]:
    return Customer.objects.filter(org=org)


def customer_get(*, org: Organization, customer_id: str) -> Customer:
    """One of the org's customers; Customer.DoesNotExist for an id no customer can have."""
    if not is_customer_id(customer_id):
        raise Customer.DoesNotExist
    return customer_list(org=org).get(customer_id=customer_id)


def customer_issuances(*, customer: Customer) -> QuerySet[Issuance]:
    """A customer's issuances, every status, newest first."""
    return (
        Issuance.objects.filter(customer=customer)
        .select_related("badge", "customer", "org")
        .order_by("-issued_on", "-id")
    )
