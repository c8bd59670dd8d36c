"""Properties of the fixed-window config lifecycle (SPEC 6) under any sequence of definition
changes (fixed window, badge end, issue expiry) and rollover runs, from before the badge starts
to after it ends:

- no step breaks a database constraint (one ACTIVE and one UPCOMING config per limit set);
- what a change writes is what the badge reads back as its fixed window;
- a rollover run stores the statuses every read derives from the clock;
- a cycle change never cuts a running cycle: the new config starts on a cycle boundary;
- every event date is governed by at most one config, whose cycle holds it.
"""

import os
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from badges.cycles import WEEKDAY_NUMBER, cycle_at
from badges.exceptions import RuleViolation
from badges.models import FixedWindowConfig, FixedWindowStatus, LimitScope
from badges.services.definitions import badge_create, badge_update
from badges.services.fixed_windows import fixed_windows_roll_over
from badges.values import Definition, Expiry, FixedWindow, LimitSet
from badges.windows import config_cycle_at, config_ends_on, config_in_force, config_states
from tests.factories import OrganizationFactory

CREATED = datetime(2026, 9, 20, 12, tzinfo=UTC)
START = datetime(2026, 10, 1, tzinfo=UTC)
END = datetime(2026, 11, 1, tzinfo=UTC)
SCOPE = LimitScope.CUSTOMER

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
steps = st.lists(
    st.tuples(
        st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=8)),
        st.one_of(
            st.tuples(st.just("window"), windows),
            st.tuples(
                st.just("expires_on"),
                st.timedeltas(min_value=timedelta(hours=1), max_value=timedelta(days=40)),
            ),
            st.tuples(st.just("issue_expiry"), st.sampled_from(["NEVER", "BADGE_END"])),
            st.tuples(st.just("job"), st.just(None)),
        ),
    ),
    min_size=1,
    max_size=10,
)


def normalised(window: FixedWindow | None) -> FixedWindow | None:
    if window is None or window.duration_type == "WEEKS":
        return window
    return FixedWindow(window.max_earn_limit, window.duration_type, window.refresh_rate)


def configs_of(badge) -> list[FixedWindowConfig]:
    return list(FixedWindowConfig.objects.filter(badge=badge).select_related("badge__org"))


@pytest.mark.django_db
@settings(
    max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "300")) // 5,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    zone=st.sampled_from(["UTC", "Europe/London", "Asia/Kolkata", "America/Sao_Paulo"]),
    first=windows,
    steps=steps,
    probes=st.lists(
        st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=60)), max_size=8
    ),
)
def test_any_sequence_of_changes_keeps_the_lifecycle_sound(zone, first, steps, probes):
    badge = badge_create(
        org=OrganizationFactory(timezone=zone),
        actor=None,
        now=CREATED,
        definition=Definition(
            name="Property badge",
            start_on=START,
            expires_on=END,
            issue_type="ISSUE",
            issue_expiry=Expiry(type="BADGE_END"),
            owners=("LOYALTY",),
            customer_limit=LimitSet(fixed_window=first),
        ),
    )
    tz = badge.org.tzinfo
    now = START - timedelta(days=3)
    for gap, (kind, value) in steps:
        now += gap
        before = configs_of(badge)
        if kind == "window":
            badge = badge_update(
                badge=badge, actor=None, now=now, customer_limit=LimitSet(fixed_window=value)
            )
            assert badge.limit_set(SCOPE, now).fixed_window == normalised(value)
        elif kind == "job":
            fixed_windows_roll_over(badge=badge, now=now)
            configs = configs_of(badge)
            assert {c.pk: c.status for c in configs} == {
                s.config.pk: s.status for s in config_states(configs, now)
            }, "the job stores the statuses reads derive"
        else:
            changes = (
                {"expires_on": now + value}
                if kind == "expires_on"
                else {"issue_expiry": Expiry(type=value)}
            )
            try:
                badge = badge_update(badge=badge, actor=None, now=now, **changes)
            except RuleViolation:
                continue  # e.g. an end before the start: refused, nothing written

        configs = configs_of(badge)
        found = [s.status for s in config_states(configs, now)]
        assert found.count(FixedWindowStatus.ACTIVE) <= 1
        assert found.count(FixedWindowStatus.UPCOMING) <= 1
        for config in configs:
            if now < START or config.pk in {c.pk for c in before} or config.starts_on <= now:
                continue
            until = None if badge.issue_expiry_type == "NEVER" else badge.expires_on
            weighed_at = now if until is None or now < until else until - timedelta(microseconds=1)
            live = [c for c in before if not c.has_ended(now)]
            predecessor = config_in_force(live, SCOPE, weighed_at, now)
            if predecessor is not None:
                boundary = cycle_at(
                    config.starts_on - timedelta(microseconds=1),
                    window=predecessor.as_value(),
                    starts_on=predecessor.starts_on,
                    until=None,
                    tz=tz,
                )
                assert boundary.end == config.starts_on, "a running cycle is never cut"

    configs = configs_of(badge)
    for offset in probes:
        event_date = START + offset
        config = config_in_force(configs, SCOPE, event_date, now)
        if config is None:
            continue
        ends_on = config_ends_on(config, configs)
        governing = config_cycle_at(config, configs, event_date)
        if ends_on is not None and event_date >= ends_on:
            assert governing is None, "past its end a config governs nothing"
            continue
        assert governing is not None and event_date in governing
        assert config.starts_on <= governing.start
        assert ends_on is None or governing.end <= ends_on
