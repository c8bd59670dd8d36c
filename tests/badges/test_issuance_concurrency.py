"""SPEC 5 under concurrency, proven on PostgreSQL with real threads: no limit is exceeded, no
two issuances overlap, one issuance per request_id."""

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction

from badges.models import Issuance, LimitScope
from badges.services.issuance import IssueOrder, issuance_revoke, issue
from badges.services.issued_counts import (
    issued_count_fold,
    issued_count_read,
    issued_count_recount,
)
from tests.concurrency import revoke_one_held, run_concurrently
from tests.factories import (
    BadgeFactory,
    CustomerFactory,
    FixedWindowConfigFactory,
    IssuanceFactory,
    OrganizationFactory,
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("outbox_checked"),
]

NOW = datetime(2026, 9, 10, 12, tzinfo=UTC)


def badge_with(**fields):
    return BadgeFactory(
        org=OrganizationFactory(),
        start_on=NOW - timedelta(days=5),
        expires_on=NOW + timedelta(days=20),
        **fields,
    )


def issue_one(badge, customer, request_id, now=NOW):
    [outcome] = issue(
        badge=badge, customer_ids=[customer], order=IssueOrder(request_id=request_id), now=now
    )
    return outcome


def tally(outcomes) -> Counter:
    return Counter(
        o.refusal.code if getattr(o, "refusal", None) else getattr(o, "status", repr(o))
        for o in outcomes
    )


def validity(alias: str) -> str:
    return (
        f"tstzrange({alias}.issued_on, CASE WHEN {alias}.expires_on IS NULL THEN NULL "
        f"ELSE GREATEST({alias}.expires_on, {alias}.issued_on) END)"
    )


def overlapping_pairs() -> int:
    """Pairs of non-revoked issuances of one badge to one customer whose validities overlap."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT count(*) FROM badges_issuance a JOIN badges_issuance b
              ON a.badge_id = b.badge_id AND a.customer_id = b.customer_id AND a.id < b.id
            WHERE a.revoked_on IS NULL AND b.revoked_on IS NULL
              AND {validity("a")} && {validity("b")}
            """
        )
        return cursor.fetchone()[0]


def test_32_concurrent_issues_against_a_badge_limit_of_5_give_exactly_5():
    badge = badge_with(badge_overall_limit=5)
    outcomes = run_concurrently(lambda i: issue_one(badge, f"c-{i}", f"r-{i}"), 32)
    assert tally(outcomes) == {"ISSUED": 5, "BADGE_LIMIT_REACHED": 27}
    assert Issuance.objects.filter(badge=badge).count() == 5


def test_16_concurrent_issues_to_one_customer_of_a_never_expiring_badge_give_1():
    badge = badge_with(issue_expiry_type="NEVER")
    outcomes = run_concurrently(lambda i: issue_one(badge, "c-1", f"r-{i}"), 16)
    assert tally(outcomes) == {"ISSUED": 1, "OVERLAPPING_ISSUANCE": 15}
    assert Issuance.objects.filter(badge=badge).count() == 1
    assert overlapping_pairs() == 0


def test_16_concurrent_replays_of_one_request_id_give_1_issuance():
    badge = badge_with(issue_expiry_type="NEVER")
    outcomes = run_concurrently(lambda i: issue_one(badge, "c-1", "same-request"), 16)
    assert tally(outcomes) == {"ISSUED": 16}
    assert sum(o.replayed for o in outcomes) == 15
    assert len({o.issuance.issual_id for o in outcomes}) == 1
    assert Issuance.objects.filter(badge=badge).count() == 1


def test_concurrent_customer_rolling_limit_holds():
    badge = badge_with(issue_expiry_type="RELATIVE", issue_expiry_value=1, issue_expiry_unit="DAYS")
    badge.rolling_limits.create(scope=LimitScope.CUSTOMER, limit=2, value=30, unit="DAYS")
    Issuance.objects.create(
        org=badge.org,
        badge=badge,
        customer=badge.org.customers.create(customer_id="c-1", created_on=NOW),
        event_date=NOW - timedelta(days=3),
        issued_on=NOW - timedelta(days=3),
        expires_on=NOW - timedelta(days=2),
        source="IMPORT",
    )
    outcomes = run_concurrently(
        lambda i: issue_one(badge, "c-1", f"r-{i}", now=NOW + timedelta(days=2 * (i % 2))), 16
    )
    assert tally(outcomes)["ISSUED"] == 1
    assert overlapping_pairs() == 0


def test_concurrent_issues_into_one_fixed_window_cycle_never_exceed_its_limit():
    badge = badge_with()
    FixedWindowConfigFactory(
        badge=badge,
        scope=LimitScope.BADGE,
        max_earn_limit=3,
        duration_type="DAYS",
        refresh_rate=7,
    )
    outcomes = run_concurrently(lambda i: issue_one(badge, f"c-{i}", f"r-{i}"), 24)
    assert tally(outcomes) == {"ISSUED": 3, "BADGE_LIMIT_REACHED": 21}


def test_concurrent_issues_to_one_customer_never_exceed_the_customer_fixed_window():
    """Issuances born expired (a fixed expiry date already past) never overlap, so only the
    customer's fixed window of 2 per week stands between 16 concurrent issues and the
    customer; events fall in the same weekly cycle."""
    badge = badge_with(issue_expiry_type="FIXED_DATE", issue_expiry_date=NOW - timedelta(days=4))
    FixedWindowConfigFactory(
        badge=badge,
        scope=LimitScope.CUSTOMER,
        max_earn_limit=2,
        duration_type="WEEKS",
        refresh_rate=1,
        week_start_day="MONDAY",
    )

    def work(i):
        order = IssueOrder(request_id=f"r-{i}", event_date=NOW - timedelta(minutes=i))
        [outcome] = issue(badge=badge, customer_ids=["c-1"], order=order, now=NOW)
        return outcome

    outcomes = run_concurrently(work, 16)
    assert tally(outcomes) == {"ISSUED": 2, "CUSTOMER_LIMIT_REACHED": 14}
    assert Issuance.objects.filter(badge=badge).count() == 2


def test_bulk_and_single_issues_on_shared_customers_do_not_deadlock():
    badge = badge_with(badge_overall_limit=100, issue_expiry_type="NEVER")
    customers = [f"c-{n}" for n in range(60)]

    def work(i):
        if i < 4:
            shuffled = random.sample(customers, len(customers))
            return issue(
                badge=badge,
                customer_ids=shuffled,
                order=IssueOrder(request_id=f"bulk-{i}"),
                now=NOW,
            )
        return issue_one(badge, customers[i % 60], f"single-{i}")

    results = run_concurrently(work, 24)
    assert not [r for r in results if isinstance(r, Exception)]
    assert Issuance.objects.filter(badge=badge).count() == 60
    assert overlapping_pairs() == 0


def test_the_database_refuses_overlapping_issuances_written_around_the_service():
    badge = badge_with(issue_expiry_type="NEVER")
    issue_one(badge, "c-1", "r-1")
    first = Issuance.objects.get()
    with pytest.raises(IntegrityError, match="issuance_no_overlap"), transaction.atomic():
        Issuance.objects.create(
            org=badge.org,
            badge=badge,
            customer=first.customer,
            event_date=NOW,
            issued_on=NOW + timedelta(days=1),
            source="IMPORT",
        )
    born_expired = Issuance.objects.create(
        org=badge.org,
        badge=badge,
        customer=first.customer,
        event_date=NOW,
        issued_on=NOW,
        expires_on=NOW - timedelta(days=1),
        source="IMPORT",
    )
    assert born_expired.pk


def test_the_overlap_constraint_keys_its_index_by_the_customer_first():
    """Migration 0015: the same refusal, its GiST index ordered by the key with the most
    values (an import's inserts spent a fifth less in it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_constraintdef(oid) FROM pg_constraint "
            "WHERE conname = 'issuance_no_overlap'"
        )
        [definition] = cursor.fetchone()
    assert definition.startswith("EXCLUDE USING gist (customer_id WITH =, badge_id WITH =, ")
    assert definition.endswith("WHERE ((revoked_on IS NULL))")


def test_32_concurrent_issues_and_revocations_against_a_badge_limit_of_5_never_exceed_it():
    """Eight threads revoke issuances held at the limit while 24 issue: at no commit are more
    than 5 held, and afterwards exactly the freed places can still be filled."""
    badge = badge_with(badge_overall_limit=5)
    held = [issue_one(badge, f"held-{i}", f"held-{i}").issuance for i in range(5)]

    def work(i):
        if i < 8:
            if i < 5:
                return issuance_revoke(issuance=held[i], reason="returned", now=NOW)
            return issue_one(badge, f"held-{i - 5}", f"again-{i}")
        return issue_one(badge, f"c-{i}", f"r-{i}")

    results = run_concurrently(work, 32)
    assert not [r for r in results if isinstance(r, Exception)]
    assert Issuance.objects.filter(badge=badge, revoked_on__isnull=True).count() <= 5
    assert issued_count_recount(badge) == 0
    for n in range(10):
        issue_one(badge, f"late-{n}", f"late-{n}")
    assert Issuance.objects.filter(badge=badge, revoked_on__isnull=True).count() == 5


def test_a_recount_after_a_mixed_concurrent_run_matches_every_issued_count():
    """Single and bulk issues, revocations and writes around the services (as imports make
    them) on badges with and without badge-wide limits: every count is exact."""
    org = OrganizationFactory()
    limited = BadgeFactory(
        org=org,
        start_on=NOW - timedelta(days=5),
        expires_on=NOW + timedelta(days=20),
        badge_overall_limit=40,
    )
    windowed = BadgeFactory(
        org=org, start_on=NOW - timedelta(days=5), expires_on=NOW + timedelta(days=20)
    )
    windowed.rolling_limits.create(scope=LimitScope.BADGE, limit=30, value=1, unit="DAYS")
    open_badge = BadgeFactory(
        org=org, start_on=NOW - timedelta(days=5), expires_on=NOW + timedelta(days=20)
    )
    badges = [limited, windowed, open_badge]

    def work(i):
        badge = badges[i % 3]
        rng = random.Random(i)
        for step in range(6):
            customers = [f"c-{rng.randrange(40)}" for _ in range(rng.choice([1, 1, 5]))]
            issue(
                badge=badge,
                customer_ids=customers,
                order=IssueOrder(request_id=f"r-{i}-{step}"),
                now=NOW,
            )
            if step % 2:
                revoke_one_held(badge, NOW)
            if step == 3:
                with transaction.atomic():
                    IssuanceFactory(
                        badge=badge,
                        customer=CustomerFactory(org=org, customer_id=f"imported-{i}"),
                        issued_on=NOW - timedelta(days=40),
                        expires_on=NOW - timedelta(days=39),
                        source="IMPORT",
                    )
        return True

    results = run_concurrently(work, 12)
    assert results == [True] * 12
    for badge in badges:
        counted = Issuance.objects.filter(badge=badge, revoked_on__isnull=True).count()
        assert issued_count_read(badge) == counted
        assert issued_count_fold(badge) == counted
        assert issued_count_recount(badge) == 0
