"""What an issue reads under the customers' locks: the issuances they hold and the outcomes
the request id already had, in one statement written once (SPEC 5, steps 1 and 6)."""

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import connection

from badges.models import Badge, Issuance, IssueRequest


@dataclass(frozen=True)
class Held:
    """A non-revoked issuance the customer holds, as the overlap and limit checks see it."""

    issued_on: datetime
    expires_on: datetime | None
    event_date: datetime


def _held_and_prior_sql(customers: int) -> str:
    """The statement of ``held_and_prior`` for a number of customers (written once: it runs on
    every issue, and building it through the ORM cost more than running it)."""
    issuance, request = Issuance._meta, IssueRequest._meta
    quote = connection.ops.quote_name

    def column(meta, name: str) -> str:
        return f"{quote(meta.db_table)}.{quote(meta.get_field(name).column)}"

    keys = ", ".join(["%s"] * customers)
    return (
        f"SELECT 0, {column(issuance, 'customer')}, {column(issuance, 'issued_on')}, "
        f"{column(issuance, 'expires_on')}, {column(issuance, 'event_date')} "
        f"FROM {quote(issuance.db_table)} WHERE {column(issuance, 'badge')} = %s "
        f"AND {column(issuance, 'customer')} IN ({keys}) "
        f"AND {column(issuance, 'revoked_on')} IS NULL "
        f"UNION ALL SELECT 1, {column(request, 'customer')}, NULL, NULL, NULL "
        f"FROM {quote(request.db_table)} WHERE {column(request, 'org')} = %s "
        f"AND {column(request, 'badge')} = %s AND {column(request, 'customer')} IN ({keys}) "
        f"AND {column(request, 'request_id')} = %s"
    )


def _instant(value: datetime | None) -> datetime | None:
    """A timestamp as the driver gives it: aware on PostgreSQL, naive UTC on SQLite."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def held_and_prior(badge: Badge, stored: dict[int, str], request_id: str):
    """The customers' non-revoked issuances of the badge, and the outcomes this request id
    already had for them, in one read (after the customers' locks, so both are current).
    Returns (held rows, prior IssueRequests by customer id); the priors are read whole only
    when there are some."""
    if not stored:
        return [], {}
    badge_key = Issuance._meta.get_field("badge").get_db_prep_value(badge.pk, connection)
    customers = list(stored)
    with connection.cursor() as cursor:
        cursor.execute(
            _held_and_prior_sql(len(customers)),
            [badge_key, *customers, badge.org_id, badge_key, *customers, request_id],
        )
        rows = cursor.fetchall()
    held = [
        (customer, _instant(issued_on), _instant(expires_on), _instant(event_date))
        for prior, customer, issued_on, expires_on, event_date in rows
        if not prior
    ]
    prior_customers = [customer for prior, customer, *_ in rows if prior]
    prior = {}
    if prior_customers:
        prior = {
            stored[r.customer_id]: r
            for r in IssueRequest.objects.filter(
                org=badge.org, badge=badge, customer__in=prior_customers, request_id=request_id
            ).select_related("issuance__customer")
        }
    return held, prior
