"""An event's processing costs the same number of statements however many events the customer
had before: the statements depend on the candidate rules, not on history."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from badges.events.services.intake import event_submit
from badges.events.services.processing import event_process
from tests.events.factories import body, processed, rule_for
from tests.factories import BadgeFactory

pytestmark = pytest.mark.django_db


def statements_of_one_more_event(org, prior: int, event_id_prefix: str) -> int:
    start = timezone.now() - timedelta(hours=prior + 2)
    for n in range(prior):
        processed(
            org,
            body(
                f"{event_id_prefix}-{n}",
                event_date=start + timedelta(hours=n),
                payload={"amount": 1},
            ),
        )
    now = timezone.now()
    event, _ = event_submit(
        org=org, body=body(f"{event_id_prefix}-last", payload={"amount": 1}), now=now
    )
    with CaptureQueriesContext(connection) as queries:
        event_process(event_pk=event.pk, now=now)
    return len(queries)


@pytest.mark.parametrize(
    ("rule_kwargs", "most"),
    [
        # Lock the event, the customer, read the rules, the issue call, the outcome, the event.
        ({"condition": {"field": "amount", "op": "gte", "value": 1}}, 14),
        # The same, with the contribution stored and the progress read and written.
        ({"target": {"kind": "SUM", "field": "amount", "value": 10_000}}, 16),
    ],
    ids=["condition", "target"],
)
def test_processing_statements_do_not_grow_with_the_customers_events(rule_kwargs, most):
    badge = BadgeFactory()
    rule_for(badge, **rule_kwargs)
    few = statements_of_one_more_event(badge.org, 2, "few")
    BadgeFactory(org=badge.org)  # a second customer's history is irrelevant too
    many = statements_of_one_more_event(badge.org, 40, "many")
    assert few == many, (few, many)
    assert few <= most, few
