"""A customer's standing on each badge a target issues (the available badges' progress)."""

import pytest
from django.utils import timezone

from badges.events.selectors import progress_by_badge
from badges.models import Customer
from tests.events.factories import body, processed, rule_for
from tests.factories import BadgeFactory

pytestmark = pytest.mark.django_db


def test_a_badge_with_a_target_and_no_progress_stands_at_zero_and_one_without_is_absent():
    badge = BadgeFactory()
    plain = BadgeFactory(org=badge.org)
    rule_for(badge, target={"kind": "COUNT", "value": 3})
    [progress] = progress_by_badge(org=badge.org, customer=None, badges=[badge, plain]).values()
    assert (progress.total, progress.target, progress.reached, progress.in_progress) == (
        0,
        3,
        False,
        False,
    )


def test_a_badge_two_targets_issue_shows_the_one_the_customer_is_furthest_along():
    badge = BadgeFactory()
    rule_for(badge, name="A count", target={"kind": "COUNT", "value": 10})
    toward = rule_for(
        badge, name="B toward gold", target={"kind": "SUM", "field": "amount", "value": 1500}
    )
    processed(badge.org, body("pos-1", payload={"amount": 1300}, event_date=timezone.now()))
    customer = Customer.objects.get()
    progress = progress_by_badge(org=badge.org, customer=customer, badges=[badge])[badge.pk]
    assert (progress.rule, progress.total, progress.in_progress) == (toward, 1300, True)
