"""On PostgreSQL, the set-based import (COPY staging) decides every row as the ORM batches do,
which SQLite runs: for any rows and issuances held, the same statuses, the same issuances met
and the same issuances written."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from badges.choices import IssuanceSource, IssuanceStatus
from badges.imports.classify import overlaps
from badges.imports.services import batched, earned, staging
from badges.models import Issuance
from tests.factories import BadgeFactory, CustomerFactory, IssuanceFactory, OrganizationFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

NOW = datetime(2026, 11, 1, tzinfo=UTC)
START = datetime(2026, 9, 1, tzinfo=UTC)
day = st.integers(min_value=0, max_value=12)
length = st.one_of(st.none(), st.integers(min_value=1, max_value=6))
held_issuance = st.tuples(
    st.integers(0, 1), st.integers(0, 1), day, length, st.booleans(), st.booleans()
)
import_row = st.tuples(st.integers(0, 2), st.integers(0, 2), day, length)


def _instant(days):
    return START + timedelta(days=days)


def _outcome(org, rows, decide, monkeypatch):
    monkeypatch.setattr(earned.staging, "imported", decide.imported)
    results = earned.earned_badges_import(org=org, rows=rows, now=NOW)
    written = set(
        Issuance.objects.filter(source=IssuanceSource.IMPORT, request_id="new").values_list(
            "badge_id", "customer__customer_id", "event_date", "expires_on", "status"
        )
    )
    shown = [(r.line, r.status, r.code, r.field, r.issual_id is not None) for r in results]
    spans = {str(i): on for i, on in Issuance.objects.values_list("issual_id", "issued_on")}
    met = [spans[r.issual_id] for r in results if r.status in ("DUPLICATE", "OVERLAPPING")]
    return shown, met, written


@settings(max_examples=100, deadline=None, suppress_health_check=list(HealthCheck))
@given(held=st.lists(held_issuance, max_size=6), rows=st.lists(import_row, min_size=1, max_size=12))
def test_staging_decides_and_writes_what_the_orm_batches_do(held, rows, monkeypatch):
    with transaction.atomic():
        org = OrganizationFactory(timezone="UTC")
        badges = [
            BadgeFactory(org=org, start_on=START, expires_on=START + timedelta(days=21))
            for _ in range(2)
        ]
        customers = [CustomerFactory(org=org, customer_id=f"c-{n}") for n in range(2)]
        counted, imported_once = [], set()
        for badge, customer, start, days, imported, revoked in held:
            span = (_instant(start), _instant(start + days) if days else None)
            if not revoked and any(
                (b, c) == (badge, customer) and overlaps(*span, *other) for b, c, other in counted
            ):
                continue  # the database holds no overlapping issuances
            if imported and (badge, customer, start) in imported_once:
                continue  # nor an earned badge imported twice
            if imported:
                imported_once.add((badge, customer, start))
            if not revoked:
                counted.append((badge, customer, span))
            IssuanceFactory(
                org=org,
                badge=badges[badge],
                customer=customers[customer],
                event_date=_instant(start),
                issued_on=_instant(start),
                expires_on=_instant(start + days) if days else None,
                source=IssuanceSource.IMPORT if imported else IssuanceSource.API,
                status=IssuanceStatus.REVOKED if revoked else IssuanceStatus.ACTIVE,
                revoked_on=NOW if revoked else None,
            )
        sent = [
            {
                "badge": str(badges[badge].pk) if badge < 2 else "missing",
                "customer_id": f"c-{customer}",
                "earn_event_date": _instant(start).isoformat(),
                "expires_on": _instant(start + days).isoformat() if days else "",
                "external_id": "new",
            }
            for badge, customer, start, days in rows
        ]
        outcomes = []
        for decide in (staging, batched):
            sid = transaction.savepoint()
            outcomes.append(_outcome(org, sent, decide, monkeypatch))
            transaction.savepoint_rollback(sid)
        transaction.set_rollback(True)
    assert outcomes[0] == outcomes[1]
