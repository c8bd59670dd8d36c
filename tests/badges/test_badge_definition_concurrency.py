"""Badge names stay unique per org under concurrent creates (PostgreSQL, real threads)."""

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from badges.exceptions import RuleViolation
from badges.models import Badge
from badges.services.definitions import Definition, badge_create
from badges.values import Expiry
from tests.concurrency import run_concurrently
from tests.factories import OrganizationFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

NOW = datetime(2026, 9, 20, tzinfo=UTC)


def test_concurrent_creates_of_one_name_make_exactly_one_badge():
    org = OrganizationFactory()
    definition = Definition(
        name="Race",
        start_on=NOW + timedelta(days=1),
        expires_on=NOW + timedelta(days=9),
        issue_type="ISSUE",
        issue_expiry=Expiry(type="NEVER"),
        owners=("LOYALTY",),
    )

    def create(i):
        named = Definition(**{**definition.__dict__, "name": "Race" if i % 2 else "RACE"})
        return badge_create(org=org, actor=None, now=NOW, definition=named)

    results = run_concurrently(create, 16)
    outcomes = Counter(
        r.violations[0].code if isinstance(r, RuleViolation) else type(r).__name__ for r in results
    )
    assert outcomes == {"Badge": 1, "BADGE_NAME_TAKEN": 15}
    assert Badge.objects.filter(org=org).count() == 1
