"""SPEC 5: revoking an issuance (by its issual_id) or every issuance of a badge a customer holds,
with a reason. A revoked issuance stops counting for limits and overlap. Through the issuance
service, with the clock passed in."""

from datetime import UTC, datetime, timedelta

import pytest

from badges.exceptions import RuleViolation, Violation
from badges.models import Issuance, IssuanceStatus
from badges.services.issuance import (
    IssueOrder,
    issuance_revoke,
    issuances_revoke_active,
    issue,
)
from tests.factories import (
    BadgeFactory,
    CustomerFactory,
    IssuanceFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def sept(day, hour=12) -> datetime:
    return datetime(2026, 9, day, hour, tzinfo=UTC)


@pytest.fixture
def org():
    return OrganizationFactory(timezone="UTC")


@pytest.fixture
def badge(org):
    return BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30))


def issued(badge, customer, now):
    [outcome] = issue(
        badge=badge, customer_ids=[customer], order=IssueOrder(request_id=f"r-{now}"), now=now
    )
    assert outcome.status == "ISSUED", outcome.refusal
    return outcome.issuance


def test_a_revocation_records_when_why_and_by_whom(badge):
    actor = UserFactory()
    issuance = issued(badge, "a", sept(2))
    issuance_revoke(issuance=issuance, reason="  Returned the goods ", actor=actor, now=sept(3))
    stored = Issuance.objects.get(pk=issuance.pk)
    assert stored.status == IssuanceStatus.REVOKED
    assert (stored.revoked_on, stored.revoke_reason, stored.revoked_by) == (
        sept(3),
        "Returned the goods",
        actor,
    )


def test_revoking_twice_keeps_the_first_revocation(badge):
    issuance = issued(badge, "a", sept(2))
    issuance_revoke(issuance=issuance, reason="First", now=sept(3))
    again = issuance_revoke(issuance=issuance, reason="Second", now=sept(4))
    assert (again.revoked_on, again.revoke_reason) == (sept(3), "First")


@pytest.mark.parametrize(
    ("reason", "violation"),
    [
        ("", Violation("REVOKE_REASON_REQUIRED", "A revocation needs a reason.", "reason")),
        ("   ", Violation("REVOKE_REASON_REQUIRED", "A revocation needs a reason.", "reason")),
        (
            "x" * 501,
            Violation(
                "REVOKE_REASON_INVALID",
                "A reason has at most 500 characters and no NUL.",
                "reason",
            ),
        ),
        (
            "Re\x00turned",
            Violation(
                "REVOKE_REASON_INVALID",
                "A reason has at most 500 characters and no NUL.",
                "reason",
            ),
        ),
    ],
)
def test_a_revocation_needs_a_reason_of_at_most_500_characters_without_nul(
    badge, reason, violation
):
    issuance = issued(badge, "a", sept(2))
    with pytest.raises(RuleViolation) as error:
        issuance_revoke(issuance=issuance, reason=reason, now=sept(3))
    assert error.value.violations == (violation,)
    assert Issuance.objects.get(pk=issuance.pk).revoked_on is None
    with pytest.raises(RuleViolation):
        issuances_revoke_active(badge=badge, customer=issuance.customer, reason=reason, now=sept(3))
    assert Issuance.objects.get(pk=issuance.pk).revoked_on is None
    issuance_revoke(issuance=issuance, reason="x" * 500, now=sept(3))
    assert Issuance.objects.get(pk=issuance.pk).revoked_on == sept(3)


def test_a_revocation_frees_exactly_one_place_in_the_badges_overall_limit(org):
    badge = BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30), badge_overall_limit=1)
    first = issued(badge, "a", sept(2))
    issuance_revoke(issuance=first, reason="Returned", now=sept(3))
    issued(badge, "b", sept(4))
    [refused] = issue(
        badge=badge, customer_ids=["c"], order=IssueOrder(request_id="c"), now=sept(5)
    )
    assert refused.refusal.code == "BADGE_LIMIT_REACHED"
    assert refused.refusal.details["count"] == 1


def test_revoking_what_a_customer_holds_revokes_only_their_active_issuances(org, badge):
    actor = UserFactory()
    customer = CustomerFactory(org=org, customer_id="a")
    expired = IssuanceFactory(badge=badge, customer=customer, issued_on=sept(2), expires_on=sept(3))
    revoked = IssuanceFactory(
        badge=badge,
        customer=customer,
        issued_on=sept(3),
        expires_on=sept(4),
        revoked_on=sept(3, 13),
        status=IssuanceStatus.REVOKED,
        revoke_reason="Earlier",
    )
    active = IssuanceFactory(badge=badge, customer=customer, issued_on=sept(5))
    other_badge = IssuanceFactory(
        badge=BadgeFactory(org=org, start_on=sept(1), expires_on=sept(30)),
        customer=customer,
        issued_on=sept(5),
    )
    other_customer = IssuanceFactory(badge=badge, issued_on=sept(5))

    done = issuances_revoke_active(
        badge=badge, customer=customer, reason=" Fraud ", actor=actor, now=sept(6)
    )

    assert [i.pk for i in done] == [active.pk]
    stored = {i.pk: i for i in Issuance.objects.all()}
    assert (stored[active.pk].revoked_on, stored[active.pk].revoke_reason) == (sept(6), "Fraud")
    assert stored[active.pk].revoked_by == actor
    assert stored[active.pk].status == IssuanceStatus.REVOKED
    assert stored[revoked.pk].revoked_on == sept(3, 13), "an earlier revocation stands"
    for untouched in (expired, other_badge, other_customer):
        assert stored[untouched.pk].revoked_on is None
    assert issued(badge, "a", sept(6) + timedelta(hours=1)).customer.customer_id == "a"
