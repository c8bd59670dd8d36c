"""SPEC 14: badge definitions imported with past dates (the future-start rule alone does not
apply), idempotent by their external id (DUPLICATE, nothing changed), refused with the codes of a
badge create, each on its own."""

import dataclasses
from datetime import UTC, datetime, timedelta

import pytest

from badges.exceptions import RuleViolation, Violation
from badges.imports.badge_rows import BadgeItem
from badges.imports.choices import MAX_API_BADGES, RowStatus
from badges.imports.services import definitions as imports
from badges.imports.services.earned import earned_badges_import
from badges.models import Badge, BadgeChange, BadgeStatus, FixedWindowConfig
from badges.services.definitions import badge_create
from badges.values import Benefit, Definition, Expiry, FixedWindow, LimitSet
from tests.factories import BadgeFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
BEFORE_2025 = datetime(2025, 1, 1, tzinfo=UTC)


def old_badge(**changes) -> Definition:
    """A badge of the old platform: it ran in 2025."""
    return dataclasses.replace(
        Definition(
            name="Summer 2025",
            start_on=datetime(2025, 6, 1, tzinfo=UTC),
            expires_on=datetime(2025, 9, 1, tzinfo=UTC),
            issue_type="ISSUE",
            issue_expiry=Expiry(type="RELATIVE", value=2, unit="WEEKS"),
            owners=("LOYALTY",),
        ),
        **changes,
    )


def imported(org, definition=None, external_id="old-1", actor=None):
    return imports.badge_import(
        org=org,
        actor=actor,
        now=NOW,
        external_id=external_id,
        definition=definition or old_badge(),
    )


def codes(violations) -> list[tuple[str, str]]:
    return [(v.field, v.code) for v in violations]


def test_a_badge_that_started_and_ended_in_the_past_is_imported(org_a, user_a):
    result = imported(org_a, actor=user_a)
    assert (result.status, result.violations, result.external_id) == (
        RowStatus.IMPORTED,
        (),
        "old-1",
    )
    badge = Badge.objects.get()
    assert result.badge == badge
    assert (badge.external_id, badge.start_on, badge.created_on, badge.created_by) == (
        "old-1",
        datetime(2025, 6, 1, tzinfo=UTC),
        NOW,
        user_a,
    )
    assert badge.status_at(NOW) == BadgeStatus.ENDED
    created = BadgeChange.objects.get(badge=badge)
    assert created.action == BadgeChange.Action.CREATED
    assert created.changes["external_id"] == "old-1"


def test_a_live_badge_with_limits_and_benefits_is_imported_whole(org_a):
    window = FixedWindow(max_earn_limit=2, duration_type="WEEKS", refresh_rate=1)
    result = imported(
        org_a,
        old_badge(
            expires_on=NOW + timedelta(days=30),
            benefits=(Benefit(type="POINTS", reference_id="P-1", name="100 points"),),
            customer_limit=LimitSet(overall=3, fixed_window=window),
        ),
    )
    assert result.status == RowStatus.IMPORTED
    badge = result.badge
    assert badge.status_at(NOW) == BadgeStatus.LIVE
    assert badge.benefits.get().reference_id == "P-1"
    config = FixedWindowConfig.objects.get(badge=badge)
    assert (config.starts_on, config.max_earn_limit) == (badge.start_on, 2)


def test_the_future_start_rule_still_holds_for_badges_not_imported(org_a):
    with pytest.raises(RuleViolation) as refused:
        badge_create(org=org_a, actor=None, now=NOW, definition=old_badge())
    assert codes(refused.value.violations) == [("start_on", "START_ON_NOT_IN_FUTURE")]


def test_a_re_run_answers_the_badge_imported_before_and_changes_nothing(org_a):
    first = imported(org_a)
    again = imported(org_a, old_badge(name="Renamed", description="changed"))
    assert (again.status, again.badge, again.violations) == (
        RowStatus.DUPLICATE,
        first.badge,
        (),
    )
    badge = Badge.objects.get()
    assert (badge.name, badge.description, badge.revision) == ("Summer 2025", "", 0)
    assert BadgeChange.objects.count() == 1


def test_an_external_id_is_read_trimmed_and_names_the_badge_for_earned_badges(org_a):
    result = imported(org_a, external_id="  old-7 ")
    assert (result.status, result.badge.external_id) == (RowStatus.IMPORTED, "old-7")
    assert imported(org_a, external_id="old-7").status == RowStatus.DUPLICATE
    [earned] = earned_badges_import(
        org=org_a,
        rows=[
            {
                "badge": "old-7",
                "customer_id": "c-1",
                "earn_event_date": "2025-07-01",
                "expires_on": "",
            }
        ],
        now=NOW,
    )
    assert earned.status == RowStatus.IMPORTED


def test_the_same_external_id_in_another_org_is_another_badge(org_a, org_b):
    BadgeFactory(org=org_b, external_id="old-1", name="Summer 2025")
    result = imported(org_a)
    assert result.status == RowStatus.IMPORTED
    assert result.badge.org == org_a


@pytest.mark.parametrize("external_id", [" \t", "x" * 256, "old\x00-1"])
def test_an_external_id_blank_too_long_or_holding_nul_is_invalid(org_a, external_id):
    result = imported(org_a, external_id=external_id)
    assert (result.status, codes(result.violations)) == (
        RowStatus.INVALID,
        [("external_id", "EXTERNAL_ID_INVALID")],
    )
    assert not Badge.objects.exists()


def test_without_an_external_id_a_second_import_is_refused_by_the_name(org_a):
    assert imported(org_a, external_id="").status == RowStatus.IMPORTED
    again = imported(org_a, external_id="")
    assert (again.status, codes(again.violations)) == (
        RowStatus.INVALID,
        [("name", "BADGE_NAME_TAKEN")],
    )


REFUSED = [
    old_badge(name=" "),
    old_badge(expires_on=datetime(2025, 5, 1, tzinfo=UTC)),
    old_badge(issue_type="ENROL_ISSUE"),
    old_badge(issue_expiry=Expiry(type="RELATIVE", value=0, unit="YEARS")),
    old_badge(owners=("LOYALTY", "NOPE")),
    old_badge(customer_limit=LimitSet(overall=0)),
    old_badge(benefits=(Benefit(type="POINTS", reference_id="P", name="P"),) * 2),
    old_badge(rank=2_000_000_000, description="x" * 2001),
    old_badge(
        start_on=datetime(9000, 1, 1, tzinfo=UTC), expires_on=datetime(9001, 1, 1, tzinfo=UTC)
    ),
]


@pytest.mark.parametrize("definition", REFUSED)
def test_an_invalid_definition_answers_the_codes_of_a_badge_create(org_a, definition):
    """A badge create made before the definition's start refuses it with exactly these codes
    (an import only lifts the future-start rule)."""
    result = imported(org_a, definition)
    assert result.status == RowStatus.INVALID and result.badge is None
    with pytest.raises(RuleViolation) as refused:
        badge_create(org=org_a, actor=None, now=BEFORE_2025, definition=definition)
    assert codes(result.violations) == codes(refused.value.violations)
    assert not Badge.objects.exists()


def test_a_lost_race_on_the_external_id_answers_the_badge_that_won(org_a, monkeypatch):
    winner = BadgeFactory(org=org_a, external_id="old-1", name="Imported elsewhere")
    looked = []
    real = imports._imported_before

    def missed_once(org, external_id):
        looked.append(external_id)
        return None if len(looked) == 1 else real(org, external_id)

    monkeypatch.setattr(imports, "_imported_before", missed_once)
    result = imported(org_a)
    assert (result.status, result.badge) == (RowStatus.DUPLICATE, winner)
    assert Badge.objects.count() == 1


def item(definition=None, external_id="", violations=()) -> BadgeItem:
    return BadgeItem(external_id, definition, tuple(violations))


def batch(org, items, dry_run=False):
    return imports.badges_import(org=org, actor=None, now=NOW, items=items, dry_run=dry_run)


def test_one_refusal_in_a_batch_blocks_no_other(org_a):
    results = batch(
        org_a,
        [
            item(old_badge(name="A"), "a"),
            item(old_badge(name="B", owners=()), "b"),
            item(old_badge(name="A"), "c"),
            item(old_badge(name="C"), "a"),
            item(old_badge(name="D"), "d"),
        ],
    )
    assert [r.status for r in results] == [
        RowStatus.IMPORTED,
        RowStatus.INVALID,
        RowStatus.INVALID,
        RowStatus.DUPLICATE,
        RowStatus.IMPORTED,
    ]
    assert codes(results[2].violations) == [("name", "BADGE_NAME_TAKEN")]
    assert results[3].badge == results[0].badge
    assert sorted(Badge.objects.values_list("external_id", flat=True)) == ["a", "d"]


def test_an_unreadable_item_is_invalid_unless_its_external_id_was_imported(org_a):
    imported(org_a, external_id="old-1")
    unreadable = [Violation("REQUIRED", "This field is required.", "name")]
    results = batch(
        org_a,
        [
            item(None, "old-1", unreadable),
            item(None, "old-2", unreadable),
            item(None, " ", unreadable),
        ],
    )
    assert [(r.status, codes(r.violations)) for r in results] == [
        (RowStatus.DUPLICATE, []),
        (RowStatus.INVALID, [("name", "REQUIRED")]),
        (RowStatus.INVALID, [("external_id", "EXTERNAL_ID_INVALID"), ("name", "REQUIRED")]),
    ]


def test_a_batch_holds_1_to_1000_definitions(org_a):
    with pytest.raises(RuleViolation) as refused:
        batch(org_a, [])
    assert codes(refused.value.violations) == [("badges", "ROWS_REQUIRED")]
    with pytest.raises(RuleViolation) as refused:
        batch(org_a, [item(old_badge())] * (MAX_API_BADGES + 1))
    assert codes(refused.value.violations) == [("badges", "TOO_MANY_ROWS")]
    assert not Badge.objects.exists()


def test_a_dry_run_writes_nothing_and_answers_no_id_for_what_it_would_create(org_a):
    before = imported(org_a, external_id="old-1")
    results = batch(
        org_a,
        [
            item(old_badge(name="New"), "old-2"),
            item(old_badge(), "old-1"),
            item(old_badge(), ""),
            item(old_badge(name="New again"), "old-2"),
        ],
        dry_run=True,
    )
    assert [(r.status, r.badge) for r in results] == [
        (RowStatus.IMPORTED, None),
        (RowStatus.DUPLICATE, before.badge),
        (RowStatus.INVALID, None),
        (RowStatus.DUPLICATE, None),  # meets the badge the first item would create
    ]
    assert codes(results[2].violations) == [("name", "BADGE_NAME_TAKEN")]
    assert list(Badge.objects.values_list("external_id", flat=True)) == ["old-1"]
