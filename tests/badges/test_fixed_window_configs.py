"""SPEC 6 (seed 004): fixed-window configs as a badge definition keeps them, and their cycles."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from badges.cycles import Cycle, cycle_at
from badges.models import FixedWindowConfig, FixedWindowStatus, LimitScope
from badges.selectors import fixed_window_states
from badges.services.definitions import badge_create, badge_update
from badges.values import Definition, Expiry, FixedWindow, LimitSet
from badges.windows import config_status
from tests.factories import (
    BadgeFactory,
    FixedWindowConfigFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

UTC_TZ = ZoneInfo("UTC")
NOW = datetime(2026, 9, 20, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
EVERY_5_DAYS = FixedWindow(max_earn_limit=10, duration_type="DAYS", refresh_rate=5)


def statuses(badge, now) -> list[tuple[str, int, str]]:
    configs = list(FixedWindowConfig.objects.filter(badge=badge).order_by("starts_on"))
    return [(c.duration_type, c.refresh_rate, config_status(c, configs, now)) for c in configs]


@pytest.fixture
def badge():
    """Starts Oct 1 00:00 UTC, ends Nov 1; customer limit 10 per 5 days."""
    return badge_create(
        org=OrganizationFactory(),
        actor=UserFactory(),
        now=NOW,
        definition=Definition(
            name="Weekly shopper",
            start_on=datetime(2026, 10, 1, tzinfo=UTC),
            expires_on=datetime(2026, 11, 1, tzinfo=UTC),
            issue_type="ISSUE",
            issue_expiry=Expiry(type="BADGE_END"),
            owners=("LOYALTY",),
            customer_limit=LimitSet(fixed_window=EVERY_5_DAYS),
        ),
    )


def set_window(badge, window, now):
    return badge_update(
        badge=badge, actor=None, now=now, customer_limit=LimitSet(fixed_window=window)
    )


def test_upcoming_badge_keeps_a_single_upcoming_config_replaced_on_every_update(badge):
    assert statuses(badge, NOW) == [("DAYS", 5, "UPCOMING")]
    set_window(badge, FixedWindow(1, "WEEKS", 1), NOW)
    set_window(badge, FixedWindow(1, "DAYS", 7), NOW)
    assert statuses(badge, NOW) == [("DAYS", 7, "UPCOMING")]
    assert FixedWindowConfig.objects.get().starts_on == badge.start_on


def test_upcoming_config_moves_with_the_badge_start(badge):
    badge = badge_update(badge=badge, actor=None, now=NOW, start_on=badge.start_on + DAY)
    assert FixedWindowConfig.objects.get().starts_on == badge.start_on


def test_config_is_active_once_the_badge_is_live_without_any_job(badge):
    assert statuses(badge, badge.start_on + timedelta(hours=1)) == [("DAYS", 5, "ACTIVE")]


def test_live_cycle_change_adds_an_upcoming_config_from_the_current_cycle_end(badge):
    live = datetime(2026, 10, 7, 9, 0, tzinfo=UTC)  # in the cycle Oct 6-10
    set_window(badge, FixedWindow(10, "DAYS", 7), live)
    assert statuses(badge, live) == [("DAYS", 5, "ACTIVE"), ("DAYS", 7, "UPCOMING")]
    upcoming = FixedWindowConfig.objects.order_by("starts_on").last()
    assert upcoming.starts_on == datetime(2026, 10, 11, tzinfo=UTC)
    assert statuses(badge, upcoming.starts_on) == [("DAYS", 5, "EXPIRED"), ("DAYS", 7, "ACTIVE")]


def test_a_second_live_cycle_change_replaces_the_upcoming_config_only(badge):
    live = datetime(2026, 10, 7, 9, 0, tzinfo=UTC)
    set_window(badge, FixedWindow(10, "DAYS", 7), live)
    set_window(badge, FixedWindow(1, "WEEKS", 1, week_start_day="TUESDAY"), live)
    assert statuses(badge, live) == [("DAYS", 5, "ACTIVE"), ("WEEKS", 1, "UPCOMING")]
    set_window(badge, FixedWindow(1, "MONTHS", 1), live)
    assert statuses(badge, live) == [("DAYS", 5, "ACTIVE"), ("MONTHS", 1, "UPCOMING")]


def test_limit_only_change_updates_the_config_in_place(badge):
    live = datetime(2026, 10, 7, 9, 0, tzinfo=UTC)
    config = FixedWindowConfig.objects.get()
    set_window(badge, FixedWindow(3, "DAYS", 5), live)
    config.refresh_from_db()
    assert (FixedWindowConfig.objects.count(), config.max_earn_limit) == (1, 3)


def test_returning_to_the_active_cycles_drops_the_upcoming_config(badge):
    live = datetime(2026, 10, 7, 9, 0, tzinfo=UTC)
    set_window(badge, FixedWindow(10, "DAYS", 7), live)
    set_window(badge, FixedWindow(4, "DAYS", 5), live)
    assert statuses(badge, live) == [("DAYS", 5, "ACTIVE")]
    assert FixedWindowConfig.objects.get().max_earn_limit == 4


def test_removing_the_fixed_window_while_live_expires_it_now(badge):
    live = datetime(2026, 10, 7, 9, 0, tzinfo=UTC)
    badge = set_window(badge, None, live)
    assert statuses(badge, live) == [("DAYS", 5, "EXPIRED")]
    assert badge.limit_set(LimitScope.CUSTOMER, live).fixed_window is None


def test_a_window_added_to_an_ended_badge_has_expired_with_its_cycles(badge):
    """Its cycles ended with the badge; it still governs retro issues (see the API tests)."""
    ended = datetime(2026, 11, 5, tzinfo=UTC)
    set_window(badge, None, badge.start_on + DAY)
    set_window(badge, FixedWindow(1, "WEEKS", 1), ended)
    added = FixedWindowConfig.objects.order_by("starts_on", "created_on").last()
    assert (added.starts_on, added.ended_on) == (badge.start_on, None), "the whole period"
    assert statuses(badge, ended)[-1] == ("WEEKS", 1, "EXPIRED")


def test_removing_the_window_then_adding_it_again_restores_it(badge):
    """Also on an ended badge, where the configs are weighed at the end of the badge's cycles."""
    ended = datetime(2026, 11, 5, tzinfo=UTC)
    set_window(badge, None, ended)
    badge = set_window(badge, EVERY_5_DAYS, ended + DAY)
    assert badge.limit_set(LimitScope.CUSTOMER, ended + DAY).fixed_window == EVERY_5_DAYS
    in_force = FixedWindowConfig.objects.filter(ended_on__isnull=True)
    assert [(c.starts_on, c.refresh_rate) for c in in_force] == [(badge.start_on, 5)]


def test_a_window_added_to_a_badge_that_never_had_one_covers_the_whole_period(badge):
    live = datetime(2026, 10, 7, 9, 0, tzinfo=UTC)
    badge = badge_update(
        badge=badge, actor=None, now=live, badge_limit=LimitSet(fixed_window=EVERY_5_DAYS)
    )
    added = FixedWindowConfig.objects.get(scope=LimitScope.BADGE)
    assert (added.starts_on, added.status) == (badge.start_on, "ACTIVE")


def test_an_ended_badges_cycle_change_is_upcoming(badge):
    ended = datetime(2026, 11, 5, 9, tzinfo=UTC)
    set_window(badge, FixedWindow(10, "DAYS", 7), ended)
    assert statuses(badge, ended) == [("DAYS", 5, "EXPIRED"), ("DAYS", 7, "UPCOMING")]
    upcoming = FixedWindowConfig.objects.order_by("starts_on").last()
    assert upcoming.starts_on == datetime(2026, 11, 10, tzinfo=UTC), "as if 5-day cycles ran on"


def test_a_config_shows_its_end_and_its_current_and_next_cycles(badge):
    """Upcoming: no current cycle, its first as the next. Live on Oct 7: the cycle Oct 6-10 and
    the next, Oct 11-15; either way it ends with the badge."""
    [upcoming] = fixed_window_states(badge=badge, now=NOW)
    assert (upcoming.status, upcoming.ends_on) == ("UPCOMING", badge.expires_on)
    assert upcoming.current_cycle is None
    assert upcoming.next_cycle == Cycle(start=OCT[0], end=OCT[5])
    [live] = fixed_window_states(badge=badge, now=datetime(2026, 10, 7, 9, 0, tzinfo=UTC))
    assert (live.status, live.ends_on) == ("ACTIVE", badge.expires_on)
    assert live.current_cycle == Cycle(start=OCT[5], end=OCT[10])
    assert live.next_cycle == Cycle(start=OCT[10], end=OCT[15])


@pytest.mark.parametrize(
    ("issue_type", "issue_expiry_type", "cycles_end_with_the_badge"),
    [
        ("ISSUE", "NEVER", False),
        ("ENROL_ISSUE", "NEVER", True),
        ("ISSUE", "BADGE_END", True),
    ],
)
def test_cycles_end_with_the_badge_except_for_issue_badges_that_never_expire(
    issue_type, issue_expiry_type, cycles_end_with_the_badge
):
    badge = BadgeFactory(
        enrol_issue=issue_type == "ENROL_ISSUE",
        issue_expiry_type=issue_expiry_type,
        start_on=OCT[0],
        expires_on=OCT[13],
    )
    FixedWindowConfigFactory(badge=badge, duration_type="DAYS", refresh_rate=5)
    [state] = fixed_window_states(badge=badge, now=OCT[11])
    assert state.ends_on == (OCT[13] if cycles_end_with_the_badge else None)
    assert state.current_cycle == Cycle(
        start=OCT[10], end=OCT[13] if cycles_end_with_the_badge else OCT[15]
    )


def test_at_most_one_active_and_one_upcoming_config(badge):
    moments = [datetime(2026, 10, d, 9, tzinfo=UTC) for d in (2, 3, 12, 14, 20)]
    windows = [FixedWindow(1, "DAYS", n) for n in (2, 3, 4, 6, 2)]
    for moment, window in zip(moments, windows, strict=True):
        set_window(badge, window, moment)
        found = [status for *_, status in statuses(badge, moment)]
        assert found.count(FixedWindowStatus.ACTIVE) == 1
        assert found.count(FixedWindowStatus.UPCOMING) <= 1


# Cycle arithmetic (worked example of seeds 002/003) -----------------------------------------

OCT = [datetime(2026, 10, d, tzinfo=UTC) for d in range(1, 32)]


def test_two_every_three_days_cycles_of_an_october_badge():
    window = FixedWindow(2, "DAYS", 3)
    start, end = OCT[0], datetime(2026, 10, 16, tzinfo=UTC)
    cycles = []
    instant = start
    while cycle := cycle_at(instant, window=window, starts_on=start, until=end, tz=UTC_TZ):
        cycles.append((cycle.start.day, (cycle.end - timedelta(seconds=1)).day))
        instant = cycle.end
    assert cycles == [(1, 3), (4, 6), (7, 9), (10, 12), (13, 15)]
    eleventh = datetime(2026, 10, 11, 18, 20, tzinfo=UTC)
    assert cycle_at(eleventh, window=window, starts_on=start, until=end, tz=UTC_TZ) == Cycle(
        start=OCT[9], end=OCT[12]
    )


def test_week_cycles_start_on_the_week_start_day_in_the_org_timezone():
    kolkata = ZoneInfo("Asia/Kolkata")
    window = FixedWindow(1, "WEEKS", 1, week_start_day="TUESDAY")
    start = datetime(2026, 10, 1, tzinfo=kolkata)  # a Thursday
    cycle = cycle_at(
        datetime(2026, 10, 8, 12, tzinfo=kolkata),
        window=window,
        starts_on=start,
        until=None,
        tz=kolkata,
    )
    assert cycle == Cycle(
        start=datetime(2026, 10, 6, tzinfo=kolkata), end=datetime(2026, 10, 13, tzinfo=kolkata)
    )


def test_month_cycles_start_on_the_first_and_end_at_the_badge_end():
    window = FixedWindow(1, "MONTHS", 2)
    start, end = datetime(2026, 10, 15, tzinfo=UTC), datetime(2027, 1, 10, tzinfo=UTC)
    first = cycle_at(start, window=window, starts_on=start, until=end, tz=UTC_TZ)
    assert first == Cycle(start=start, end=datetime(2026, 12, 1, tzinfo=UTC))
    last = cycle_at(first.end, window=window, starts_on=start, until=end, tz=UTC_TZ)
    assert last == Cycle(start=first.end, end=end)
    assert cycle_at(end, window=window, starts_on=start, until=end, tz=UTC_TZ) is None


@pytest.fixture
def configs_begun_after_the_end(badge):
    """While its issues never expired, the ended badge took two cycle changes: weekly cycles
    from Nov 5 (the end of the 5-day cycle Oct 31-Nov 4), then 7-day cycles from Nov 16 (the
    end of the week Nov 9-15). Then its issues expire with it again: its cycles end Nov 1, and
    a change is weighed against the 5-day config, in force at that end."""
    badge = badge_update(badge=badge, actor=None, now=NOW, issue_expiry=Expiry(type="NEVER"))
    set_window(badge, FixedWindow(10, "WEEKS", 1, "MONDAY"), datetime(2026, 11, 3, tzinfo=UTC))
    set_window(badge, FixedWindow(10, "DAYS", 7), datetime(2026, 11, 10, tzinfo=UTC))
    return badge_update(
        badge=badge,
        actor=None,
        now=datetime(2026, 11, 12, tzinfo=UTC),
        issue_expiry=Expiry(type="BADGE_END"),
    )


@pytest.mark.parametrize(
    "window",
    [
        FixedWindow(3, "WEEKS", 1, "MONDAY"),  # the cycles of the config begun Nov 5
        FixedWindow(3, "MONTHS", 1),  # cycles no config has
        FixedWindow(3, "DAYS", 5),  # the cycles of the config in force at the end
    ],
)
def test_a_change_weighed_at_the_badge_end_reads_back_as_written_past_configs_begun_after_it(
    configs_begun_after_the_end, window
):
    """The configs begun after the badge's cycles ended govern nothing: the change ends them,
    keeps one UPCOMING config at most, and the limit set reads back as written."""
    now = datetime(2026, 11, 12, 9, tzinfo=UTC)
    badge = set_window(configs_begun_after_the_end, window, now)
    assert badge.limit_set(LimitScope.CUSTOMER, now).fixed_window == window
    found = [status for *_, status in statuses(badge, now)]
    assert found.count(FixedWindowStatus.ACTIVE) == 0
    assert found.count(FixedWindowStatus.UPCOMING) <= 1
    begun = FixedWindowConfig.objects.filter(starts_on__range=(badge.expires_on, now))
    assert [c.ended_on for c in begun] == [now], "begun Nov 5 under the old expiry: ended"
