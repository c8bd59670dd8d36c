"""Revocation on returns (SPEC 12): with the org's revoke_on_return on, a full ReturnBill revokes
what the original bill's events issued, a ReturnTargetCompleted what the named target issued; a
partial return revokes nothing, and with the setting off nothing is revoked."""

import pytest

from badges.events.choices import EventType
from badges.models import Issuance, Notification
from tests.events.factories import body, processed, rule_for
from tests.factories import BadgeFactory, OrganizationFactory

pytestmark = pytest.mark.django_db


def full_return(event_id="ret-1", original="BILL-7781", customer_id="c-42"):
    return body(
        event_id,
        customer_id=customer_id,
        event_type=EventType.RETURN_BILL,
        reference="RET-1",
        payload={"return_type": "FULL", "original_reference": original},
    )


def partial_return(event_id="ret-1", original="BILL-7781"):
    return body(
        event_id,
        event_type=EventType.RETURN_BILL,
        payload={"return_type": "PARTIAL", "original_reference": original, "amount": 100},
    )


def target_returned(event_id, rule):
    return body(
        event_id, event_type=EventType.RETURN_TARGET_COMPLETED, payload={"rule": str(rule.pk)}
    )


@pytest.fixture
def bill_issued():
    org = OrganizationFactory(revoke_on_return=True)
    badge = BadgeFactory(org=org, name="Big Spender")
    rule_for(badge)
    processed(org, body("pos-7781", reference="BILL-7781", payload={"amount": 600}))
    return org, Issuance.objects.get()


def returns(event):
    return [(o.kind, o.result, o.code, o.issuance) for o in event.outcomes.order_by("position")]


def test_a_full_return_revokes_what_the_bill_issued_and_queues_badge_revoked(bill_issued):
    org, issuance = bill_issued
    event = processed(org, full_return())
    issuance.refresh_from_db()
    assert issuance.revoked_on is not None and "BILL-7781" in issuance.revoke_reason
    assert returns(event) == [("RETURN", "REVOKED", "", issuance)]
    [outcome] = event.outcomes.all()
    assert (outcome.badge, outcome.message) == (issuance.badge, "Bill BILL-7781 returned.")
    assert issuance.revoke_reason == "Bill BILL-7781 returned (event ret-1)"
    assert Notification.objects.filter(type="badge.revoked", issuance=issuance).exists()


def test_a_partial_return_revokes_nothing(bill_issued):
    org, issuance = bill_issued
    event = processed(org, partial_return())
    issuance.refresh_from_db()
    assert issuance.revoked_on is None
    assert returns(event) == [("RETURN", "SKIPPED", "PARTIAL_RETURN", None)]


@pytest.mark.parametrize("make", [full_return, partial_return], ids=["full", "partial"])
def test_with_the_setting_off_no_return_revokes(bill_issued, make):
    org, issuance = bill_issued
    org.revoke_on_return = False
    org.save()
    event = processed(org, make())
    issuance.refresh_from_db()
    assert issuance.revoked_on is None
    assert returns(event) == [("RETURN", "SKIPPED", "REVOKE_ON_RETURN_OFF", None)]
    assert event.outcomes.get().message == (
        "The org does not revoke badges on returns (revoke_on_return)."
    )


def test_a_full_return_of_another_bill_or_customer_revokes_nothing(bill_issued):
    org, issuance = bill_issued
    other_bill = processed(org, full_return("ret-1", original="BILL-1"))
    other_customer = processed(org, full_return("ret-2", customer_id="c-7"))
    issuance.refresh_from_db()
    assert issuance.revoked_on is None
    assert returns(other_bill)[0][2] == returns(other_customer)[0][2] == "NOTHING_TO_REVOKE"
    assert other_bill.outcomes.get().message == "No badge issued for it is held unrevoked."


def test_returning_a_bill_twice_revokes_once(bill_issued):
    org, _ = bill_issued
    processed(org, full_return("ret-1"))
    again = processed(org, full_return("ret-2"))
    assert returns(again)[0][2] == "NOTHING_TO_REVOKE"
    assert Notification.objects.filter(type="badge.revoked").count() == 1


def test_a_full_return_leaves_target_issuances_to_return_target_completed():
    org = OrganizationFactory(revoke_on_return=True)
    badge = BadgeFactory(org=org)
    rule = rule_for(badge, target={"kind": "COUNT", "value": 1})
    processed(org, body("pos-1", reference="BILL-1"))
    target_issuance = Issuance.objects.get()
    processed(org, full_return(original="BILL-1"))
    target_issuance.refresh_from_db()
    assert target_issuance.revoked_on is None
    event = processed(
        org,
        body(
            "rtc-1",
            event_type=EventType.RETURN_TARGET_COMPLETED,
            payload={"rule": str(rule.pk)},
        ),
    )
    target_issuance.refresh_from_db()
    assert target_issuance.revoked_on is not None
    assert returns(event) == [("RETURN", "REVOKED", "", target_issuance)]


def test_a_returned_target_is_not_issued_again_by_the_next_event_of_its_period():
    org = OrganizationFactory(revoke_on_return=True)
    badge = BadgeFactory(org=org)
    rule = rule_for(badge, target={"kind": "COUNT", "value": 1})
    processed(org, body("pos-1"))
    processed(
        org,
        body("rtc-1", event_type=EventType.RETURN_TARGET_COMPLETED, payload={"rule": str(rule.pk)}),
    )
    processed(org, body("pos-2"))
    assert Issuance.objects.filter(revoked_on__isnull=True).count() == 0


def test_return_target_completed_naming_an_unknown_rule_revokes_nothing():
    org = OrganizationFactory(revoke_on_return=True)
    event = processed(
        org, body("rtc-1", event_type=EventType.RETURN_TARGET_COMPLETED, payload={"rule": "nope"})
    )
    assert returns(event) == [("RETURN", "SKIPPED", "NOTHING_TO_REVOKE", None)]


def test_a_return_with_the_setting_off_is_left_to_rules_on_return_bill():
    """A brand that keeps the setting off can still revoke on returns with its own rule."""
    org = OrganizationFactory(revoke_on_return=False)
    badge = BadgeFactory(org=org)
    rule_for(badge)
    rule_for(badge, name="Take back", event_type=EventType.RETURN_BILL, action="REVOKE_BADGE")
    processed(org, body("pos-1", reference="BILL-7781"))
    event = processed(org, full_return())
    assert [(o.kind, o.result) for o in event.outcomes.order_by("position")] == [
        ("RULE", "REVOKED"),
        ("RETURN", "SKIPPED"),
    ]


def test_a_full_return_revokes_only_its_own_orgs_issuances(bill_issued):
    org, issuance = bill_issued
    other_org = OrganizationFactory(revoke_on_return=True)
    other_badge = BadgeFactory(org=other_org)
    rule_for(other_badge)
    processed(other_org, body("pos-7781", reference="BILL-7781"))
    processed(org, full_return())
    issuance.refresh_from_db()
    assert issuance.revoked_on is not None
    assert Issuance.objects.get(badge=other_badge).revoked_on is None


@pytest.fixture
def two_targets_held():
    """Two customers each holding two target issuances, of two rules."""
    org = OrganizationFactory(revoke_on_return=True)
    rules = [
        rule_for(BadgeFactory(org=org), name=name, target={"kind": "COUNT", "value": 1})
        for name in ("First target", "Second target")
    ]
    for customer in ("c-42", "c-7"):
        processed(org, body(f"pos-{customer}", customer_id=customer))
    return org, rules


def test_return_target_completed_revokes_the_named_rules_target_of_that_customer_only(
    two_targets_held,
):
    org, (first, _) = two_targets_held
    event = processed(
        org,
        body(
            "rtc-1", event_type=EventType.RETURN_TARGET_COMPLETED, payload={"rule": str(first.pk)}
        ),
    )
    revoked = Issuance.objects.filter(revoked_on__isnull=False)
    assert [(i.customer.customer_id, i.badge_id) for i in revoked] == [("c-42", first.badge_id)]
    assert returns(event) == [("RETURN", "REVOKED", "", revoked.get())]
    again = processed(
        org,
        body(
            "rtc-2", event_type=EventType.RETURN_TARGET_COMPLETED, payload={"rule": str(first.pk)}
        ),
    )
    assert returns(again) == [("RETURN", "SKIPPED", "NOTHING_TO_REVOKE", None)]


def test_return_target_completed_in_another_org_revokes_nothing_here(two_targets_held):
    _, (first, _) = two_targets_held
    other_org = OrganizationFactory(revoke_on_return=True)
    processed(
        other_org,
        body(
            "rtc-1", event_type=EventType.RETURN_TARGET_COMPLETED, payload={"rule": str(first.pk)}
        ),
    )
    assert not Issuance.objects.filter(revoked_on__isnull=False).exists()


def test_return_outcomes_say_what_they_did():
    org = OrganizationFactory(revoke_on_return=True)
    [outcome] = processed(org, partial_return()).outcomes.all()
    assert (outcome.matched, outcome.message) == (False, "A partial return revokes nothing.")
