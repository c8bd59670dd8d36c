"""Badge definitions under concurrent writes (PostgreSQL, real threads): names stay unique per
org, partial updates of different parts all land, and a group deleted while badges join it
leaves no badge pointing at it."""

import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction

from badges.exceptions import RuleViolation
from badges.models import Badge
from badges.services.definitions import badge_create, badge_update
from badges.values import Definition, Expiry, FixedWindow
from customfields.selectors import badge_field_values
from customfields.values import FieldValue
from groups.models import BadgeGroup
from groups.services import group_delete
from tests.concurrency import run_concurrently
from tests.factories import BadgeFactory, BadgeGroupFactory, CustomFieldFactory, OrganizationFactory

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


def test_concurrent_partial_updates_of_different_parts_all_land():
    """Each update merges what it sends over the badge as it finds it under the lock."""
    org = OrganizationFactory()
    badge = BadgeFactory(org=org)
    fields = [CustomFieldFactory(org=org, name=f"Field {n}") for n in range(6)]

    def update(i):
        if i < 6:
            values = (FieldValue(field=fields[i].pk, value=f"v{i}"),)
            return badge_update(badge=badge, actor=None, now=NOW, custom_fields=values)
        parts = [{"overall": 5}, {"fixed_window": FixedWindow(2, "DAYS", 3)}][i - 6]
        return badge_update(badge=badge, actor=None, now=NOW, customer_limit=parts)

    results = run_concurrently(update, 8)
    assert all(isinstance(r, Badge) for r in results), results
    badge = Badge.objects.get(pk=badge.pk)
    assert sorted(v.value for v in badge_field_values(badge)) == [f"v{i}" for i in range(6)]
    limits = badge.limit_set("CUSTOMER", NOW)
    assert (limits.overall, limits.fixed_window) == (5, FixedWindow(2, "DAYS", 3))


def test_a_group_deleted_while_a_badge_joins_it_waits_and_leaves_it_without_group():
    """The delete takes the group's lock first, so it waits for the joining badge to commit and
    then sees it; without that lock it would find no badge to clear and fail on the foreign
    key once the badge commits."""
    org = OrganizationFactory()
    group = BadgeGroupFactory(org=org)
    badge = BadgeFactory(org=org)
    joined, commit = threading.Event(), threading.Event()
    outcomes = {}

    def join():
        try:
            with transaction.atomic():
                badge_update(badge=badge, actor=None, now=NOW, group=group.pk)
                joined.set()
                commit.wait(timeout=10)
        finally:
            connection.close()

    def delete():
        joined.wait(timeout=10)
        try:
            group_delete(group=group)
            outcomes["delete"] = "done"
        except Exception as error:
            outcomes["delete"] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=join), threading.Thread(target=delete)]
    for thread in threads:
        thread.start()
    joined.wait(timeout=10)
    deadline = time.monotonic() + 10
    while not waiting_for_a_lock() and time.monotonic() < deadline:
        pass
    commit.set()
    for thread in threads:
        thread.join()
    assert outcomes == {"delete": "done"}
    assert not BadgeGroup.objects.filter(pk=group.pk).exists()
    assert Badge.objects.get(pk=badge.pk).group_id is None


def waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return cursor.fetchone()[0] > 0
