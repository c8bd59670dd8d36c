"""SPEC 3: every rule of a badge definition, through the definition service."""

import math
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from badges.exceptions import RuleViolation
from badges.models import Badge, BadgeChange, LimitScope
from badges.services.definitions import badge_create, badge_update
from badges.values import Benefit, Definition, Expiry, FixedWindow, LimitSet, RollingWindow
from tests.factories import BadgeFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 9, 20, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


def definition(**overrides) -> Definition:
    values = {
        "name": "Gold Shopper",
        "start_on": NOW + DAY,
        "expires_on": NOW + 30 * DAY,
        "issue_type": "ISSUE",
        "issue_expiry": Expiry(type="RELATIVE", value=2, unit="WEEKS"),
        "owners": ("LOYALTY",),
    }
    return Definition(**{**values, **overrides})


@pytest.fixture
def org():
    return OrganizationFactory()


@pytest.fixture
def actor():
    return UserFactory()


def create(org, actor, now=NOW, **overrides) -> Badge:
    return badge_create(org=org, actor=actor, now=now, definition=definition(**overrides))


def codes(error: pytest.ExceptionInfo) -> list[str]:
    return [v.code for v in error.value.violations]


def test_create_stores_every_field_with_audit(org, actor):
    badge = create(
        org,
        actor,
        description="Spend 500",
        issue_type="ENROL_ISSUE",
        enrolment_expiry=Expiry(type="RELATIVE", value=2, unit="DAYS"),
        benefits=(Benefit(type="POINTS", reference_id="P-1", name="100 points"),),
        customer_limit=LimitSet(overall=3, rolling=(RollingWindow(1, 1, "DAYS"),)),
        badge_limit=LimitSet(overall=10000),
    )
    badge.refresh_from_db()
    assert badge.description == "Spend 500"
    assert badge.enrolment_expiry == Expiry(type="RELATIVE", value=2, unit="DAYS")
    assert badge.issue_expiry == Expiry(type="RELATIVE", value=2, unit="WEEKS")
    assert [o.module for o in badge.owners.all()] == ["LOYALTY"]
    assert badge.benefits.get().reference_id == "P-1"
    assert badge.limit_set(LimitScope.CUSTOMER, NOW) == LimitSet(
        overall=3, rolling=(RollingWindow(1, 1, "DAYS"),)
    )
    assert badge.badge_overall_limit == 10000
    assert (badge.created_on, badge.created_by, badge.updated_by) == (NOW, actor, actor)
    assert badge.is_active
    assert badge.changes.get().action == BadgeChange.Action.CREATED


def test_status_is_derived_from_the_clock(org, actor):
    badge = create(org, actor)
    assert badge.status_at(NOW) == "upcoming"
    assert badge.status_at(badge.start_on) == "live"
    assert badge.status_at(badge.expires_on - timedelta(microseconds=1)) == "live"
    assert badge.status_at(badge.expires_on) == "ended"


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"name": "  "}, "NAME_REQUIRED"),
        ({"name": "x" * 101}, "NAME_TOO_LONG"),
        ({"description": "x" * 2001}, "DESCRIPTION_TOO_LONG"),
        ({"start_on": NOW}, "START_ON_NOT_IN_FUTURE"),
        ({"start_on": NOW - DAY}, "START_ON_NOT_IN_FUTURE"),
        ({"expires_on": NOW + DAY}, "EXPIRES_ON_NOT_AFTER_START"),
        ({"issue_type": "EARN"}, "ISSUE_TYPE_INVALID"),
        ({"issue_type": "ENROL_ISSUE"}, "ENROLMENT_EXPIRY_REQUIRED"),
        ({"enrolment_expiry": Expiry(type="BADGE_END")}, "ENROLMENT_EXPIRY_NOT_ALLOWED"),
        (
            {"issue_type": "ENROL_ISSUE", "enrolment_expiry": Expiry(type="NEVER")},
            "EXPIRY_TYPE_INVALID",
        ),
        ({"issue_expiry": None}, "ISSUE_EXPIRY_REQUIRED"),
        ({"issue_expiry": Expiry(type="RELATIVE", unit="DAYS")}, "EXPIRY_VALUE_INVALID"),
        ({"issue_expiry": Expiry(type="RELATIVE", value=0, unit="DAYS")}, "EXPIRY_VALUE_INVALID"),
        ({"issue_expiry": Expiry(type="RELATIVE", value=1)}, "EXPIRY_UNIT_INVALID"),
        ({"issue_expiry": Expiry(type="FIXED_DATE")}, "EXPIRY_DATE_REQUIRED"),
        ({"issue_expiry": Expiry(type="FIXED_DATE", date=NOW)}, "EXPIRY_DATE_NOT_AFTER_START"),
        ({"owners": ()}, "OWNER_REQUIRED"),
        ({"owners": ("LOYALTY", "MARKETING")}, "MODULE_INVALID"),
        ({"customer_limit": LimitSet(overall=0)}, "LIMIT_INVALID"),
        ({"badge_limit": LimitSet(rolling=(RollingWindow(0, 1, "DAYS"),))}, "LIMIT_INVALID"),
        (
            {"customer_limit": LimitSet(rolling=(RollingWindow(1, 2, "DAYS"),) * 2)},
            "ROLLING_WINDOW_DUPLICATE",
        ),
        (
            {"customer_limit": LimitSet(fixed_window=FixedWindow(0, "DAYS", 3))},
            "LIMIT_INVALID",
        ),
        (
            {"customer_limit": LimitSet(fixed_window=FixedWindow(1, "YEARS", 1))},
            "DURATION_TYPE_INVALID",
        ),
    ],
)
def test_create_refuses_a_broken_rule_and_writes_nothing(org, actor, overrides, code):
    with pytest.raises(RuleViolation) as error:
        create(org, actor, **overrides)
    assert code in codes(error)
    assert not Badge.objects.exists()


def test_create_reports_every_broken_rule_at_once(org, actor):
    with pytest.raises(RuleViolation) as error:
        create(org, actor, name="", start_on=NOW - DAY, owners=())
    assert set(codes(error)) >= {"NAME_REQUIRED", "START_ON_NOT_IN_FUTURE", "OWNER_REQUIRED"}
    assert {v.field for v in error.value.violations} >= {"name", "start_on", "owners"}


def test_name_is_unique_per_org_ignoring_case(org, actor):
    create(org, actor, name="Gold Shopper")
    with pytest.raises(RuleViolation) as error:
        create(org, actor, name="gold shopper")
    assert codes(error) == ["BADGE_NAME_TAKEN"]
    create(OrganizationFactory(), actor, name="Gold Shopper")
    assert Badge.objects.filter(name="Gold Shopper").count() == 2


def test_at_most_ten_benefits(org, actor):
    benefits = tuple(Benefit(type="POINTS", reference_id=f"P-{n}", name="pts") for n in range(11))
    with pytest.raises(RuleViolation) as error:
        create(org, actor, benefits=benefits)
    assert codes(error) == ["TOO_MANY_BENEFITS"]
    assert create(org, actor, benefits=benefits[:10]).benefits.count() == 10


def test_a_benefit_is_linked_once(org, actor):
    benefit = Benefit(type="COUPON", reference_id="C-1", name="10% off")
    with pytest.raises(RuleViolation) as error:
        create(org, actor, benefits=(benefit, benefit))
    assert codes(error) == ["BENEFIT_DUPLICATE"]


def test_benefit_details_cannot_hold_a_nul_character(org, actor):
    """PostgreSQL's jsonb refuses NUL anywhere; the rule refuses it on every database."""
    for details in ({"series": "a\x00b"}, {"k\x00": 1}, {"list": [["\x00"]]}):
        benefit = Benefit(type="COUPON", reference_id="C-1", name="10% off", details=details)
        with pytest.raises(RuleViolation) as error:
            create(org, actor, benefits=(benefit,))
        assert codes(error) == ["BENEFIT_DETAILS_INVALID"]


def test_benefit_details_cannot_hold_a_number_that_is_not_finite(org, actor):
    """JSON's 1e999 reads as infinity, which no database writes as JSON (a 500 before)."""
    for number in (math.inf, -math.inf, math.nan):
        benefit = Benefit(
            type="POINTS", reference_id="P-1", name="points", details={"rate": [number]}
        )
        with pytest.raises(RuleViolation) as error:
            create(org, actor, benefits=(benefit,))
        assert codes(error) == ["BENEFIT_DETAILS_INVALID"]
    # A finite number is taken (PostgreSQL's jsonb keeps it as a numeric: compared as one).
    finite = Benefit(type="POINTS", reference_id="P-1", name="points", details={"rate": 1e308})
    stored = create(org, actor, benefits=(finite,)).benefits.get().details
    assert float(stored["rate"]) == 1e308


def test_benefit_details_hold_no_lone_surrogate_and_nest_at_most_32_deep(org, actor):
    def nested(depth):
        value = 1
        for _ in range(depth):
            value = [value]
        return {"a": value}  # the object itself is a level

    for details in ({"a": "x\ud800"}, {"\udfff": 1}, nested(32), nested(5000)):
        benefit = Benefit(type="POINTS", reference_id="P-1", name="points", details=details)
        with pytest.raises(RuleViolation) as error:
            create(org, actor, benefits=(benefit,))
        assert codes(error) == ["BENEFIT_DETAILS_INVALID"]
    deepest = Benefit(type="POINTS", reference_id="P-1", name="points", details=nested(31))
    assert create(org, actor, benefits=(deepest,)).benefits.count() == 1


def test_an_end_in_a_repeated_dst_hour_after_its_start_is_after_it(org, actor):
    """01:30 BST then 01:30 GMT on 31 Oct 2027 in London: an hour apart, same wall clock."""
    london = ZoneInfo("Europe/London")
    start = datetime(2027, 10, 31, 0, 30, tzinfo=UTC).astimezone(london)
    end = datetime(2027, 10, 31, 1, 30, tzinfo=UTC).astimezone(london)
    assert start.replace(tzinfo=None) == end.replace(tzinfo=None)
    badge = create(org, actor, start_on=start, expires_on=end)
    assert badge.expires_on - badge.start_on == timedelta(hours=1)


def test_a_badge_end_enrolment_expiry_keeps_no_value_or_unit(org, actor):
    badge = create(
        org,
        actor,
        issue_type="ENROL_ISSUE",
        enrolment_expiry=Expiry(type="BADGE_END", value=5, unit="DAYS"),
    )
    assert (badge.enrolment_expiry_value, badge.enrolment_expiry_unit) == (None, "")


def test_zero_benefits_is_fine(org, actor):
    assert create(org, actor, benefits=()).benefits.count() == 0


def test_week_start_day_defaults_to_monday_and_only_applies_to_weeks(org, actor):
    badge = create(
        org,
        actor,
        customer_limit=LimitSet(fixed_window=FixedWindow(1, "WEEKS", 1)),
        badge_limit=LimitSet(fixed_window=FixedWindow(5, "DAYS", 1, week_start_day="FRIDAY")),
    )
    assert badge.limit_set(LimitScope.CUSTOMER, NOW).fixed_window.week_start_day == "MONDAY"
    assert badge.limit_set(LimitScope.BADGE, NOW).fixed_window.week_start_day is None


# Updates ------------------------------------------------------------------------------------


def test_upcoming_badge_start_can_move_to_another_future_time(org, actor):
    badge = create(org, actor)
    badge = badge_update(badge=badge, actor=actor, now=NOW, start_on=NOW + 2 * DAY)
    assert badge.start_on == NOW + 2 * DAY
    with pytest.raises(RuleViolation) as error:
        badge_update(badge=badge, actor=actor, now=NOW, start_on=NOW - DAY)
    assert codes(error) == ["START_ON_NOT_IN_FUTURE"]


def test_live_badge_start_is_frozen(org, actor):
    badge = create(org, actor)
    live = badge.start_on + DAY
    with pytest.raises(RuleViolation) as error:
        badge_update(badge=badge, actor=actor, now=live, start_on=live + DAY)
    assert codes(error) == ["START_ON_LOCKED"]
    badge_update(badge=badge, actor=actor, now=live, start_on=badge.start_on, name="Same start")
    badge.refresh_from_db()
    assert badge.name == "Same start"


def test_end_moves_while_live_but_not_into_the_past_nor_before_start(org, actor):
    badge = create(org, actor)
    live = badge.start_on + DAY
    badge = badge_update(badge=badge, actor=actor, now=live, expires_on=live + 60 * DAY)
    assert badge.expires_on == live + 60 * DAY
    badge = badge_update(badge=badge, actor=actor, now=live, expires_on=live + DAY)
    assert badge.expires_on == live + DAY
    with pytest.raises(RuleViolation) as error:
        badge_update(badge=badge, actor=actor, now=live, expires_on=live - timedelta(hours=1))
    assert codes(error) == ["EXPIRES_ON_IN_PAST"]
    with pytest.raises(RuleViolation) as error:
        badge_update(badge=badge, actor=actor, now=live, expires_on=badge.start_on)
    assert codes(error) == ["EXPIRES_ON_NOT_AFTER_START"]


def test_an_ended_badge_can_be_extended(org, actor):
    badge = create(org, actor)
    after_end = badge.expires_on + DAY
    badge = badge_update(badge=badge, actor=actor, now=after_end, expires_on=after_end + DAY)
    assert badge.status_at(after_end) == "live"


def test_issue_type_is_fixed_at_creation(org, actor):
    badge = create(org, actor)
    with pytest.raises(RuleViolation) as error:
        badge_update(
            badge=badge,
            actor=actor,
            now=NOW,
            issue_type="ENROL_ISSUE",
            enrolment_expiry=Expiry(type="BADGE_END"),
        )
    assert codes(error) == ["ISSUE_TYPE_FIXED"]


def test_owners_are_add_only(org, actor):
    badge = create(org, actor, owners=("LOYALTY",))
    badge = badge_update(badge=badge, actor=actor, now=NOW, owners=("LOYALTY", "CAMPAIGNS"))
    assert sorted(badge.owners.values_list("module", flat=True)) == ["CAMPAIGNS", "LOYALTY"]
    for owners in [("CAMPAIGNS",), ("JOURNEYS",)]:
        with pytest.raises(RuleViolation) as error:
            badge_update(badge=badge, actor=actor, now=NOW, owners=owners)
        assert codes(error) == ["OWNERS_ADD_ONLY"]


def test_renaming_to_another_badges_name_is_refused(org, actor):
    create(org, actor, name="Silver")
    badge = create(org, actor, name="Gold")
    with pytest.raises(RuleViolation) as error:
        badge_update(badge=badge, actor=actor, now=NOW, name="SILVER")
    assert codes(error) == ["BADGE_NAME_TAKEN"]
    assert badge_update(badge=badge, actor=actor, now=NOW, name="GOLD").name == "GOLD"


def test_update_records_what_changed_and_who(org, actor):
    badge = create(org, actor, name="Old")
    editor = UserFactory()
    later = NOW + timedelta(hours=1)
    badge = badge_update(badge=badge, actor=editor, now=later, name="New", description="d")
    change = badge.changes.first()
    assert change.action == BadgeChange.Action.UPDATED
    assert change.changes == {"name": ["Old", "New"], "description": ["", "d"]}
    assert (change.actor, change.changed_on) == (editor, later)
    assert (badge.updated_by, badge.updated_on) == (editor, later)


def test_update_without_change_writes_no_history(org, actor):
    badge = create(org, actor)
    badge_update(badge=badge, actor=actor, now=NOW, name=badge.name)
    assert badge.changes.count() == 1


def test_benefits_and_limits_are_replaced_on_update(org, actor):
    badge = create(
        org,
        actor,
        benefits=(Benefit(type="POINTS", reference_id="P-1", name="a"),),
        customer_limit=LimitSet(rolling=(RollingWindow(1, 1, "DAYS"),)),
    )
    badge = badge_update(
        badge=badge,
        actor=actor,
        now=NOW,
        benefits=(Benefit(type="COUPON", reference_id="C-1", name="b"),),
        customer_limit=LimitSet(overall=5, rolling=(RollingWindow(5, 1, "MONTHS"),)),
    )
    assert list(badge.benefits.values_list("reference_id", flat=True)) == ["C-1"]
    assert badge.limit_set(LimitScope.CUSTOMER, NOW) == LimitSet(
        overall=5, rolling=(RollingWindow(5, 1, "MONTHS"),)
    )


def test_update_refuses_and_keeps_the_badge_unchanged(org, actor):
    badge = create(org, actor, name="Keep")
    with pytest.raises(RuleViolation):
        badge_update(badge=badge, actor=actor, now=NOW, name="Changed", owners=())
    badge.refresh_from_db()
    assert badge.name == "Keep"
    assert badge.owners.count() == 1


def test_update_rejects_unknown_fields(org, actor):
    badge = BadgeFactory(org=org)
    with pytest.raises(TypeError):
        badge_update(badge=badge, actor=actor, now=NOW, is_active=False)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        (
            {"issue_expiry": Expiry(type="RELATIVE", value=1001, unit="MONTHS")},
            "EXPIRY_VALUE_INVALID",
        ),
        ({"customer_limit": LimitSet(overall=10**12)}, "LIMIT_INVALID"),
        ({"badge_limit": LimitSet(rolling=(RollingWindow(1, 10**6, "DAYS"),))}, "LIMIT_INVALID"),
        ({"customer_limit": LimitSet(fixed_window=FixedWindow(1, "DAYS", 10**6))}, "LIMIT_INVALID"),
        ({"expires_on": datetime(9999, 12, 31, tzinfo=UTC)}, "DATE_OUT_OF_RANGE"),
        (
            {"issue_expiry": Expiry(type="FIXED_DATE", date=datetime(9999, 1, 1, tzinfo=UTC))},
            "DATE_OUT_OF_RANGE",
        ),
    ],
)
def test_numbers_and_dates_have_sane_bounds(org, actor, overrides, code):
    with pytest.raises(RuleViolation) as error:
        create(org, actor, **overrides)
    assert code in codes(error)
