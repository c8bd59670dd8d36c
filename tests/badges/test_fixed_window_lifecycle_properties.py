"""Properties of the fixed-window config lifecycle (SPEC 6) under any sequence of definition
changes: the rollover persists what the clock says, a cycle change never cuts a running cycle,
and every event date is governed by at most one config whose cycle holds it."""

import os
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from badges.cycles import WEEKDAY_NUMBER, cycle_at
from badges.models import FixedWindowConfig, FixedWindowStatus, LimitScope
from badges.services.definitions import Definition, badge_create, badge_update
from badges.services.fixed_windows import (
    config_cycle_at,
    config_in_force,
    config_states,
    cycles_until,
    fixed_windows_roll_over,
)
from badges.values import Expiry, FixedWindow, LimitSet
from tests.factories import OrganizationFactory

CREATED = datetime(2026, 9, 20, 12, tzinfo=UTC)
START = datetime(2026, 10, 1, tzinfo=UTC)
END = datetime(2026, 11, 1, tzinfo=UTC)

windows = st.one_of(
    st.none(),
    st.builds(
        FixedWindow,
        max_earn_limit=st.integers(1, 3),
        duration_type=st.sampled_from(["DAYS", "WEEKS", "MONTHS"]),
        refresh_rate=st.integers(1, 4),
        week_start_day=st.sampled_from(list(WEEKDAY_NUMBER)),
    ),
)
changes = st.lists(
    st.tuples(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=50)), windows),
    min_size=1,
    max_size=6,
).map(lambda found: sorted(found, key=lambda change: change[0]))


@pytest.mark.django_db
@settings(
    max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "300")) // 6,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    zone=st.sampled_from(["UTC", "Europe/London", "Asia/Kolkata", "America/Sao_Paulo"]),
    never_expires=st.booleans(),
    first=windows,
    changes=changes,
    probes=st.lists(
        st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)), max_size=8
    ),
)
def test_any_sequence_of_changes_keeps_the_lifecycle_sound(
    zone, never_expires, first, changes, probes
):
    badge = badge_create(
        org=OrganizationFactory(timezone=zone),
        actor=None,
        now=CREATED,
        definition=Definition(
            name="Property badge",
            start_on=START,
            expires_on=END,
            issue_type="ISSUE",
            issue_expiry=Expiry(type="NEVER" if never_expires else "BADGE_END"),
            owners=("LOYALTY",),
            customer_limit=LimitSet(fixed_window=first),
        ),
    )
    tz = badge.org.tzinfo
    for offset, window in changes:
        now = START + offset
        before = list(FixedWindowConfig.objects.filter(badge=badge))
        badge = badge_update(
            badge=badge, actor=None, now=now, customer_limit=LimitSet(fixed_window=window)
        )
        fixed_windows_roll_over(badge=badge, now=now)  # what the job does for this badge
        configs = list(FixedWindowConfig.objects.filter(badge=badge).select_related("badge__org"))
        states = config_states(configs, now)

        assert [c.status for c in sorted(configs, key=lambda c: c.starts_on)] == [
            s.status for s in states
        ], "the job persists the derived statuses"
        found = [s.status for s in states]
        assert found.count(FixedWindowStatus.ACTIVE) <= 1
        assert found.count(FixedWindowStatus.UPCOMING) <= 1

        until = cycles_until(badge)
        for config in configs:
            if now < START or config.pk in {c.pk for c in before} or config.starts_on <= now:
                continue
            weighed_at = config.starts_on if until is None else min(config.starts_on, until)
            predecessor = config_in_force(
                before, LimitScope.CUSTOMER, weighed_at - timedelta(microseconds=1)
            )
            if predecessor is not None:
                boundary = cycle_at(
                    config.starts_on - timedelta(microseconds=1),
                    window=predecessor.as_value(),
                    starts_on=predecessor.starts_on,
                    until=None,
                    tz=tz,
                )
                assert boundary.end == config.starts_on, "a running cycle is never cut"

    configs = list(FixedWindowConfig.objects.filter(badge=badge).select_related("badge__org"))
    until = cycles_until(badge)
    for offset in probes:
        instant = START + offset
        config = config_in_force(configs, LimitScope.CUSTOMER, instant)
        if config is None or (until is not None and instant >= until):
            continue
        governing = config_cycle_at(config, configs, instant)
        assert governing is not None and instant in governing
