"""A batch of earned badges decided and written through the ORM: SQLite's way (and the
reference ``staging`` is checked against on PostgreSQL)."""

import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import islice

from badges.choices import IssuanceSource, IssuanceStatus
from badges.imports.choices import RowStatus
from badges.imports.classify import Candidate, Decision, Span, classified
from badges.imports.rows import EarnedRow
from badges.models import Badge, Customer, Issuance, Organization
from badges.services.issued_counts import issued_counts_changed
from badges.services.locking import customers_locked

# Ids per statement, well under every backend's limit on parameters.
CHUNK = 1000


def chunked(items: Iterable, size: int) -> Iterator[list]:
    """Lists of ``size`` items (the last one shorter), read lazily."""
    items = iter(items)
    while chunk := list(islice(items, size)):
        yield chunk


def _customers(org: Organization, customer_ids: set[str], now: datetime) -> dict[str, Customer]:
    """Created where missing, and locked, in ``customer_id`` order as issues lock them."""
    found = {}
    for chunk in chunked(sorted(customer_ids), CHUNK):
        for customer in customers_locked(org=org, customer_ids=chunk, created_on=now):
            found[customer.customer_id] = customer
    return found


def held_spans(pairs: set[tuple[uuid.UUID, int]]) -> dict[tuple, list[Span]]:
    """The issuances held by these (badge, customer) pairs, as spans."""
    spans = defaultdict(list)
    by_customer = defaultdict(set)
    for badge_id, customer_pk in pairs:
        by_customer[customer_pk].add(badge_id)
    badge_ids = {badge_id for badge_id, _ in pairs}
    for chunk in chunked(sorted(by_customer), CHUNK):
        held = Issuance.objects.filter(badge_id__in=badge_ids, customer_id__in=chunk).values_list(
            "badge_id",
            "customer_id",
            "issued_on",
            "expires_on",
            "revoked_on",
            "source",
            "event_date",
            "issual_id",
        )
        for badge_id, customer_pk, start, end, revoked_on, source, event_date, issual_id in held:
            if (badge_id, customer_pk) in pairs:
                spans[badge_id, customer_pk].append(
                    Span(
                        start,
                        end,
                        revoked_on is None,
                        event_date if source == IssuanceSource.IMPORT else None,
                        issual_id,
                    )
                )
    return spans


def imported_issuance(
    org: Organization, row: EarnedRow, badge: Badge, customer: Customer, issual_id, now
) -> Issuance:
    expired = row.expires_on is not None and row.expires_on <= now
    return Issuance(
        issual_id=issual_id,
        org=org,
        badge=badge,
        customer=customer,
        event_date=row.earn_event_date,
        issued_on=row.earn_event_date,
        expires_on=row.expires_on,
        status=IssuanceStatus.EXPIRED if expired else IssuanceStatus.ACTIVE,
        source=IssuanceSource.IMPORT,
        request_id=row.external_id,
        benefits=[],
    )


def imported(
    *, org: Organization, candidates: Sequence[tuple[EarnedRow, Badge]], now: datetime
) -> list[tuple[EarnedRow, Decision]]:
    """Each candidate's decision; the IMPORTED ones written."""
    customers = _customers(org, {row.customer_id for row, _ in candidates}, now)
    groups = defaultdict(list)
    for row, badge in candidates:
        groups[badge.pk, customers[row.customer_id].pk].append((row, badge, uuid.uuid4()))
    spans = held_spans(set(groups))
    written, decided = [], []
    for pair, members in groups.items():
        rows = [Candidate(row.earn_event_date, row.expires_on, id) for row, _, id in members]
        for (row, badge, issual_id), decision in zip(
            members, classified(rows, spans.get(pair, ())), strict=True
        ):
            if decision.status == RowStatus.IMPORTED:
                customer = customers[row.customer_id]
                written.append(imported_issuance(org, row, badge, customer, issual_id, now))
            decided.append((row, decision))
    Issuance.objects.bulk_create(written)
    issued_counts_changed((issuance.badge_id, 1) for issuance in written)
    return decided
