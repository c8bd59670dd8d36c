"""The customer's badges, available badges and the badge list run a constant number of queries,
whatever the number of badges, groups, custom fields and issuances."""

from datetime import timedelta

import pytest
from django.utils import timezone

from customfields.models import BadgeFieldValue
from tests.factories import (
    BadgeFactory,
    BadgeGroupFactory,
    CustomerFactory,
    CustomFieldFactory,
    EnrolmentFactory,
    IssuanceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def collection(org_a):
    """``n`` groups, ``n`` custom fields (half mandatory), ``n`` badges setting every optional
    field, each issued to and enrolled by the customer."""

    def make(n: int) -> None:
        customer = CustomerFactory(org=org_a, customer_id="c-1")
        groups = [BadgeGroupFactory(org=org_a, rank=i % 3) for i in range(n)]
        fields = [
            CustomFieldFactory(org=org_a, is_mandatory=i % 2 == 0, default_value=f"d{i}")
            for i in range(n)
        ]
        for i in range(n):
            badge = BadgeFactory(
                org=org_a, group=groups[i], rank=i % 4 or None, enrol_issue=i % 2 == 0
            )
            BadgeFieldValue.objects.bulk_create(
                BadgeFieldValue(badge=badge, field=field, value=f"v{i}")
                for field in fields
                if not field.is_mandatory
            )
            IssuanceFactory(
                badge=badge,
                customer=customer,
                issued_on=timezone.now() - timedelta(hours=1),
                benefits=[{"type": "POINTS", "reference_id": "P", "name": "points"}],
            )
            if i % 2 == 0:
                EnrolmentFactory(badge=badge, customer=customer)

    return make


# auth token, membership, customer, count, issuances (with badge, group and org), custom field
# values, mandatory custom fields, and the filters' choice lists are not queried when unused
@pytest.mark.parametrize("n", [3, 50])
def test_customer_badges(viewer_a, collection, n, django_assert_num_queries):
    collection(n)
    with django_assert_num_queries(7):
        response = viewer_a.get("/api/v1/customers/c-1/badges/?page_size=100")
    assert response.json()["count"] == n
    assert all(len(r["custom_fields"]) == n for r in response.json()["results"])


@pytest.mark.parametrize("n", [3, 50])
def test_available_badges(viewer_a, collection, n, django_assert_num_queries):
    collection(n)
    # auth token, membership, customer, count, badges, benefits, values, mandatory fields,
    # the customer's enrolments and active issuances
    with django_assert_num_queries(10):
        response = viewer_a.get("/api/v1/customers/c-1/available-badges/?page_size=100")
    assert response.json()["count"] == n


@pytest.mark.parametrize("n", [3, 50])
def test_badge_list(viewer_a, collection, n, django_assert_num_queries):
    collection(n)
    with django_assert_num_queries(11):
        response = viewer_a.get("/api/v1/badges/?page_size=100")
    assert response.json()["count"] == n
    assert all(len(r["custom_fields"]) == n for r in response.json()["results"])
