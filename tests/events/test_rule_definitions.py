"""Workflow rules (SPEC 12): a live, active badge its module owns; the claim
(module, program, event type) confirmed, then added with the rule for good; a rule's identity
fixed once saved."""

from datetime import timedelta

import pytest
from django.utils import timezone

from badges.events.choices import EventType, RuleAction
from badges.events.models import Rule
from badges.events.services.rules import RuleDraft, rule_create, rule_delete, rule_update
from badges.exceptions import RuleViolation
from badges.models import BadgeClaim, Module
from tests.events.factories import body, processed, rule_for
from tests.factories import BadgeClaimFactory, BadgeFactory, BadgeOwnerFactory

pytestmark = pytest.mark.django_db


def draft(on_badge, **changes):
    values = {
        "name": "Gold Shopper on big bills",
        "module": "LOYALTY",
        "program": "Supermarket program",
        "event_type": "TransactionAdd",
        "action": "ISSUE_BADGE",
        "badge": on_badge,
        "condition": {"field": "amount", "op": "gte", "value": 500},
    }
    return RuleDraft(**{**values, **changes})


def codes(error) -> set[str]:
    return {v.code for v in error.value.violations}


def create(on_badge, confirm_claim=True, **changes):
    return rule_create(
        org=on_badge.org,
        draft=draft(on_badge, **changes),
        confirm_claim=confirm_claim,
        now=timezone.now(),
    )


def test_saving_a_rule_whose_claim_is_missing_needs_a_confirmation_and_writes_nothing():
    badge = BadgeFactory()
    with pytest.raises(RuleViolation) as error:
        create(badge, confirm_claim=False)
    assert codes(error) == {"CLAIM_CONFIRMATION_REQUIRED"}
    assert error.value.violations[0].field == "confirm_claim"
    assert not Rule.objects.exists() and not BadgeClaim.objects.exists()


def test_a_confirmed_rule_adds_its_claim_in_the_same_save():
    badge = BadgeFactory()
    rule = create(badge)
    claim = BadgeClaim.objects.get(badge=badge)
    assert (claim.module, claim.reference, claim.detail) == (
        "LOYALTY",
        "Supermarket program",
        "TransactionAdd",
    )
    assert Rule.objects.get() == rule


def test_a_rule_whose_claim_exists_needs_no_confirmation():
    badge = BadgeFactory()
    BadgeClaimFactory(badge=badge, reference="Supermarket program", detail="TransactionAdd")
    create(badge, confirm_claim=False)
    assert BadgeClaim.objects.filter(badge=badge).count() == 1


def test_a_claim_for_another_event_type_is_not_the_rules_claim():
    badge = BadgeFactory()
    BadgeClaimFactory(badge=badge, reference="Supermarket program", detail="ReturnBill")
    with pytest.raises(RuleViolation) as error:
        create(badge, confirm_claim=False)
    assert codes(error) == {"CLAIM_CONFIRMATION_REQUIRED"}


def test_a_broken_rule_adds_no_claim_even_confirmed():
    badge = BadgeFactory()
    with pytest.raises(RuleViolation):
        create(badge, name="")
    assert not BadgeClaim.objects.exists()


@pytest.mark.parametrize(
    "badge_kwargs",
    [{"upcoming": True}, {"ended": True}, {"is_active": False}],
    ids=["upcoming", "ended", "inactive"],
)
def test_only_live_active_badges_can_be_picked(badge_kwargs):
    badge = BadgeFactory(**badge_kwargs)
    with pytest.raises(RuleViolation) as error:
        create(badge)
    assert codes(error) == {"RULE_BADGE_NOT_ELIGIBLE"}


def test_only_badges_the_rules_module_owns_can_be_picked():
    badge = BadgeFactory()
    with pytest.raises(RuleViolation) as error:
        create(badge, module="CAMPAIGNS")
    assert codes(error) == {"RULE_BADGE_NOT_ELIGIBLE"}
    BadgeOwnerFactory(badge=badge, module=Module.CAMPAIGNS)
    assert create(badge, module="CAMPAIGNS").module == "CAMPAIGNS"


def test_a_badge_picked_at_its_last_live_instant_is_eligible_and_at_its_end_not():
    badge = BadgeFactory()
    end = badge.expires_on
    rule_create(
        org=badge.org, draft=draft(badge), confirm_claim=True, now=end - timedelta(microseconds=1)
    )
    with pytest.raises(RuleViolation) as error:
        rule_create(org=badge.org, draft=draft(badge, name="Other"), confirm_claim=True, now=end)
    assert "RULE_BADGE_NOT_ELIGIBLE" in codes(error)


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        ({"name": " "}, "RULE_NAME_INVALID"),
        ({"name": "x" * 101}, "RULE_NAME_INVALID"),
        ({"program": ""}, "PROGRAM_INVALID"),
        ({"program": "p" * 201}, "PROGRAM_INVALID"),
        ({"module": "POS"}, "MODULE_INVALID"),
        ({"event_type": "Purchase"}, "EVENT_TYPE_INVALID"),
        ({"event_type": "Behavioral"}, "EVENT_NAME_REQUIRED"),
        ({"event_name": "app_open"}, "EVENT_NAME_NOT_ALLOWED"),
        ({"action": "GIVE"}, "ACTION_INVALID"),
        ({"condition": {"field": "amount", "op": "gte"}}, "CONDITION_INVALID"),
        ({"target": {"kind": "AVG", "value": 1}}, "TARGET_INVALID"),
        ({"target": {"kind": "SUM", "value": 500}}, "TARGET_INVALID"),
        ({"target": {"kind": "COUNT", "value": 0}}, "TARGET_INVALID"),
        ({"target": {"kind": "COUNT", "value": 2.5}}, "TARGET_INVALID"),
        ({"target": {"kind": "COUNT", "field": "amount", "value": 2}}, "TARGET_INVALID"),
        ({"target": {"kind": "COUNT", "value": 2}, "action": "REVOKE_BADGE"}, "TARGET_NEEDS_ISSUE"),
        ({"badge": None}, "BADGE_REQUIRED"),
    ],
)
def test_each_broken_rule_field_has_its_code(changes, code):
    badge = BadgeFactory()
    with pytest.raises(RuleViolation) as error:
        create(badge, **changes)
    assert code in codes(error)


def test_rule_names_are_unique_per_org():
    badge = BadgeFactory()
    create(badge)
    with pytest.raises(RuleViolation) as error:
        create(badge)
    assert codes(error) == {"RULE_NAME_TAKEN"}
    other_org_badge = BadgeFactory()
    create(other_org_badge)


def test_a_behavioral_rule_names_its_event():
    badge = BadgeFactory()
    rule = create(badge, event_type=EventType.BEHAVIORAL, event_name=" app_open ")
    assert rule.event_name == "app_open"
    assert BadgeClaim.objects.get(badge=badge).detail == "Behavioral"


def test_targets_are_stored_and_read_back():
    badge = BadgeFactory()
    rule = create(badge, target={"kind": "SUM", "field": " amount ", "value": 500})
    rule.refresh_from_db()
    assert rule.target == {"kind": "SUM", "field": "amount", "value": 500}
    count = create(badge, name="Five visits", target={"kind": "COUNT", "value": 5})
    count.refresh_from_db()
    assert count.target == {"kind": "COUNT", "field": None, "value": 5}


def test_name_program_condition_and_activation_change_and_the_rest_is_fixed():
    badge = BadgeFactory()
    rule = create(badge)
    now = timezone.now()
    rule = rule_update(
        rule=rule,
        changes={
            "name": "Renamed",
            "condition": None,
            "is_active": False,
            "badge": badge,
            "action": RuleAction.ISSUE_BADGE,
            "target": None,
        },
        confirm_claim=False,
        now=now,
    )
    rule.refresh_from_db()
    assert (rule.name, rule.condition, rule.is_active) == ("Renamed", None, False)
    other = BadgeFactory(org=badge.org)
    with pytest.raises(RuleViolation) as error:
        rule_update(
            rule=rule,
            changes={
                "badge": other,
                "event_type": "ReturnBill",
                "target": {"kind": "COUNT", "value": 2},
            },
            confirm_claim=True,
            now=now,
        )
    assert codes(error) == {"RULE_FIELD_FIXED"}
    assert {v.field for v in error.value.violations} == {"badge", "event_type", "target"}


def test_a_new_program_is_a_new_claim_confirmed_like_the_first():
    badge = BadgeFactory()
    rule = create(badge)
    with pytest.raises(RuleViolation) as error:
        rule_update(
            rule=rule, changes={"program": "Pharmacy"}, confirm_claim=False, now=timezone.now()
        )
    assert codes(error) == {"CLAIM_CONFIRMATION_REQUIRED"}
    rule.refresh_from_db()
    assert rule.program == "Supermarket program"
    rule_update(rule=rule, changes={"program": "Pharmacy"}, confirm_claim=True, now=timezone.now())
    assert set(BadgeClaim.objects.values_list("reference", flat=True)) == {
        "Supermarket program",
        "Pharmacy",
    }


def test_deleting_a_rule_keeps_its_outcomes_and_what_it_issued():
    badge = BadgeFactory()
    rule = rule_for(badge)
    event = processed(badge.org, body("e-1", reference="BILL-1"))
    [outcome] = event.outcomes.all()
    rule_delete(rule=rule)
    outcome.refresh_from_db()
    assert outcome.rule is None
    assert (outcome.rule_name, outcome.result) == ("Big spender", "ISSUED")
    assert outcome.issuance.revoked_on is None
    assert BadgeClaim.objects.filter(badge=badge).exists()  # a claim is permanent
