"""Pure: a target's periods and crossings in event-date order, whatever the arrival order
(SPEC 12)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from badges.events.targets import Contribution, period_at, periods

T0 = datetime(2026, 10, 1, tzinfo=UTC)


def c(hours: float, amount, event_id: str = "") -> Contribution:
    return Contribution(T0 + timedelta(hours=hours), event_id or f"e{hours}", Decimal(amount))


def test_gold_shopper_crosses_on_the_purchase_that_makes_500():
    # Seeds' "Gold Shopper": purchases totalling 500 between Oct 1 and 30.
    made = [c(24, 200), c(48, 250), c(72, 100), c(96, 300)]
    [period] = periods(made, [], Decimal(500))
    assert period.total == 850
    assert period.crossing == made[2]


def test_a_total_one_below_the_target_has_no_crossing_and_exactly_the_target_has():
    assert periods([c(1, "499.99")], [], Decimal(500))[0].crossing is None
    assert periods([c(1, "500.00")], [], Decimal(500))[0].crossing is not None


def test_ties_on_the_event_date_break_by_event_id():
    first, second = c(5, 1, "b-event"), c(5, 1, "a-event")
    [period] = periods([first, second], [], Decimal(1))
    assert period.crossing == second


def test_a_close_splits_the_periods_half_open_at_its_instant():
    made = [c(1, 1), c(10, 1), c(20, 1)]
    first, after = periods(made, [T0 + timedelta(hours=10)], Decimal(2))
    assert (first.count, after.count) == (1, 2)
    assert first.end == after.start == T0 + timedelta(hours=10)
    assert first.crossing is None
    assert after.crossing == made[2]


def test_period_at_finds_the_period_an_instant_is_in():
    close = T0 + timedelta(hours=10)
    all_periods = periods([], [close], Decimal(1))
    assert period_at(all_periods, close - timedelta(microseconds=1)) is all_periods[0]
    assert period_at(all_periods, close) is all_periods[1]


contribution_lists = st.lists(
    st.tuples(
        st.integers(min_value=0, max_value=200),
        st.integers(min_value=0, max_value=5),
        st.sampled_from(["a", "b", "c", "d"]),
    ),
    max_size=12,
    unique_by=lambda t: (t[0], t[2]),
)


@given(
    contribution_lists, st.lists(st.integers(min_value=0, max_value=200), max_size=3), st.randoms()
)
def test_any_order_of_contributions_gives_the_same_periods(raw, close_hours, random):
    made = [c(hours, amount, f"{name}{hours}") for hours, amount, name in raw]
    closes = [T0 + timedelta(hours=h) for h in close_hours]
    shuffled = list(made)
    random.shuffle(shuffled)
    expected = periods(made, closes, Decimal(5))
    got = periods(shuffled, list(reversed(closes)), Decimal(5))
    assert [(p.start, p.total, p.crossing) for p in got] == [
        (p.start, p.total, p.crossing) for p in expected
    ]
