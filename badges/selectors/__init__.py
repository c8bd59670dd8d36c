"""Reads shared by the API, the admin and the UI. Every read is scoped to one org."""

import copy
import functools
import threading
import uuid
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    prefetch_related_objects,
)
from rest_framework.authtoken.models import Token

from badges.cycles import Cycle
from badges.models import (
    Badge,
    BadgeChange,
    BadgeClaim,
    BadgeOwner,
    BadgeStatus,
    Enrolment,
    Issuance,
    IssuanceStatus,
    Membership,
    Organization,
)
from badges.rows import (
    RowsCounted,
    RowsPage,
    RowsWhereIn,
    instances_from,
    instances_read,
    model_shape,
    read_together,
    related_known,
)
from badges.windows import ConfigState, config_states, counted_span
from customfields.selectors import badge_texts_read, badge_values_loaded, org_fields_read


class NoOrg(Exception):
    """The user belongs to no org."""


class OrgChoiceRequired(Exception):
    """The user belongs to several orgs and named none."""


def _membership_chosen(memberships: list[Membership], org_slug: str | None) -> Membership:
    """The rules of ``acting_membership`` over memberships already read (those of the named
    org, by slug or id, or the user's first two)."""
    if org_slug:
        found = [m for m in memberships if m.org.slug == org_slug] or [
            m for m in memberships if org_slug.isdigit() and m.org_id == int(org_slug)
        ]
        if not found:
            raise Membership.DoesNotExist
        return found[0]
    if not memberships:
        raise NoOrg
    if len(memberships) > 1:
        raise OrgChoiceRequired
    return memberships[0]


def _token_membership_models() -> tuple:
    """The models of a token membership row, in its columns' order."""
    return (Membership, get_user_model(), Organization)


@functools.cache
def _token_membership_sql() -> str:
    """The membership, user and org rows of a token's memberships (optionally of one org, by
    slug or id), each model's columns in ``badges.rows`` order."""
    quote = connection.ops.quote_name
    token, user = Token._meta, get_user_model()._meta
    columns = ", ".join(
        f"{alias}.{column}"
        for model, alias in zip(_token_membership_models(), "muo", strict=True)
        for column in model_shape(model)[0]
    )
    return (
        f"SELECT {columns} FROM {quote(Membership._meta.db_table)} m "
        f"JOIN {quote(user.db_table)} u ON u.{quote(user.pk.column)} = m.user_id "
        f"JOIN {quote(token.db_table)} t ON t.user_id = u.{quote(user.pk.column)} "
        f"JOIN {quote(Organization._meta.db_table)} o ON o.id = m.org_id "
        f"WHERE t.{quote(token.pk.column)} = %s"
    )


def token_membership(*, key: str, org_slug: str | None) -> Membership | None:
    """The token's user and the membership a request made with it acts through, with its org,
    in one statement written once (every API call starts with it); None when there is no
    answer to give from it alone (an unknown token, a user in no org or not in the named one),
    so that the caller falls back on the separate reads that tell these apart."""
    sql = _token_membership_sql()
    params: list = [key]
    if org_slug:
        sql += " AND (o.slug = %s OR m.org_id = %s)"
        params += [org_slug, int(org_slug) if org_slug.isdigit() else None]
    with connection.cursor() as cursor:
        cursor.execute(sql + " ORDER BY m.id LIMIT 2", params)
        rows = cursor.fetchall()
    memberships = []
    for row in rows:
        built, start = [], 0
        for model in _token_membership_models():
            width = len(model._meta.concrete_fields)
            built.extend(instances_from(model, [row[start : start + width]]))
            start += width
        membership, user, org = built
        membership.user, membership.org = user, org
        memberships.append(membership)
    try:
        return _membership_chosen(memberships, org_slug)
    except (Membership.DoesNotExist, NoOrg, OrgChoiceRequired):
        return None


def org_by_slug(slug: str) -> Organization | None:
    return Organization.objects.filter(slug=slug).first()


def acting_membership(*, user, org_slug: str | None) -> Membership:
    """The membership a request acts through: the named org's (by slug, or by id), or the
    user's only one.

    Raises Membership.DoesNotExist when the named org is not one of the user's (answered as 404,
    so that another org's existence never shows), NoOrg or OrgChoiceRequired otherwise.
    """
    memberships = Membership.objects.select_related("org").filter(user=user)
    if org_slug:
        named = Q(org__slug=org_slug)
        if org_slug.isdigit():
            named |= Q(org_id=int(org_slug))
        memberships = memberships.filter(named)
    return _membership_chosen(list(memberships.order_by("pk")[:2]), org_slug)


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


ISSUE_READS = ("benefits", "rolling_limits", "fixed_window_configs", "claims")


@functools.cache
def _badge_row_sql() -> str:
    meta, quote = Badge._meta, connection.ops.quote_name
    columns = ", ".join(model_shape(Badge)[0])
    org, key = (quote(meta.get_field(name).column) for name in ("org", "id"))
    return f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {org} = %s AND {key} = %s"


def badge_row(*, org: Organization, badge_id) -> Badge:
    """One of the org's badges, its row alone (its org set, not read): what an issue reads
    first, in a statement written once. Badge.DoesNotExist for any other id, or no id."""
    try:
        key = uuid.UUID(str(badge_id))
    except ValueError as error:
        raise Badge.DoesNotExist from error
    key = Badge._meta.pk.get_db_prep_value(key, connection)
    found = instances_read(Badge, _badge_row_sql(), [org.pk, key])
    if not found:
        raise Badge.DoesNotExist
    found[0].org = org
    return found[0]


def definition_parts(relations) -> list[Prefetch]:
    """Prefetch parts of badges' definitions as plain lists, read by ``Badge.rows``."""
    return [Prefetch(relation, to_attr=f"{relation}_rows") for relation in relations]


DEFINITIONS_KEPT = 2048
_definitions: OrderedDict = OrderedDict()
_definitions_lock = threading.Lock()


def badge_for_issue(badge: Badge) -> Badge:
    """The badge row as read, with the parts of its definition an issue reads (benefits,
    rolling limits, fixed-window configs, claims) from a per-process cache keyed by the row's
    ``revision``, which every definition write bumps: a changed definition is read again, an
    unchanged one costs no query. The cached parts are shared; nothing may change them."""
    with _definitions_lock:
        entry = _definitions.get(badge.pk)
        if entry is not None:
            _definitions.move_to_end(badge.pk)
    if entry is None or entry[0] != badge.revision:
        loaded = copy.copy(badge)
        prefetch_related_objects([loaded], *definition_parts(ISSUE_READS))
        entry = (badge.revision, {f"{r}_rows": loaded.__dict__[f"{r}_rows"] for r in ISSUE_READS})
        with _definitions_lock:
            _definitions[badge.pk] = entry
            while len(_definitions) > DEFINITIONS_KEPT:
                _definitions.popitem(last=False)
    found = copy.copy(badge)
    found.__dict__.update(entry[1])
    return found


def badge_list(*, org: Organization) -> QuerySet[Badge]:
    """The org's badges, their rows (each knows its org without reading it): what a read shows
    besides comes from ``badge_reads_loaded``, once the page is known. No org, no badges."""
    return Badge.objects.none() if org is None else org.badges.all()


@dataclass(frozen=True)
class BadgePages:
    """The org's badges in ``ordering`` (plain fields ending on the id), a page at a time
    with their count, read together by statements written once (``CountedPages``); each
    knows its org. Building a list's page and count queries took longer than the database
    took to run them."""

    org: Organization
    ordering: tuple[str, ...]
    ordered = True

    def page_and_count(self, offset: int, limit: int) -> tuple[list[Badge], int]:
        key = self.org.pk
        count, badges = read_together(
            [
                RowsCounted(Badge, "org", key),
                RowsPage(Badge, "org", key, self.ordering, offset, limit),
            ]
        )
        for badge in badges:
            related_known(badge, "org", self.org)
        return badges, count


DEFINITION_PARTS = (
    "owners",
    "claims",
    "benefits",
    "rolling_limits",
    "fixed_window_configs",
    "images",
)


def badge_reads_loaded(badges: list[Badge]) -> list[Badge]:
    """Load everything a badge read shows into ``badges`` (of one org, each knowing it): the
    parts of their definitions, their authors, their custom field values. A constant number of
    statements written once (``badges.rows``), none built through a queryset: a page of 50
    badges read through prefetches spent 17 ms in Python for 3 ms of SQL."""
    if not badges:
        return badges
    user = get_user_model()
    authors = [key for b in badges for key in (b.created_by_id, b.updated_by_id) if key]
    org = badges[0].org
    users, *field_values = badge_parts_loaded(
        badges,
        DEFINITION_PARTS,
        [RowsWhereIn(user, user._meta.pk.name, authors), *field_values_read(badges, org)],
    )
    users = {u.pk: u for u in users}
    for badge in badges:
        related_known(badge, "created_by", users.get(badge.created_by_id))
        related_known(badge, "updated_by", users.get(badge.updated_by_id))
    return badge_field_values_loaded(badges, org, field_values)


def badge_parts_loaded(badges: list[Badge], relations, also: Sequence = ()) -> list[list]:
    """Each of ``relations`` of ``badges`` into ``<relation>_rows`` (``Badge.rows``), a
    statement each, sent together with the reads of ``also`` (``badges.rows.read_together``),
    whose finds it returns."""
    by_key = {badge.pk: badge for badge in badges}
    parts = [Badge._meta.get_field(relation) for relation in relations]
    read = read_together(
        [RowsWhereIn(part.related_model, part.field.name, by_key) for part in parts] + [*also]
    )
    for relation, rows in zip(relations, read, strict=False):
        by_badge = {key: [] for key in by_key}
        for row in rows:
            badge = by_key[row.badge_id]
            related_known(row, "badge", badge)
            by_badge[badge.pk].append(row)
        for badge in badges:
            badge.__dict__[f"{relation}_rows"] = by_badge[badge.pk]
    return read[len(relations) :]


def badge_get(*, org: Organization, badge_id) -> Badge:
    """One of the org's badges with everything a read shows; Badge.DoesNotExist for any other
    id, whoever owns it."""
    return badge_reads_loaded([badge_row(org=org, badge_id=badge_id)])[0]


def badges_with_fixed_windows(*, org: Organization) -> QuerySet[Badge]:
    """The org's badges with their fixed-window configs: what ``fixed_window_states`` reads."""
    return (
        Badge.objects.filter(org=org).select_related("org").prefetch_related("fixed_window_configs")
    )


def fixed_window_states(*, badge: Badge, now: datetime) -> list[ConfigState]:
    """The badge's fixed-window configs as they stand at ``now`` (badge from
    ``badges_with_fixed_windows``)."""
    return config_states(list(badge.fixed_window_configs.all()), now)


def in_span_q(span: Cycle) -> Q:
    """Issuances whose event date lies in ``span``."""
    q = Q()
    if span.start is not None:
        q &= Q(event_date__gte=span.start)
    if span.end is not None:
        q &= Q(event_date__lt=span.end)
    return q


def cycle_issued_counts(*, badge: Badge, cycles: Iterable[Cycle]) -> dict[Cycle, int]:
    """Non-revoked issuances of the badge counted in each cycle (by event date, the first and
    last cycles also counting those dated outside the badge's cycles), in one query."""
    cycles = list(dict.fromkeys(cycles))
    if not cycles:
        return {}
    aggregates = {
        f"cycle_{index}": Count("pk", filter=in_span_q(counted_span(badge, cycle)))
        for index, cycle in enumerate(cycles)
    }
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


def field_values_read(badges: list[Badge], org: Organization) -> list:
    """The reads of the custom field values of ``badges`` (of ``org``), to send together with
    other reads: the org's fields and the badges' texts (sent even when the org has no active
    field, which a read alone would skip: a statement more in the same round trip)."""
    return [org_fields_read(org), badge_texts_read(badges)]


def badge_field_values_loaded(
    badges: list[Badge], org: Organization, read: list | None = None
) -> list[Badge]:
    """Load the custom field values of ``badges`` (of ``org``, each knowing it); nothing to
    read for an empty page. ``read``: what the reads of ``field_values_read`` found."""
    if badges:
        badge_values_loaded(badges, org, read)
    return badges


def user_memberships(*, user) -> list[Membership]:
    """The user's memberships with their orgs, by org name: the browser UI's org switcher and
    the org a page acts in, from one statement."""
    return list(
        Membership.objects.select_related("org").filter(user=user).order_by("org__name", "pk")
    )
