"""Reads of customers and their badges (SPEC 10 and 15), scoped to one org: the customer
badges API's and the customer pages' shared reads."""

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import F, Model, OrderBy, Prefetch, Q, QuerySet
from django.db.models.functions import Lower

from badges.models import (
    Badge,
    BadgeStatus,
    Customer,
    Enrolment,
    Issuance,
    IssuanceStatus,
    Organization,
)
from badges.rows import (
    RowsCounted,
    converted_rows,
    instances_read,
    model_shape,
    read_together,
    related_known,
)
from badges.selectors import (
    badge_field_values_loaded,
    badge_parts_loaded,
    badge_status_q,
    field_values_read,
    issuance_status_q,
)
from badges.values import is_customer_id


def customer_list(*, org: Organization) -> QuerySet[Customer]:
    return Customer.objects.filter(org=org)


def customer_get(*, org: Organization, customer_id: str) -> Customer:
    """One of the org's customers; Customer.DoesNotExist for an id no customer can have."""
    if not is_customer_id(customer_id):
        raise Customer.DoesNotExist
    found = instances_read(Customer, _customer_row_sql(), [org.pk, customer_id])
    if not found:
        raise Customer.DoesNotExist
    related_known(found[0], "org", org)
    return found[0]


@functools.cache
def _customer_row_sql() -> str:
    """A customer by org and id, a statement written once: each customer badges read starts
    with it, and a queryset's ``get`` took longer to build than to run."""
    meta, quote = Customer._meta, connection.ops.quote_name
    org, key = (quote(meta.get_field(name).column) for name in ("org", "customer_id"))
    columns = ", ".join(model_shape(Customer)[0])
    return f"SELECT {columns} FROM {quote(meta.db_table)} WHERE {org} = %s AND {key} = %s"


class DisplayOrder(OrderBy):
    """The customer display order of SPEC 10 over badges, as one ORDER BY expression of nine
    terms (``prefix`` reaches the badge, e.g. ``"badge__"``).

    Badges of active groups first, by group rank (groups of equal rank kept apart by name, then
    id); inside a group, and then among badges with no group (or a disabled one), ranked badges
    by rank, then the rest by ``expires_on`` descending; ties by name (ignoring case), then id.

    Written over the badge's and its group's columns, each table's join resolved once: as nine
    Case/When expressions, Django resolved their joins term by term, and compiling a page of a
    customer's badges took longer than the database took to run it.
    """

    def __init__(self, prefix: str = "", descending: bool = False):
        super().__init__(F(f"{prefix}name"), descending=descending)
        self.group_is_active = F(f"{prefix}group__is_active")

    def get_source_expressions(self):
        return [self.expression, self.group_is_active]

    def set_source_expressions(self, exprs):
        self.expression, self.group_is_active = exprs

    def as_sql(self, compiler, connection, template=None, **extra_context):
        def column(of, name: str) -> str:
            field = of.target.model._meta.get_field(name)
            return compiler.compile(field.get_col(of.alias))[0]

        badge, group = self.expression, self.group_is_active
        columns = DisplayColumns(
            group_is_active=compiler.compile(group)[0],
            group_rank=column(group, "rank"),
            group_name=column(group, "name"),
            group=column(badge, "group"),
            rank=column(badge, "rank"),
            expires_on=column(badge, "expires_on"),
            name=compiler.compile(badge)[0],
            id=column(badge, "id"),
        )
        return display_order_sql(columns, self.descending), []


class DisplayColumns(NamedTuple):
    """The columns the display order reads, as SQL: of a badge's group, then of the badge."""

    group_is_active: str
    group_rank: str
    group_name: str
    group: str
    rank: str
    expires_on: str
    name: str
    id: str


def display_order_sql(columns: DisplayColumns, descending: bool = False) -> str:
    """The nine terms of the display order (``DisplayOrder``) as an ORDER BY list: written
    once for the queryset's expression and the customer badge page's statement."""
    in_group, rank = columns.group_is_active, columns.rank
    asc, desc = ("DESC", "ASC") if descending else ("ASC", "DESC")
    terms = [
        (f"CASE WHEN {in_group} THEN 0 ELSE 1 END", asc),
        (f"CASE WHEN {in_group} THEN {columns.group_rank} END", asc),
        (f"CASE WHEN {in_group} THEN LOWER({columns.group_name}) END", asc),
        (f"CASE WHEN {in_group} THEN {columns.group} END", asc),
        (f"CASE WHEN {rank} IS NULL THEN 1 ELSE 0 END", asc),
        (rank, asc),
        (f"CASE WHEN {rank} IS NULL THEN {columns.expires_on} END", desc),
        (f"LOWER({columns.name})", asc),
        (columns.id, asc),
    ]
    return ", ".join(f"{term} {direction}" for term, direction in terms)


CUSTOMER_BADGE_SORTS = {
    "issued_on": [F("issued_on").asc()],
    "-issued_on": [F("issued_on").desc()],
    "expires_on": [F("expires_on").asc(nulls_last=True)],
    "-expires_on": [F("expires_on").desc(nulls_first=True)],
    "name": [Lower("badge__name").asc()],
    "-name": [Lower("badge__name").desc()],
}


def customer_find(*, org: Organization, customer_id: str) -> Customer | None:
    """One of the org's customers, or None for a customer not seen yet (or another org's)."""
    if not is_customer_id(customer_id):
        return None
    return customer_list(org=org).filter(customer_id=customer_id).first()


def customer_issuances(*, customer: Customer, sort_on: str | None = None) -> QuerySet[Issuance]:
    """A customer's issuances, every status, with their badges and groups;
    ``customer_badge_reads_loaded`` ties each to its customer and adds the rest a customer
    badge read shows, once the page is known.

    In the display order of SPEC 10 (several issuances of one badge newest first) unless
    ``sort_on`` names one of CUSTOMER_BADGE_SORTS, whose ties fall back to the display order.
    """
    return (
        Issuance.objects.filter(customer=customer)
        .select_related("badge__group")
        .defer(*(f"badge__{name}" for name in BADGE_FIELDS_UNSHOWN_TO_CUSTOMERS))
        .order_by(*customer_badge_order(sort_on))
    )


# What a customer badge read never shows of its badge, left unread (a page of 200 issuances
# would otherwise load 1,200 more instants, 5 ms of Python).
BADGE_FIELDS_UNSHOWN_TO_CUSTOMERS = (
    "start_on",
    "issue_expiry_date",
    "issued_count_synced_at",
    "created_on",
    "created_by",
    "updated_on",
    "updated_by",
)


@dataclass(frozen=True)
class CustomerBadgePages:
    """A customer's issuances in the display order (``customer_issuances`` with no
    ``sort_on``), a page at a time with their count, read together by statements written once
    (``CountedPages``); each holds its badge and the badge's group.
    Compiling the page and its count took about as long as the database took to run them."""

    customer: Customer
    ordered = True

    def page_and_count(self, offset: int, limit: int) -> tuple[list[Issuance], int]:
        count, issuances = read_together(
            [
                RowsCounted(Issuance, "customer", self.customer.pk),
                CustomerBadgePage(self.customer, offset, limit),
            ]
        )
        return issuances, count


class _Joined(NamedTuple):
    """One table of the customer badge page's join: its model, its name (quoted) and the
    columns read of it (qualified), with their attribute names and converters
    (``model_shape``)."""

    model: type[Model]
    table: str
    columns: list[str]
    names: list[str]
    converters: list[tuple]


@functools.cache
def _customer_badge_joined() -> tuple[_Joined, _Joined, _Joined]:
    """The issuance, its badge (what a customer badge read shows of it) and its group."""
    group = Badge._meta.get_field("group").related_model
    unshown = {Badge._meta.get_field(name).attname for name in BADGE_FIELDS_UNSHOWN_TO_CUSTOMERS}
    joined = []
    for model, skipped in ((Issuance, set()), (Badge, unshown), (group, set())):
        table = connection.ops.quote_name(model._meta.db_table)
        columns, names, converters = model_shape(model)
        kept = [index for index, name in enumerate(names) if name not in skipped]
        joined.append(
            _Joined(
                model,
                table,
                [f"{table}.{columns[index]}" for index in kept],
                [names[index] for index in kept],
                [converters[index] for index in kept],
            )
        )
    return tuple(joined)


@functools.lru_cache(maxsize=64)
def _customer_badge_page_sql(offset: int, limit: int) -> str:
    """The statement ``customer_issuances`` compiles (no ``sort_on``), written once per page
    window."""
    joined = _customer_badge_joined()
    issuance, badge, group = (part.model for part in joined)

    def column(model: type[Model], name: str) -> str:
        quote = connection.ops.quote_name
        return f"{quote(model._meta.db_table)}.{quote(model._meta.get_field(name).column)}"

    order = display_order_sql(
        DisplayColumns(
            group_is_active=column(group, "is_active"),
            group_rank=column(group, "rank"),
            group_name=column(group, "name"),
            group=column(badge, "group"),
            rank=column(badge, "rank"),
            expires_on=column(badge, "expires_on"),
            name=column(badge, "name"),
            id=column(badge, "id"),
        )
    )
    columns = ", ".join(read for part in joined for read in part.columns)
    return (
        f"SELECT {columns} FROM {joined[0].table}"
        f" INNER JOIN {joined[1].table} ON ({column(issuance, 'badge')} = {column(badge, 'id')})"
        f" LEFT OUTER JOIN {joined[2].table}"
        f" ON ({column(badge, 'group')} = {column(group, 'id')})"
        f" WHERE {column(issuance, 'customer')} = %s"
        f" ORDER BY {order}, {column(issuance, 'issued_on')} DESC, {column(issuance, 'id')} DESC"
        f" LIMIT {limit:d}" + (f" OFFSET {offset:d}" if offset else "")
    )


class CustomerBadgePage(NamedTuple):
    """``limit`` of ``customer``'s issuances from ``offset``, in the display order, each with
    its badge and the badge's group known (as ``select_related`` leaves them)."""

    customer: Customer
    offset: int
    limit: int

    def statement(self) -> tuple[str, list]:
        return _customer_badge_page_sql(self.offset, self.limit), [self.customer.pk]

    def found(self, rows: list[tuple]) -> list[Issuance]:
        issuance, badge, group = _customer_badge_joined()
        badge_from, group_from = len(issuance.names), len(issuance.names) + len(badge.names)
        group_key = group_from + group.names.index(group.model._meta.pk.attname)
        converters = [*issuance.converters, *badge.converters, *group.converters]
        alias = connections[DEFAULT_DB_ALIAS].alias
        read = []
        for values in converted_rows(rows, converters):
            found = Issuance.from_db(alias, issuance.names, values[:badge_from])
            its_badge = Badge.from_db(alias, badge.names, values[badge_from:group_from])
            its_group = None
            if values[group_key] is not None:
                its_group = group.model.from_db(alias, group.names, values[group_from:])
            related_known(found, "badge", its_badge)
            related_known(its_badge, "group", its_group)
            read.append(found)
        return read


def customer_badge_reads_loaded(
    issuances: list[Issuance], customer: Customer, org: Organization
) -> list[Issuance]:
    """Tie ``issuances`` (a page of ``customer_issuances`` of ``customer``, of ``org``) to
    their customer and their badges to the org (what the related manager would set, at a
    tenth of its cost), and load the badges' images and custom field values in at most three
    statements written once."""
    for issuance in issuances:
        related_known(issuance, "customer", customer)
        related_known(issuance.badge, "org", org)
    available_badge_reads_loaded([issuance.badge for issuance in issuances], org)
    return issuances


def available_badge_reads_loaded(badges: list[Badge], org: Organization) -> list[Badge]:
    """Load the images and custom field values of ``badges`` (of ``org``, each knowing it),
    read together."""
    if not badges:
        return badges
    field_values = badge_parts_loaded(badges, ["images"], field_values_read(badges, org))
    return badge_field_values_loaded(badges, org, field_values)


def badge_images_loaded(badges: list[Badge]) -> list[Badge]:
    """Load the images of ``badges`` in one statement (none for no badges): what the customer
    page shows of them besides their rows."""
    if badges:
        badge_parts_loaded(badges, ["images"])
    return badges


def issuances_in_groups_q(groups) -> Q:
    """Issuances of badges in any of ``groups`` that are active: a badge of a disabled group
    counts as having none (SPEC 10)."""
    return Q(badge__group__in=list(groups), badge__group__is_active=True)


def customer_badge_order(sort_on: str | None = None) -> list:
    """ORDER BY terms of a customer's issuances: ``sort_on`` first, then the display order,
    then several issuances of one badge newest first."""
    return [
        *CUSTOMER_BADGE_SORTS.get(sort_on or "", []),
        DisplayOrder("badge__"),
        F("issued_on").desc(),
        F("id").desc(),
    ]


def available_badges(
    *, org: Organization, customer: Customer | None, now: datetime
) -> QuerySet[Badge]:
    """The org's live, active badges in the display order of SPEC 10, each with the customer's
    enrolments (``customer_enrolments``, newest first) and active issuances
    (``customer_active_issuances``); ``customer`` None is a customer not seen yet. Their custom
    field values come from ``badge_field_values_loaded``, once the page is known."""
    enrolments = (
        Enrolment.objects.filter(customer=customer)
        .select_related("customer")
        .order_by("-enrol_event_date", "-enrolled_on")
    )
    issuances = Issuance.objects.filter(
        Q(customer=customer) & issuance_status_q([IssuanceStatus.ACTIVE], now)
    ).order_by("-issued_on")
    if customer is None:
        enrolments, issuances = enrolments.none(), issuances.none()
    return (
        org.badges.filter(Q(is_active=True) & badge_status_q([BadgeStatus.LIVE], now))
        .select_related("group")
        .prefetch_related(
            "benefits",
            Prefetch("enrolments", queryset=enrolments, to_attr="customer_enrolments"),
            Prefetch("issuances", queryset=issuances, to_attr="customer_active_issuances"),
        )
        .order_by(DisplayOrder())
    )


def customer_badge_choices(*, customer: Customer) -> QuerySet[Badge]:
    """The badges a customer holds issuances of, any status, by name: the customer page's
    badge filter (an org's every badge would be thousands of choices)."""
    held = Issuance.objects.filter(customer=customer).values("badge_id")
    return Badge.objects.filter(pk__in=held).only("id", "name").order_by(Lower("name"), "id")


def care_issuable_ended_badges(*, org: Organization, now: datetime) -> QuerySet[Badge]:
    """Active badges that ended within the org's retro window: besides the live ones, the only
    badges a customer-care issue can still give (SPEC 7), newest ended first."""
    since = now - timedelta(days=org.retro_max_allowed_age_days)
    return (
        Badge.objects.filter(org=org, is_active=True, expires_on__lte=now, expires_on__gt=since)
        .only("id", "name", "expires_on")
        .order_by("-expires_on", "id")
    )


def badge_named(*, org: Organization, name: str) -> Badge | None:
    """The org's badge of that name (names are unique per org, ignoring nothing), or None."""
    return Badge.objects.filter(org=org, name=name).first()


def customer_issuance(*, customer: Customer, issual_id) -> Issuance:
    """One of the customer's issuances; Issuance.DoesNotExist for any other."""
    return Issuance.objects.select_related("badge", "customer").get(
        customer=customer, issual_id=issual_id
    )


def customer_enrolment_get(*, customer: Customer, enrolment_id) -> Enrolment:
    """One of the customer's enrolments; Enrolment.DoesNotExist for any other."""
    return Enrolment.objects.select_related("badge", "customer").get(
        customer=customer, pk=enrolment_id
    )


def customer_enrolment(badge: Badge, now: datetime) -> Enrolment | None:
    """The customer's enrolment that counts for an available badge (prefetched by
    ``available_badges``): an active one, else the newest."""
    enrolments = badge.customer_enrolments
    active = [e for e in enrolments if e.status_at(now) == "ACTIVE"]
    return (active or enrolments or [None])[0]
