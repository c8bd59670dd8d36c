"""SPEC 6 and 16: the cycle-rollover job persists what the clock already says (UPCOMING configs
promoted, ACTIVE ones expired), records the current and next cycles, and is safe to run twice at
once and to re-run; limit checks never wait for it."""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import connection, transaction

from badges.models import Badge, FixedWindowConfig, FixedWindowCycle
from badges.services import fixed_windows
from badges.services.definitions import badge_create, badge_update
from badges.services.fixed_windows import RolloverRun, fixed_windows_roll_over_all
from badges.services.issuance import IssueOrder, issue
from badges.tasks import roll_over_fixed_windows
from badges.values import Definition, Expiry, FixedWindow, LimitSet
from tests.concurrency import run_concurrently
from tests.factories import OrganizationFactory, UserFactory

CREATED = datetime(2026, 9, 20, 12, tzinfo=UTC)
LIVE = datetime(2026, 10, 7, 9, tzinfo=UTC)  # in the 5-day cycle Oct 6-10
SWITCH = datetime(2026, 10, 11, tzinfo=UTC)  # the 7-day config starts


def oct_(day: int) -> datetime:
    return datetime(2026, 10, day, tzinfo=UTC)


def make_badge():
    """Oct 1 - Nov 1 (UTC), customer limit 1 per 5 days; on Oct 7 switched to 1 per 7 days."""
    badge = badge_create(
        org=OrganizationFactory(timezone="UTC"),
        actor=UserFactory(),
        now=CREATED,
        definition=Definition(
            name="Five-day shopper",
            start_on=oct_(1),
            expires_on=datetime(2026, 11, 1, tzinfo=UTC),
            issue_type="ISSUE",
            issue_expiry=Expiry(type="FIXED_DATE", date=oct_(2)),
            owners=("LOYALTY",),
            customer_limit=LimitSet(fixed_window=FixedWindow(1, "DAYS", 5)),
        ),
    )
    return badge_update(
        badge=badge,
        actor=None,
        now=LIVE,
        customer_limit=LimitSet(fixed_window=FixedWindow(1, "DAYS", 7)),
    )


def stored() -> list[tuple[int, str]]:
    return list(
        FixedWindowConfig.objects.order_by("starts_on").values_list("refresh_rate", "status")
    )


def cycles() -> list[tuple[int, datetime, datetime | None]]:
    return list(
        FixedWindowCycle.objects.order_by("config__starts_on", "starts_on").values_list(
            "config__refresh_rate", "starts_on", "ends_on"
        )
    )


@pytest.mark.django_db
def test_a_definition_change_persists_the_statuses_it_is_based_on():
    make_badge()
    assert stored() == [(5, "ACTIVE"), (7, "UPCOMING")]


@pytest.mark.django_db
def test_the_job_promotes_the_upcoming_config_and_expires_the_active_one():
    make_badge()
    run = fixed_windows_roll_over_all(clock=lambda: SWITCH - timedelta(microseconds=1))
    assert run == RolloverRun(rolled=1)
    assert stored() == [(5, "ACTIVE"), (7, "UPCOMING")]
    fixed_windows_roll_over_all(clock=lambda: SWITCH)
    assert stored() == [(5, "EXPIRED"), (7, "ACTIVE")]


@pytest.mark.django_db
def test_the_job_records_the_current_and_next_cycles():
    make_badge()
    fixed_windows_roll_over_all(clock=lambda: LIVE)
    assert cycles() == [
        (5, oct_(1), oct_(6)),
        (5, oct_(6), oct_(11)),
        (7, oct_(11), oct_(18)),
    ], "the 5-day config has no cycle after Oct 11: the 7-day config takes over"
    fixed_windows_roll_over_all(clock=lambda: oct_(26))
    assert cycles() == [
        (5, oct_(1), oct_(6)),
        (5, oct_(6), oct_(11)),
        (7, oct_(11), oct_(18)),
        (7, oct_(25), datetime(2026, 11, 1, tzinfo=UTC)),
    ], "cycles that have begun stay as history; the last one ends with the badge"


@pytest.mark.django_db
def test_a_removed_window_keeps_its_history_cut_at_the_removal():
    badge = make_badge()
    fixed_windows_roll_over_all(clock=lambda: LIVE)
    removal = LIVE + timedelta(hours=1)
    badge_update(badge=badge, actor=None, now=removal, customer_limit=LimitSet())
    assert stored() == [(5, "EXPIRED")]
    assert cycles() == [(5, oct_(1), oct_(6)), (5, oct_(6), removal)]


@pytest.mark.django_db
def test_running_the_job_again_writes_nothing(django_assert_max_num_queries):
    make_badge()
    fixed_windows_roll_over_all(clock=lambda: LIVE)
    before = (stored(), cycles())
    # badge ids, savepoint, lock and read, configs, each config's
    # recorded cycles, release
    with django_assert_max_num_queries(8) as captured:
        fixed_windows_roll_over_all(clock=lambda: LIVE)
    writes = [q["sql"] for q in captured.captured_queries if q["sql"].startswith(WRITES)]
    assert writes == []
    assert (stored(), cycles()) == before


WRITES = ("INSERT", "UPDATE", "DELETE")


@pytest.mark.django_db
def test_limit_checks_do_not_wait_for_the_job():
    """The job never ran: the 7-day config applies from Oct 11 all the same."""
    badge = make_badge()
    order = IssueOrder(request_id="r-1", event_date=oct_(11))
    [first] = issue(badge=badge, customer_ids=["c-1"], order=order, now=oct_(12))
    order = IssueOrder(request_id="r-2", event_date=oct_(16))
    [second] = issue(badge=badge, customer_ids=["c-1"], order=order, now=oct_(17))
    assert (first.status, second.refusal.code) == ("ISSUED", "CUSTOMER_LIMIT_REACHED")
    assert second.refusal.details["cycle"] == {"start": oct_(11), "end": oct_(18)}
    assert stored() == [(5, "ACTIVE"), (7, "UPCOMING")], "nothing was persisted meanwhile"


@pytest.mark.django_db
def test_the_command_and_the_task_run_the_job(capsys):
    make_badge()
    with time_machine.travel(SWITCH, tick=False):
        call_command("roll_over_fixed_windows")
        assert "on 1 badge(s)" in capsys.readouterr().out
        assert stored() == [(5, "EXPIRED"), (7, "ACTIVE")]
    with time_machine.travel(datetime(2026, 11, 1, tzinfo=UTC), tick=False):
        assert roll_over_fixed_windows.delay().get() == {"rolled": 1, "busy": 0, "failed": 0}
        assert stored() == [(5, "EXPIRED"), (7, "EXPIRED")], "its cycles ended with the badge"
        assert roll_over_fixed_windows.delay().get()["rolled"] == 0, "nothing is left to do"


@pytest.mark.django_db
def test_a_badge_that_fails_stops_no_other_and_the_run_says_so(monkeypatch, caplog):
    first, second = make_badge(), make_badge()
    original = fixed_windows.fixed_windows_roll_over

    def roll_over(*, badge, now):
        if badge.pk == first.pk:
            raise RuntimeError("boom")
        original(badge=badge, now=now)

    monkeypatch.setattr(fixed_windows, "fixed_windows_roll_over", roll_over)
    run = fixed_windows_roll_over_all(clock=lambda: SWITCH)
    assert run == RolloverRun(rolled=1, failed=1)
    assert f"failed for badge {first.pk}" in caplog.text
    assert second.fixed_window_configs.get(refresh_rate=7).status == "ACTIVE"
    with pytest.raises(CommandError, match="1 badge"):
        call_command("roll_over_fixed_windows")


def test_the_job_is_on_the_beat_schedule_every_15_minutes():
    entry = settings.CELERY_BEAT_SCHEDULE["fixed-window-rollover"]
    assert entry["task"] == roll_over_fixed_windows.name
    assert entry["schedule"].minute == set(range(0, 60, 15))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_jobs_at_once_roll_over_each_badge_once():
    for _ in range(3):
        make_badge()
    results = run_concurrently(lambda i: fixed_windows_roll_over_all(clock=lambda: SWITCH), 4)
    assert all(isinstance(r, RolloverRun) and r.failed == r.busy == 0 for r in results), results
    statuses = sorted(FixedWindowConfig.objects.values_list("refresh_rate", "status"))
    assert statuses == [(5, "EXPIRED")] * 3 + [(7, "ACTIVE")] * 3
    assert FixedWindowCycle.objects.filter(config__refresh_rate=7).count() == 6


@pytest.mark.django_db
def test_a_clock_behind_the_last_change_weighs_the_configs_as_of_that_change():
    """Seen from Sep 30 both configs would be UPCOMING; the 7-day one was made on Oct 7, so a
    lagging host (or request) sees them as of Oct 7 and breaks no constraint."""
    make_badge()
    run = fixed_windows_roll_over_all(clock=lambda: oct_(1) - timedelta(minutes=1))
    assert run == RolloverRun(rolled=1)
    assert stored() == [(5, "ACTIVE"), (7, "UPCOMING")]


@pytest.mark.django_db
def test_a_badge_deleted_meanwhile_is_skipped():
    badge = make_badge()
    assert fixed_windows.badge_locked(badge.pk) is not None
    badge_id = badge.pk
    badge.delete()
    assert fixed_windows.badge_locked(badge_id) is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_badge_locked_longer_than_the_lock_timeout_is_left_for_the_next_run():
    held, released = make_badge(), threading.Event()
    other = make_badge()
    locked = threading.Event()

    def hold_lock(i):
        if i == 0:
            with transaction.atomic():
                Badge.objects.select_for_update().get(pk=held.pk)
                locked.set()
                released.wait(timeout=10)
            return None
        locked.wait(timeout=10)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '200ms'")
        try:
            return fixed_windows_roll_over_all(clock=lambda: SWITCH)
        finally:
            released.set()

    _, run = run_concurrently(hold_lock, 2)
    assert run == RolloverRun(rolled=1, busy=1)
    assert other.fixed_window_configs.get(refresh_rate=7).status == "ACTIVE"
    assert held.fixed_window_configs.get(refresh_rate=7).status == "UPCOMING"
