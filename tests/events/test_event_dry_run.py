"""A dry run (SPEC 12): evaluates the rules and answers the outcomes without writing anything;
its outcomes are those of the real run that follows."""

import random
from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from badges.events.choices import EventType, OutcomeResult
from badges.events.services.intake import event_submit
from badges.events.services.processing import event_dry_run, event_process
from badges.exceptions import RuleViolation
from tests.events.factories import body, processed, rule_for
from tests.factories import BadgeFactory, OrganizationFactory, RollingLimitFactory

pytestmark = pytest.mark.django_db


def row_counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in apps.get_app_config("badges").get_models()
    }


def test_a_dry_run_writes_nothing_and_says_what_would_happen():
    badge = BadgeFactory()
    rule_for(badge, condition={"field": "amount", "op": "gte", "value": 500})
    rule_for(badge, name="Gold", target={"kind": "SUM", "field": "amount", "value": 1000})
    before = row_counts()
    answer = event_dry_run(
        org=badge.org,
        body=body("pos-1", customer_id="new-c", payload={"amount": 600}),
        now=timezone.now(),
    )
    assert row_counts() == before
    assert answer.dry_run and not answer.replayed
    assert [(o.rule_name, o.result, o.issuance) for o in answer.outcomes] == [
        ("Big spender", "WOULD_ISSUE", None),
        ("Gold", "PROGRESS", None),
    ]
    assert answer.outcomes[1].progress_total == 600


def test_a_dry_run_of_a_posted_event_id_answers_that_event_and_another_body_is_refused():
    org, now = OrganizationFactory(), timezone.now()
    event, _ = event_submit(org=org, body=body("pos-1", event_date=now), now=now)
    answer = event_dry_run(org=org, body=body("pos-1", event_date=now), now=now)
    assert (answer.event, answer.replayed) == (event, True)
    with pytest.raises(RuleViolation) as error:
        event_dry_run(org=org, body=body("pos-1", event_date=now, payload={"x": 1}), now=now)
    assert error.value.violations[0].code == "EVENT_ID_REUSED"


def test_a_dry_run_checks_the_body_like_a_post():
    with pytest.raises(RuleViolation) as error:
        event_dry_run(org=OrganizationFactory(), body=body(" "), now=timezone.now())
    assert error.value.violations[0].code == "EVENT_ID_INVALID"


def _comparable(outcomes) -> list[tuple]:
    dry = {"WOULD_ISSUE": OutcomeResult.ISSUED, "WOULD_REVOKE": OutcomeResult.REVOKED}
    return [
        (
            o.kind,
            o.rule_id,
            str(dry.get(o.result, o.result)),
            o.code,
            o.matched,
            o.progress_total,
            o.next_eligible_at,
        )
        for o in outcomes
    ]


def test_dry_run_outcomes_equal_the_real_runs_over_200_generated_events():
    org = OrganizationFactory(revoke_on_return=True)
    start = timezone.now()
    spender = BadgeFactory(org=org, name="Big Spender", issued_for_a_day=True)
    RollingLimitFactory(badge=spender, limit=2, value=7, unit="DAYS")
    gold = BadgeFactory(org=org, name="Gold", issued_for_a_day=True)
    rule_for(spender, name="Big bills", condition={"field": "amount", "op": "gte", "value": 500})
    rule_for(gold, name="Gold target", target={"kind": "SUM", "field": "amount", "value": 1500})
    rule_for(
        spender,
        name="Fraud check",
        event_type=EventType.CUSTOMER_UPDATE,
        action="REVOKE_BADGE",
        condition={"field": "flag", "op": "eq", "value": "fraud"},
    )
    generator = random.Random(20261128)
    customers = [f"c-{n}" for n in range(6)]
    bills: dict[str, list[str]] = {c: [] for c in customers}
    seen = set()
    for n in range(200):
        # The clock moves 2 hours an event, so that issuances lasting a day end and limits bite.
        now = start + timedelta(hours=2 * n)
        customer = generator.choice(customers)
        when = now - timedelta(hours=generator.randint(0, 20))
        kind = generator.random()
        if kind < 0.6:
            reference = f"BILL-{n}"
            bills[customer].append(reference)
            event = body(
                f"e-{n}",
                customer_id=customer,
                event_date=when,
                reference=reference,
                payload=generator.choice(
                    [{"amount": 100}, {"amount": 300}, {"amount": 500}, {"amount": 800}, {}]
                ),
            )
        elif kind < 0.8 and bills[customer]:
            event = body(
                f"e-{n}",
                customer_id=customer,
                event_type=EventType.RETURN_BILL,
                event_date=when,
                payload={
                    "return_type": generator.choice(["FULL", "PARTIAL"]),
                    "original_reference": generator.choice(bills[customer]),
                },
            )
        else:
            event = body(
                f"e-{n}",
                customer_id=customer,
                event_type=EventType.CUSTOMER_UPDATE,
                event_date=when,
                payload={"flag": generator.choice(["fraud", "ok"])},
            )
        dry = event_dry_run(org=org, body=event, now=now)
        real = processed(org, event, now=now)
        assert _comparable(dry.outcomes) == _comparable(real.outcomes.order_by("position")), n
        seen.update((o.result, o.code) for o in real.outcomes.all())
    # The stream reaches every kind of outcome, so that the equality above means something.
    assert {result for result, _ in seen} == set(OutcomeResult.values) - {"ERROR"}
    assert {"CUSTOMER_LIMIT_REACHED", "PARTIAL_RETURN", "NOT_HELD", "FIELD_MISSING"} <= {
        code for _, code in seen
    }


def test_processing_after_a_dry_run_is_unaffected_by_it():
    badge = BadgeFactory()
    rule_for(badge)
    now = timezone.now()
    event_dry_run(org=badge.org, body=body("pos-1"), now=now)
    event, created = event_submit(org=badge.org, body=body("pos-1"), now=now)
    assert created
    assert event_process(event_pk=event.pk, now=now).outcomes.get().result == "ISSUED"
