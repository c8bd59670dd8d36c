"""Processing an event (SPEC 12): every candidate rule's outcome, matched or not; issues from
events through the issue service (source EVENT, triggered by the rule's module and the event's
reference, its claim checked); processing twice issues once."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from badges.events.choices import EventStatus, EventType, RuleAction
from badges.events.models import Event, EventOutcome
from badges.events.services import processing
from badges.events.services.intake import event_submit
from badges.events.services.processing import event_process
from badges.events.services.rules import rule_update
from badges.models import Customer, Issuance, IssueRequest, Notification
from tests.events.factories import body, processed, rule_for
from tests.factories import BadgeFactory, IssuanceFactory, OrganizationFactory, RollingLimitFactory

pytestmark = pytest.mark.django_db

BIG_BILLS = {"field": "amount", "op": "gte", "value": 500}


def results(event) -> list[tuple]:
    return [(o.rule_name, o.result, o.code) for o in event.outcomes.order_by("position")]


def test_the_worked_example_a_600_bill_earns_big_spender_without_an_issue_call():
    badge = BadgeFactory(name="Big Spender")
    rule = rule_for(badge, condition=BIG_BILLS)
    event = processed(
        badge.org, body("pos-7781-2026-10-11", reference="BILL-7781", payload={"amount": 600})
    )
    assert event.status == EventStatus.PROCESSED
    [outcome] = event.outcomes.all()
    issuance = Issuance.objects.get()
    assert (outcome.rule, outcome.result, outcome.matched, outcome.issuance) == (
        rule,
        "ISSUED",
        True,
        issuance,
    )
    assert outcome.seen == {"field": "amount", "present": True, "value": 600}
    assert (issuance.source, issuance.triggered_by_module, issuance.triggered_by_reference) == (
        "EVENT",
        "LOYALTY",
        "BILL-7781",
    )
    assert issuance.event_date == event.event_date
    assert issuance.request_id == f"event:{event.pk}:rule:{rule.pk}"
    assert Notification.objects.filter(type="badge.issued", issuance=issuance).exists()


def test_an_event_without_a_reference_is_traced_by_its_event_id():
    badge = BadgeFactory()
    rule_for(badge)
    processed(badge.org, body("pos-1"))
    assert Issuance.objects.get().triggered_by_reference == "pos-1"


def test_a_non_matching_rule_has_an_outcome_that_says_why():
    badge = BadgeFactory()
    rule_for(badge, condition=BIG_BILLS)
    event = processed(badge.org, body("pos-1", payload={"amount": 400}))
    [outcome] = event.outcomes.all()
    assert (outcome.matched, outcome.result, outcome.code) == (
        False,
        "SKIPPED",
        "CONDITION_NOT_MET",
    )
    assert outcome.seen["value"] == 400
    missing = processed(badge.org, body("pos-2", payload={}))
    assert results(missing) == [("Big spender", "SKIPPED", "FIELD_MISSING")]
    assert not Issuance.objects.exists()


def test_every_active_rule_of_the_type_is_a_candidate_and_no_other():
    badge = BadgeFactory()
    rule_for(badge, name="A issues")
    rule_for(badge, name="B big bills", condition=BIG_BILLS)
    rule_for(badge, name="C returns", event_type=EventType.RETURN_BILL)
    disabled = rule_for(badge, name="D disabled")
    rule_update(
        rule=disabled, changes={"is_active": False}, confirm_claim=False, now=timezone.now()
    )
    other_org_badge = BadgeFactory()
    rule_for(other_org_badge, name="E other org")
    event = processed(badge.org, body("pos-1", payload={"amount": 10}))
    assert results(event) == [
        ("A issues", "ISSUED", ""),
        ("B big bills", "SKIPPED", "CONDITION_NOT_MET"),
    ]


def test_a_refused_issue_is_an_outcome_with_the_refusal_code_and_next_eligible_time():
    badge = BadgeFactory(issued_for_a_day=True)
    RollingLimitFactory(badge=badge, limit=1, value=7, unit="DAYS")
    rule_for(badge)
    now = timezone.now()
    processed(badge.org, body("pos-1", event_date=now), now=now)
    # The first issuance lasts a day; the next day's bill hits the rolling limit.
    later = now + timedelta(days=1)
    event = processed(badge.org, body("pos-2", event_date=later), now=later)
    [outcome] = event.outcomes.all()
    assert (outcome.result, outcome.code) == ("REFUSED", "CUSTOMER_LIMIT_REACHED")
    assert outcome.next_eligible_at == now + timedelta(days=7)
    assert (outcome.details["scope"], outcome.details["kind"]) == ("CUSTOMER", "ROLLING")


def test_issues_from_events_need_the_rules_claim_like_any_module():
    badge = BadgeFactory()
    rule = rule_for(badge)
    badge.claims.all().delete()  # only possible around the services: claims are permanent
    badge.revision += 1
    badge.save()
    event = processed(badge.org, body("pos-1"))
    assert results(event) == [(rule.name, "REFUSED", "BADGE_NOT_CLAIMED")]


def test_an_ended_badges_rule_is_refused_with_the_issue_refusal():
    badge = BadgeFactory()
    rule_for(badge)
    now = badge.expires_on + timedelta(minutes=1)
    event = processed(badge.org, body("pos-1", event_date=now), now=now)
    assert results(event)[0][1:] == ("REFUSED", "EVENT_DATE_OUTSIDE_BADGE_PERIOD")


def test_behavioral_rules_fire_on_their_event_name_only():
    badge = BadgeFactory()
    rule_for(badge, name="App opener", event_type=EventType.BEHAVIORAL, event_name="app_open")
    other = processed(
        badge.org, body("b-1", event_type=EventType.BEHAVIORAL, event_name="app_close")
    )
    assert results(other) == []
    opened = processed(
        badge.org, body("b-2", event_type=EventType.BEHAVIORAL, event_name="app_open")
    )
    assert results(opened) == [("App opener", "ISSUED", "")]


def test_a_revoke_rule_revokes_the_issuance_held_now_and_says_when_there_is_none():
    badge = BadgeFactory()
    rule_for(
        badge, name="Fraud", action=RuleAction.REVOKE_BADGE, event_type=EventType.CUSTOMER_UPDATE
    )
    nothing = processed(badge.org, body("u-1", event_type=EventType.CUSTOMER_UPDATE))
    assert results(nothing) == [("Fraud", "SKIPPED", "NOT_HELD")]
    customer = Customer.objects.get(customer_id="c-42")
    held = IssuanceFactory(badge=badge, customer=customer)
    revoked = processed(badge.org, body("u-2", event_type=EventType.CUSTOMER_UPDATE))
    [outcome] = revoked.outcomes.all()
    held.refresh_from_db()
    assert (outcome.result, outcome.issuance) == ("REVOKED", held)
    assert held.revoked_on is not None and "Fraud" in held.revoke_reason
    assert Notification.objects.filter(type="badge.revoked", issuance=held).exists()


def test_customer_registration_registers_before_rules_run_so_a_welcome_badge_issues():
    badge = BadgeFactory(name="Welcome")
    rule_for(badge, name="Welcome", event_type=EventType.CUSTOMER_REGISTRATION)
    when = timezone.now() - timedelta(hours=1)
    event = processed(
        badge.org,
        body("reg-1", customer_id="new-1", event_type="CustomerRegistration", event_date=when),
    )
    assert Customer.objects.get(customer_id="new-1").registered_on == when
    assert results(event) == [("Welcome", "ISSUED", "")]


def test_customer_registration_updates_a_known_customers_registration():
    org = OrganizationFactory()
    processed(org, body("t-1", customer_id="c-1"))
    assert Customer.objects.get(customer_id="c-1").registered_on is None
    when = timezone.now() - timedelta(days=3)
    processed(
        org, body("reg", customer_id="c-1", event_type="CustomerRegistration", event_date=when)
    )
    assert Customer.objects.get(customer_id="c-1").registered_on == when


def test_events_create_their_customer_on_first_use():
    org = OrganizationFactory()
    processed(org, body("t-1", customer_id="brand-new"))
    assert Customer.objects.filter(org=org, customer_id="brand-new").exists()


def test_processing_an_event_twice_issues_once_and_keeps_the_first_outcomes():
    badge = BadgeFactory()
    rule_for(badge)
    now = timezone.now()
    event, _ = event_submit(org=badge.org, body=body("pos-1"), now=now)
    event_process(event_pk=event.pk, now=now)
    event_process(event_pk=event.pk, now=now + timedelta(minutes=1))
    assert Issuance.objects.count() == 1
    assert EventOutcome.objects.count() == 1
    assert Event.objects.get().processed_on == now


def test_a_retried_issue_of_the_same_event_and_rule_replays_the_first_issuance():
    """The request id derives from (event, rule): a run that died after issuing and is retried
    finds the first issuance instead of issuing again."""
    badge = BadgeFactory(issued_for_a_day=True)
    rule = rule_for(badge)
    now = timezone.now()
    event, _ = event_submit(org=badge.org, body=body("pos-1"), now=now)
    event_process(event_pk=event.pk, now=now)
    Event.objects.filter(pk=event.pk).update(status=EventStatus.PENDING)
    EventOutcome.objects.all().delete()
    event_process(event_pk=event.pk, now=now)
    [outcome] = EventOutcome.objects.all()
    assert (outcome.result, Issuance.objects.count()) == ("ISSUED", 1)
    assert outcome.message == "Issued before, for this event."
    assert IssueRequest.objects.get().request_id == f"event:{event.pk}:rule:{rule.pk}"


def test_a_rule_that_fails_is_an_error_outcome_and_the_others_still_run():
    badge = BadgeFactory()
    rule_for(badge, name="A breaks")
    rule_for(badge, name="B works")
    real = processing._decided

    def failing(rule, *args):
        if rule.name == "A breaks":
            raise ValueError("boom")
        return real(rule, *args)

    with mock.patch.object(processing, "_decided", failing):
        event = processed(badge.org, body("pos-1"))
    assert results(event) == [("A breaks", "ERROR", "RULE_FAILED"), ("B works", "ISSUED", "")]
    assert "boom" in event.outcomes.get(position=0).message
    assert Issuance.objects.count() == 1


def test_an_event_of_a_type_no_rule_handles_is_processed_with_no_outcome():
    event = processed(OrganizationFactory(), body("v-1", event_type="VoucherRedemption"))
    assert (event.status, results(event)) == (EventStatus.PROCESSED, [])
