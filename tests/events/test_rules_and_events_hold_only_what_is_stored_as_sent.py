"""Rules and events are refused, with their codes, for what no column would store as sent: a
payload PostgreSQL's jsonb or the fingerprint can't write, a target finer than the column's six
decimals (stored rounded, to 0 at worst), the NUL character in a condition or a target's field.
A rule's badge is one of the rule's org (the admin picks among every org's badges)."""

from datetime import UTC, datetime

import pytest

from badges.events.services.intake import check_event
from badges.events.services.rules import RuleDraft, rule_create
from badges.exceptions import RuleViolation
from tests.events.factories import body
from tests.factories import BadgeFactory, OrganizationFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 10, 10, tzinfo=UTC)


def refusals(call) -> set[tuple[str, str]]:
    with pytest.raises(RuleViolation) as refused:
        call()
    return {(v.field, v.code) for v in refused.value.violations}


def nested(depth: int) -> list:
    value: list = []
    for _ in range(depth):
        value = [value]
    return value


@pytest.mark.parametrize(
    "payload",
    [
        {"amount": 2**64},
        {"note": "a\x00b"},
        {"a\x00": 1},
        {"items": [{"sku": "\x00"}]},
        {"amount": float("inf")},
        {"note": "\ud800"},
        {"deep": nested(300)},
    ],
    ids=["beyond 64 bits", "NUL", "NUL key", "nested NUL", "infinite", "surrogate", "deep"],
)
def test_a_payload_no_column_stores_is_refused(payload):
    event = body("e-1", payload=payload, event_date=NOW)
    assert refusals(lambda: check_event(event, NOW)) == {("payload", "PAYLOAD_INVALID")}


def test_a_payload_of_ordinary_json_is_taken():
    payload = {"amount": 2**63 - 1, "ratio": 0.5, "tags": ["a", None, True], "n": {"x": ""}}
    check_event(body("e-1", payload=payload, event_date=NOW), NOW)


def draft(badge, **changes) -> RuleDraft:
    values = {
        "name": "Rule",
        "module": "LOYALTY",
        "program": "P",
        "event_type": "TransactionAdd",
        "action": "ISSUE_BADGE",
        "badge": badge,
        **changes,
    }
    return RuleDraft(**values)


def create(badge, org=None, **changes):
    return lambda: rule_create(
        org=org or badge.org, draft=draft(badge, **changes), confirm_claim=True, now=NOW
    )


@pytest.fixture
def badge():
    return BadgeFactory(
        start_on=datetime(2026, 10, 1, tzinfo=UTC), expires_on=datetime(2026, 11, 1, tzinfo=UTC)
    )


@pytest.mark.parametrize(
    "target",
    [
        {"kind": "SUM", "field": "amount", "value": 0.0000001},
        {"kind": "SUM", "field": "amount", "value": 12.3456789},
        {"kind": "SUM", "field": "am\x00ount", "value": 10},
    ],
)
def test_a_target_the_column_would_not_store_as_sent_is_refused(badge, target):
    assert refusals(create(badge, target=target)) == {("target", "TARGET_INVALID")}


def test_a_target_of_six_decimals_is_stored_as_sent(badge):
    rule = create(badge, target={"kind": "SUM", "field": "amount", "value": 12.345678})()
    rule.refresh_from_db()
    assert rule.target["value"] == 12.345678


@pytest.mark.parametrize(
    "condition",
    [
        {"field": "am\x00ount", "op": "eq", "value": 1},
        {"field": "tier", "op": "eq", "value": "gold\x00"},
        {"field": "tier", "op": "in", "value": ["gold", "\x00"]},
    ],
)
def test_a_condition_holding_nul_is_refused(badge, condition):
    assert refusals(create(badge, condition=condition)) == {("condition", "CONDITION_INVALID")}


def test_a_rules_badge_is_one_of_its_org(badge):
    other_org = OrganizationFactory()
    assert refusals(create(badge, org=other_org)) == {("badge", "BADGE_NOT_FOUND")}
    assert not badge.claims.exists()
