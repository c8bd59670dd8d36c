"""Issued counts: the overall badge limit reads a kept count instead of the badge's history, and
badge-wide windows count only their span, never past their limit. Revoked issuances never
count; writes around the services (as imports make them) do."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from badges.models import Issuance, IssuedCount, IssuedCountChange, LimitScope
from badges.services.definitions import badge_create
from badges.services.issuance import IssueOrder, issuance_revoke, issue
from badges.services.issued_counts import (
    issued_count_fold,
    issued_count_held,
    issued_count_read,
    issued_count_recount,
)
from badges.values import Definition, Expiry
from tests.factories import (
    BadgeFactory,
    FixedWindowConfigFactory,
    IssuanceFactory,
    OrganizationFactory,
    RollingLimitFactory,
)

pytestmark = pytest.mark.django_db


def sept(day, hour=12) -> datetime:
    return datetime(2026, 9, day, hour, tzinfo=UTC)


@pytest.fixture
def org():
    return OrganizationFactory(timezone="UTC")


def september_badge(org, **fields):
    """Issuances last a day, so limits bite before overlaps."""
    return BadgeFactory(
        org=org, start_on=sept(1), expires_on=sept(30), issued_for_a_day=True, **fields
    )


def issue_to(badge, customers, now, request_id="r"):
    return issue(
        badge=badge,
        customer_ids=list(customers),
        order=IssueOrder(request_id=request_id),
        now=now,
    )


def codes(outcomes):
    return [o.refusal.code if o.refusal else o.status for o in outcomes]


def test_a_new_badge_starts_counting_at_zero(org):
    badge = badge_create(
        org=org,
        actor=None,
        now=sept(1),
        definition=Definition(
            name="Fresh",
            start_on=sept(2),
            expires_on=sept(30),
            issue_type="ISSUE",
            issue_expiry=Expiry(type="NEVER"),
            owners=("LOYALTY",),
        ),
    )
    assert IssuedCount.objects.get(badge=badge).issued == 0
    assert issued_count_read(badge) == 0


def test_issues_of_a_badge_without_badge_limits_append_changes_and_lock_nothing(org):
    badge = september_badge(org)
    issue_to(badge, ["a", "b", "c"], sept(2))
    assert list(IssuedCountChange.objects.filter(badge=badge).values_list("change", flat=True)) == [
        3
    ]
    assert not IssuedCount.objects.filter(badge=badge).exists()
    assert issued_count_read(badge) == 3


def test_issues_of_a_badge_with_an_overall_badge_limit_add_to_its_count(org):
    badge = september_badge(org, badge_overall_limit=10)
    issue_to(badge, ["a", "b"], sept(2), "first")
    issue_to(badge, ["c"], sept(2), "second")
    assert IssuedCount.objects.get(badge=badge).issued == 3
    assert not IssuedCountChange.objects.filter(badge=badge).exists()


def test_a_badge_made_around_the_services_starts_its_count_from_its_history(org):
    badge = september_badge(org, badge_overall_limit=3)
    IssuanceFactory(badge=badge, issued_on=sept(1), expires_on=sept(2))
    IssuanceFactory(badge=badge, issued_on=sept(1), expires_on=sept(2))
    assert codes(issue_to(badge, ["a", "b"], sept(2))) == ["ISSUED", "BADGE_LIMIT_REACHED"]
    assert issued_count_read(badge) == 3
    assert issued_count_recount(badge) == 0


def test_revoked_issuances_do_not_count_for_the_overall_badge_limit(org):
    badge = september_badge(org, badge_overall_limit=2)
    first, _ = issue_to(badge, ["a", "b"], sept(2))
    assert codes(issue_to(badge, ["c"], sept(2), "c1")) == ["BADGE_LIMIT_REACHED"]
    issuance_revoke(issuance=first.issuance, reason="returned", now=sept(2, 13))
    assert codes(issue_to(badge, ["c"], sept(2, 14), "c2")) == ["ISSUED"]
    assert codes(issue_to(badge, ["d"], sept(2, 14), "d1")) == ["BADGE_LIMIT_REACHED"]


def test_revoking_twice_changes_the_count_once(org):
    badge = september_badge(org, badge_overall_limit=5)
    [outcome] = issue_to(badge, ["a"], sept(2))
    issuance_revoke(issuance=outcome.issuance, reason="returned", now=sept(3))
    issuance_revoke(issuance=outcome.issuance, reason="again", now=sept(4))
    assert issued_count_read(badge) == 0


def test_revoked_issuances_do_not_count_for_a_badge_rolling_window(org):
    badge = september_badge(org)
    RollingLimitFactory(badge=badge, scope=LimitScope.BADGE, limit=2, value=1, unit="DAYS")
    first, _ = issue_to(badge, ["a", "b"], sept(2))
    issuance_revoke(issuance=first.issuance, reason="returned", now=sept(2, 13))
    assert codes(issue_to(badge, ["c", "d"], sept(2, 14), "again")) == [
        "ISSUED",
        "BADGE_LIMIT_REACHED",
    ]


def test_revoked_issuances_do_not_count_for_a_badge_fixed_window(org):
    badge = september_badge(org)
    FixedWindowConfigFactory(
        badge=badge,
        scope=LimitScope.BADGE,
        max_earn_limit=2,
        duration_type="DAYS",
        refresh_rate=7,
        starts_on=sept(1, 0),
    )
    first, _ = issue_to(badge, ["a", "b"], sept(2))
    issuance_revoke(issuance=first.issuance, reason="returned", now=sept(2, 13))
    assert codes(issue_to(badge, ["c", "d"], sept(2, 14), "again")) == [
        "ISSUED",
        "BADGE_LIMIT_REACHED",
    ]


def test_a_badge_window_over_its_limit_reopens_when_its_limit_th_newest_issuance_leaves(org):
    """Imports (or a lowered limit) can leave more in a window than its limit; it reopens when
    all but limit - 1 of them have left, and the refusal counts up to the limit only."""
    badge = september_badge(org)
    RollingLimitFactory(badge=badge, scope=LimitScope.BADGE, limit=2, value=1, unit="DAYS")
    for hour in (1, 2, 3, 4):
        IssuanceFactory(badge=badge, issued_on=sept(2, hour), expires_on=sept(2, hour + 1))
    [refused] = issue_to(badge, ["a"], sept(2, 12))
    assert refused.refusal.code == "BADGE_LIMIT_REACHED"
    assert refused.refusal.details["count"] == 2
    assert refused.refusal.details["next_eligible_at"] == sept(3, 3)
    assert codes(issue_to(badge, ["a"], sept(3, 3) - timedelta(microseconds=1), "b")) == [
        "BADGE_LIMIT_REACHED"
    ]
    assert codes(issue_to(badge, ["a"], sept(3, 3), "c")) == ["ISSUED"]


def test_a_badge_window_reads_no_more_rows_than_its_limit(org):
    badge = september_badge(org)
    RollingLimitFactory(badge=badge, scope=LimitScope.BADGE, limit=3, value=30, unit="DAYS")
    issued_on_sept_2(badge, 6)
    issued_count_fold(badge)
    with CaptureQueriesContext(connection) as queries:
        [refused] = issue_to(badge, ["a"], sept(3))
    assert refused.refusal.code == "BADGE_LIMIT_REACHED"
    counts = [q["sql"] for q in queries if "COUNT(*)" in q["sql"].upper()]
    assert counts and all("LIMIT 3" in sql for sql in counts), counts


def window_counts(queries, limit: int) -> list[str]:
    """The statements counting a window of ``limit`` (a count stops at the limit)."""
    return [
        q["sql"] for q in queries if "COUNT(*)" in q["sql"].upper() and f"LIMIT {limit}" in q["sql"]
    ]


def issued_on_sept_2(badge, count: int) -> None:
    """``count`` issuances of the badge on Sept 2, an hour each, written around the services."""
    for hour in range(count):
        IssuanceFactory(badge=badge, issued_on=sept(2, hour), expires_on=sept(2, hour + 1))


def badge_with_a_window_of_6(org, window: str, held: int):
    """A badge-wide rolling (30 days) or fixed (30-day cycles) window of 6, holding ``held``."""
    badge = september_badge(org)
    if window == "rolling":
        RollingLimitFactory(badge=badge, scope=LimitScope.BADGE, limit=6, value=30, unit="DAYS")
    else:
        FixedWindowConfigFactory(
            badge=badge, scope=LimitScope.BADGE, max_earn_limit=6, refresh_rate=30
        )
    issued_on_sept_2(badge, held)
    return badge


@pytest.mark.parametrize("window", ["rolling", "fixed"])
def test_a_badge_window_above_the_badges_whole_count_is_not_read(org, window):
    """A window holds some of the badge's issuances: with 4 in all (and this one), no window
    can reach 6, so none is counted, whatever its span."""
    badge = badge_with_a_window_of_6(org, window, held=4)
    with CaptureQueriesContext(connection) as queries:
        assert codes(issue_to(badge, ["a"], sept(3))) == ["ISSUED"]
    assert window_counts(queries, 6) == []


@pytest.mark.parametrize("window", ["rolling", "fixed"])
def test_a_badge_window_whose_limit_the_badge_could_reach_is_counted(org, window):
    """With 5 in all and this one, a window of 6 could be full: it is counted, and refuses when
    it is."""
    badge = badge_with_a_window_of_6(org, window, held=5)
    with CaptureQueriesContext(connection) as queries:
        assert codes(issue_to(badge, ["a", "b"], sept(3))) == ["ISSUED", "BADGE_LIMIT_REACHED"]
    assert window_counts(queries, 6)


def test_a_longer_badge_window_is_counted_after_a_shorter_one_the_badge_cannot_fill(org):
    """Windows are checked shortest first: a day of 10 the badge can't fill is skipped, and 30
    days of 3, which it has filled, still refuses."""
    badge = september_badge(org)
    RollingLimitFactory(badge=badge, scope=LimitScope.BADGE, limit=10, value=1, unit="DAYS")
    RollingLimitFactory(badge=badge, scope=LimitScope.BADGE, limit=3, value=30, unit="DAYS")
    issued_on_sept_2(badge, 3)
    [refused] = issue_to(badge, ["a"], sept(10))
    assert refused.refusal.code == "BADGE_LIMIT_REACHED"
    assert refused.refusal.details["window"] == {"value": 30, "unit": "DAYS"}


def test_a_bulk_issue_counts_a_window_once_its_own_issuances_could_fill_it(org):
    """The batch's issuances count with the badge's: 4 held and a batch of 3 against a window
    of 6 refuses the third."""
    badge = badge_with_a_window_of_6(org, "rolling", held=4)
    assert codes(issue_to(badge, ["a", "b", "c"], sept(3))) == [
        "ISSUED",
        "ISSUED",
        "BADGE_LIMIT_REACHED",
    ]


def test_a_fold_moves_pending_changes_into_the_count_without_changing_it(org):
    badge = september_badge(org)
    issue_to(badge, ["a", "b"], sept(2), "first")
    issue_to(badge, ["c"], sept(2), "second")
    assert issued_count_fold(badge) == 3
    assert not IssuedCountChange.objects.filter(badge=badge).exists()
    assert issued_count_read(badge) == 3
    assert issued_count_fold(badge) == 3


def test_a_recount_corrects_and_reports_drift(org):
    badge = september_badge(org, badge_overall_limit=10)
    issue_to(badge, ["a"], sept(2))
    stray = Issuance.objects.get()
    Issuance.objects.create(
        org=org,
        badge=badge,
        customer=stray.customer,
        event_date=sept(1),
        issued_on=sept(1),
        expires_on=sept(1, 13),
        source="IMPORT",
    )
    assert issued_count_recount(badge) == 1
    assert issued_count_recount(badge) == 0
    assert issued_count_read(badge) == 2


def test_the_held_count_includes_pending_changes(org):
    badge = september_badge(org)
    issue_to(badge, ["a", "b"], sept(2))
    assert issued_count_held(badge) == 2


NOW = datetime(2026, 9, 10, 12, tzinfo=UTC)


def badge_with(limits: str):
    badge = BadgeFactory(
        org=OrganizationFactory(),
        start_on=datetime(2026, 9, 1, tzinfo=UTC),
        expires_on=datetime(2026, 10, 1, tzinfo=UTC),
        badge_overall_limit=100 if limits == "badge overall" else None,
        customer_overall_limit=100 if limits == "customer overall" else None,
    )
    scope = LimitScope.BADGE if limits.startswith("badge") else LimitScope.CUSTOMER
    if limits.endswith("rolling"):
        RollingLimitFactory(badge=badge, scope=scope, limit=100, value=1, unit="DAYS")
    if limits.endswith("fixed window"):
        FixedWindowConfigFactory(badge=badge, scope=scope, max_earn_limit=100)
    return badge


@pytest.mark.parametrize(
    ("limits", "serialized"),
    [
        ("badge overall", True),
        ("badge rolling", True),
        ("badge fixed window", True),
        ("customer overall", False),
        ("customer rolling", False),
        ("customer fixed window", False),
        ("none", False),
    ],
)
def test_only_badges_with_badge_wide_limits_add_to_their_count_row_under_its_lock(
    limits, serialized
):
    badge = badge_with(limits)
    outcomes = issue(
        badge=badge, customer_ids=["a", "b"], order=IssueOrder(request_id="r"), now=NOW
    )
    assert [o.status for o in outcomes] == ["ISSUED", "ISSUED"]
    changes = IssuedCountChange.objects.filter(badge=badge).aggregate(n=Sum("change"))["n"]
    row = IssuedCount.objects.filter(badge=badge).values_list("issued", flat=True).first()
    if serialized:
        assert (row, changes) == (2, None)
    else:
        assert (row, changes) == (None, 2), "the count row is neither locked nor created"


def test_an_issue_that_issues_nothing_appends_no_change(org):
    badge = september_badge(org, is_active=False)
    assert codes(issue_to(badge, ["a"], sept(2))) == ["BADGE_INACTIVE"]
    assert not IssuedCountChange.objects.filter(badge=badge).exists()
