"""Targets (SPEC 12): matching events add to a customer's progress; reaching the target issues
the badge with the event date of the event that reached it, counted in event-date order
whatever the arrival order; TargetPeriodElapses closes a period."""

import os
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from badges.events.choices import EventType
from badges.events.models import TargetProgress
from badges.events.services.rules import rule_update
from badges.models import Issuance, IssuanceStatus, Notification
from tests.events.factories import body, processed, rule_for
from tests.factories import BadgeFactory

pytestmark = pytest.mark.django_db

GOLD = {"kind": "SUM", "field": "amount", "value": 500}


def outcome(event):
    [row] = event.outcomes.all()
    return row


def test_gold_shopper_purchases_totalling_500_issue_with_the_date_of_the_purchase_that_made_it():
    badge = BadgeFactory(name="Gold Shopper")
    rule = rule_for(badge, name="Gold Shopper", target=GOLD)
    start = badge.start_on
    first = processed(
        badge.org, body("p-1", event_date=start + timedelta(hours=1), payload={"amount": 200})
    )
    assert (outcome(first).result, outcome(first).code, outcome(first).message) == (
        "PROGRESS",
        "",
        "200 of 500",
    )
    assert (outcome(first).rule, outcome(first).badge, outcome(first).seen) == (rule, badge, None)
    assert (outcome(first).condition, outcome(first).target) == (None, GOLD)
    assert outcome(first).progress_total == 200 and outcome(first).progress_target == 500
    second = processed(
        badge.org,
        body(
            "p-2",
            event_date=start + timedelta(hours=2),
            reference="BILL-2",
            payload={"amount": 300},
        ),
    )
    issuance = Issuance.objects.get()
    assert (outcome(second).result, outcome(second).issuance) == ("ISSUED", issuance)
    assert outcome(second).seen is None  # no condition: nothing was looked at
    assert outcome(second).message == (
        "Target reached: issued with the event date of the event that reached it."
    )
    assert issuance.event_date == start + timedelta(hours=2)
    assert (issuance.source, issuance.triggered_by_reference) == ("EVENT", "BILL-2")
    progress = TargetProgress.objects.get()
    assert (progress.total, progress.count, progress.crossed_on, progress.issuance) == (
        500,
        2,
        issuance.event_date,
        issuance,
    )
    assert progress.rule == rule and progress.period_start == badge.start_on
    third = processed(
        badge.org, body("p-3", event_date=start + timedelta(hours=3), payload={"amount": 50})
    )
    assert (outcome(third).result, outcome(third).code) == ("PROGRESS", "TARGET_REACHED")
    assert outcome(third).message == "550 of 500 (reached before)"
    assert Issuance.objects.count() == 1


def test_one_short_of_a_count_target_is_progress_and_the_target_issues():
    badge = BadgeFactory()
    rule_for(badge, name="Three visits", target={"kind": "COUNT", "value": 3})
    for n in range(2):
        processed(badge.org, body(f"v-{n}"))
    assert not Issuance.objects.exists()
    assert TargetProgress.objects.get().count == 2
    processed(badge.org, body("v-2"))
    assert Issuance.objects.count() == 1


def test_only_matching_events_count():
    badge = BadgeFactory()
    rule_for(
        badge,
        condition={"field": "store", "op": "eq", "value": "S1"},
        target={"kind": "COUNT", "value": 2},
    )
    processed(badge.org, body("v-1", payload={"store": "S2"}))
    processed(badge.org, body("v-2", payload={"store": "S1"}))
    assert TargetProgress.objects.get().count == 1


def test_a_sum_needs_a_number_of_zero_or_more_in_its_field():
    badge = BadgeFactory()
    rule_for(badge, target=GOLD)
    assert outcome(processed(badge.org, body("a", payload={}))).code == "FIELD_MISSING"
    assert (
        outcome(processed(badge.org, body("b", payload={"amount": "x"}))).code == "FIELD_NOT_NUMBER"
    )
    assert (
        outcome(processed(badge.org, body("c", payload={"amount": -5}))).code == "FIELD_NOT_NUMBER"
    )
    assert not TargetProgress.objects.exists()


def test_events_dated_outside_the_badge_period_do_not_count():
    badge = BadgeFactory()
    rule_for(badge, target={"kind": "COUNT", "value": 1})
    before = processed(
        badge.org, body("early", event_date=badge.start_on - timedelta(microseconds=1))
    )
    assert (outcome(before).result, outcome(before).code) == (
        "SKIPPED",
        "EVENT_DATE_OUTSIDE_BADGE_PERIOD",
    )
    at_start = processed(badge.org, body("first-instant", event_date=badge.start_on))
    assert outcome(at_start).result == "ISSUED"


def test_a_late_event_dated_earlier_moves_the_crossing_to_where_date_order_puts_it():
    badge = BadgeFactory()
    rule_for(badge, target={"kind": "COUNT", "value": 2})
    start = badge.start_on
    processed(badge.org, body("d1", event_date=start + timedelta(hours=1)))
    processed(badge.org, body("d3", event_date=start + timedelta(hours=3)))
    first = Issuance.objects.get()
    assert first.event_date == start + timedelta(hours=3)
    late = processed(badge.org, body("d2", event_date=start + timedelta(hours=2)))
    first.refresh_from_db()
    assert first.status == IssuanceStatus.REVOKED and "recounted" in first.revoke_reason
    now_held = Issuance.objects.get(revoked_on__isnull=True)
    assert now_held.event_date == start + timedelta(hours=2)
    assert (outcome(late).result, outcome(late).issuance) == ("ISSUED", now_held)
    assert TargetProgress.objects.get().crossed_on == start + timedelta(hours=2)
    assert Notification.objects.filter(type="badge.revoked", issuance=first).exists()


def test_a_late_event_dated_after_the_crossing_changes_nothing_but_the_total():
    badge = BadgeFactory()
    rule_for(badge, target={"kind": "COUNT", "value": 2})
    start = badge.start_on
    for n in (1, 2, 4):
        processed(badge.org, body(f"d{n}", event_date=start + timedelta(hours=n)))
    processed(badge.org, body("d3", event_date=start + timedelta(hours=3)))
    assert Issuance.objects.get().event_date == start + timedelta(hours=2)
    assert TargetProgress.objects.get().count == 4


def test_target_period_elapses_closes_the_period_and_a_new_one_starts_at_its_instant():
    badge = BadgeFactory(issued_for_a_day=True)
    rule_for(badge, name="Two a period", target={"kind": "COUNT", "value": 2})
    start = badge.start_on
    processed(badge.org, body("a", event_date=start + timedelta(hours=1)))
    close = start + timedelta(hours=5)
    closed = processed(
        badge.org, body("close", event_type=EventType.TARGET_PERIOD_ELAPSES, event_date=close)
    )
    [row] = closed.outcomes.all()
    assert (row.kind, row.code, row.progress_total) == ("PERIOD_CLOSE", "PERIOD_CLOSED", 1)
    processed(badge.org, body("b", event_date=close))
    assert not Issuance.objects.exists()
    periods = list(TargetProgress.objects.order_by("period_start"))
    assert [(p.period_start, p.period_end, p.count) for p in periods] == [
        (start, close, 1),
        (close, None, 1),
    ]
    processed(badge.org, body("c", event_date=close + timedelta(hours=1)))
    assert Issuance.objects.get().event_date == close + timedelta(hours=1)


def test_a_close_for_another_program_leaves_the_target_open():
    badge = BadgeFactory()
    rule_for(badge, target={"kind": "COUNT", "value": 2}, program="Supermarket program")
    processed(badge.org, body("a"))
    processed(
        badge.org,
        body("close", event_type=EventType.TARGET_PERIOD_ELAPSES, payload={"program": "Pharmacy"}),
    )
    processed(badge.org, body("b"))
    assert Issuance.objects.count() == 1


def test_a_late_close_withdraws_a_crossing_date_order_would_not_have_reached():
    badge = BadgeFactory()
    rule_for(badge, target={"kind": "COUNT", "value": 2})
    start = badge.start_on
    processed(badge.org, body("a", event_date=start + timedelta(hours=1)))
    processed(badge.org, body("b", event_date=start + timedelta(hours=3)))
    assert Issuance.objects.filter(revoked_on__isnull=True).count() == 1
    processed(
        badge.org,
        body(
            "close",
            event_type=EventType.TARGET_PERIOD_ELAPSES,
            event_date=start + timedelta(hours=2),
        ),
    )
    assert not Issuance.objects.filter(revoked_on__isnull=True).exists()
    assert [p.count for p in TargetProgress.objects.order_by("period_start")] == [1, 1]


def test_a_refused_crossing_is_recorded_and_not_tried_again_by_later_events():
    badge = BadgeFactory(is_active=True)
    rule = rule_for(
        badge,
        condition={"field": "store", "op": "eq", "value": "S1"},
        target={"kind": "COUNT", "value": 1},
    )
    badge.is_active = False
    badge.save()
    refused = processed(badge.org, body("a", payload={"store": "S1"}))
    assert (outcome(refused).result, outcome(refused).code) == ("REFUSED", "BADGE_INACTIVE")
    assert outcome(refused).seen == {"field": "store", "present": True, "value": "S1"}
    assert (outcome(refused).rule, outcome(refused).badge, outcome(refused).condition) == (
        rule,
        badge,
        {"field": "store", "op": "eq", "value": "S1"},
    )
    progress = TargetProgress.objects.get(rule=rule)
    assert progress.refusal_code == "BADGE_INACTIVE" and progress.issuance is None
    badge.is_active = True
    badge.save()
    later = processed(badge.org, body("b", payload={"store": "S1"}))
    assert (outcome(later).result, outcome(later).code) == ("PROGRESS", "TARGET_REACHED")
    assert not Issuance.objects.exists()


# Any arrival order of one customer's events gives what date order gives -------------------

events_strategy = st.lists(
    st.tuples(
        st.integers(min_value=-2, max_value=60),  # hours after the badge starts (a few before)
        st.sampled_from([0, 50, 120, 200, 333]),  # the bill's amount
        st.sampled_from(["S1", "S2"]),  # the store: the count rule counts S1 only
    ),
    min_size=1,
    max_size=8,
)


def _state(badges) -> tuple:
    held = sorted(
        (str(i.badge_id), i.event_date, i.triggered_by_reference)
        for i in Issuance.objects.filter(badge__in=badges, revoked_on__isnull=True)
    )
    progress = sorted(
        (str(p.rule_id), p.period_start, p.total, p.count, p.crossed_on, p.issuance is not None)
        for p in TargetProgress.objects.filter(badge__in=badges)
    )
    return held, progress


def _run(org, badges, events, order, now) -> tuple:
    with transaction.atomic():
        for index in order:
            processed(org, events[index], now=now)
        state = _state(badges)
        transaction.set_rollback(True)
    return state


@pytest.fixture
def two_targets():
    gold = BadgeFactory(name="Gold Shopper", start_on=timezone.now() - timedelta(days=5))
    visits = BadgeFactory(org=gold.org, name="Regular", start_on=gold.start_on)
    rule_for(gold, name="Gold", target=GOLD)
    rule_for(
        visits,
        name="Three S1 visits",
        condition={"field": "store", "op": "eq", "value": "S1"},
        target={"kind": "COUNT", "value": 3},
    )
    return gold.org, [gold, visits]


@settings(
    max_examples=int(os.environ.get("PROPERTY_EXAMPLES", "100")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(events_strategy, st.randoms())
def test_any_arrival_order_gives_the_issuances_progress_and_crossing_dates_of_date_order(
    two_targets, raw, random
):
    org, badges = two_targets
    start, now = badges[0].start_on, timezone.now()
    events = [
        body(
            f"e{n}",
            event_date=start + timedelta(hours=hours, minutes=n),
            reference=f"BILL-{n}",
            payload={"amount": amount, "store": store},
        )
        for n, (hours, amount, store) in enumerate(raw)
    ]
    date_order = sorted(
        range(len(events)), key=lambda i: (events[i].event_date, events[i].event_id)
    )
    arrival = list(range(len(events)))
    random.shuffle(arrival)
    expected = _run(org, badges, events, date_order, now)
    assert _run(org, badges, events, arrival, now) == expected


def test_each_customer_has_their_own_progress_toward_the_same_target():
    badge = BadgeFactory()
    rule = rule_for(badge, target={"kind": "COUNT", "value": 2})
    processed(badge.org, body("a-1", customer_id="a"))
    processed(badge.org, body("b-1", customer_id="b"))
    assert not Issuance.objects.exists()
    assert sorted(TargetProgress.objects.filter(rule=rule).values_list("count", flat=True)) == [
        1,
        1,
    ]
    processed(badge.org, body("a-2", customer_id="a"))
    assert [i.customer.customer_id for i in Issuance.objects.all()] == ["a"]


def test_events_on_the_same_instant_count_in_event_id_order_whatever_comes_first():
    badge = BadgeFactory()
    rule_for(badge, target={"kind": "COUNT", "value": 1})
    when = badge.start_on + timedelta(hours=1)
    # Five customers, five events each on one instant, posted in reverse id order: only the
    # tie-break, not the order rows come back in, makes "a" the crossing for all of them.
    for customer in range(5):
        for letter in "edcba":
            processed(
                badge.org,
                body(
                    f"pos-{customer}-{letter}",
                    customer_id=f"c-{customer}",
                    event_date=when,
                    reference=f"BILL-{letter.upper()}",
                ),
            )
    held = Issuance.objects.filter(revoked_on__isnull=True)
    assert [i.triggered_by_reference for i in held] == ["BILL-A"] * 5


def test_an_event_at_the_badge_end_does_not_count():
    badge = BadgeFactory()
    rule_for(badge, target={"kind": "COUNT", "value": 1})
    end = badge.expires_on
    skipped = processed(badge.org, body("at-end", event_date=end), now=end)
    assert (outcome(skipped).code, outcome(skipped).seen) == (
        "EVENT_DATE_OUTSIDE_BADGE_PERIOD",
        None,
    )
    assert outcome(skipped).message == (
        "Only events dated in the badge's period count toward its target."
    )


def test_a_refused_crossing_moved_by_a_late_event_is_tried_at_the_new_crossing():
    badge = BadgeFactory()
    rule_for(badge, target={"kind": "COUNT", "value": 2})
    start = badge.start_on
    badge.is_active = False
    badge.save()
    processed(badge.org, body("d1", event_date=start + timedelta(hours=1)))
    processed(badge.org, body("d3", event_date=start + timedelta(hours=3)))
    assert TargetProgress.objects.get().refusal_code == "BADGE_INACTIVE"
    badge.is_active = True
    badge.save()
    late = processed(badge.org, body("d2", event_date=start + timedelta(hours=2)))
    progress = TargetProgress.objects.get()
    assert (outcome(late).result, progress.refusal_code, progress.refusal_message) == (
        "ISSUED",
        "",
        "",
    )
    assert Issuance.objects.get().event_date == start + timedelta(hours=2)


def test_a_close_closes_the_orgs_active_target_rules_of_its_program_in_name_order():
    badge = BadgeFactory()
    org = badge.org
    second = rule_for(badge, name="B visits", target={"kind": "COUNT", "value": 5})
    first = rule_for(badge, name="A spend", target={"kind": "SUM", "field": "amount", "value": 900})
    pharmacy = rule_for(
        badge, name="C pharmacy", target={"kind": "COUNT", "value": 5}, program="Pharmacy"
    )
    disabled = rule_for(badge, name="D disabled", target={"kind": "COUNT", "value": 5})
    rule_update(
        rule=disabled, changes={"is_active": False}, confirm_claim=False, now=timezone.now()
    )
    rule_for(badge, name="E no target")
    other_org_badge = BadgeFactory()
    rule_for(other_org_badge, name="F other org", target={"kind": "COUNT", "value": 5})
    processed(org, body("pos-1", payload={"amount": 300}))
    closed = processed(
        org,
        body(
            "close",
            event_type=EventType.TARGET_PERIOD_ELAPSES,
            payload={"program": "Supermarket program"},
        ),
    )
    rows = list(closed.outcomes.order_by("position"))
    assert [(r.rule, r.rule_name, r.action, r.badge, r.target) for r in rows] == [
        (first, "A spend", "ISSUE_BADGE", badge, first.target),
        (second, "B visits", "ISSUE_BADGE", badge, second.target),
    ]
    assert [(r.matched, r.result, r.code, r.progress_total, r.message) for r in rows] == [
        (True, "PROGRESS", "PERIOD_CLOSED", 300, "Period closed at 300 of 900."),
        (True, "PROGRESS", "PERIOD_CLOSED", 1, "Period closed at 1 of 5."),
    ]
    assert not TargetProgress.objects.filter(rule=pharmacy, period_end__isnull=False).exists()
    every = processed(org, body("close-all", event_type=EventType.TARGET_PERIOD_ELAPSES))
    assert [r.rule_name for r in every.outcomes.order_by("position")] == [
        "A spend",
        "B visits",
        "C pharmacy",
    ]
