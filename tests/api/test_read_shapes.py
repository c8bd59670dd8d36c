"""Badge, issuance and customer badge reads are built directly, not through DRF's fields: over
every kind of definition and issuance they render byte for byte what their declared
serializers render."""

from datetime import UTC, datetime, timedelta

import pytest
from rest_framework import serializers
from rest_framework.renderers import JSONRenderer

from badges import selectors
from badges.api.serializers.badges import BadgeSerializer
from badges.api.serializers.customers import CustomerBadgeSerializer
from badges.api.serializers.issuance import IssuanceSerializer
from badges.models import LimitScope
from badges.selectors import customers as customer_selectors
from customfields.values import DataType
from tests.factories import (
    BadgeBenefitFactory,
    BadgeClaimFactory,
    BadgeFactory,
    BadgeFieldValueFactory,
    BadgeGroupFactory,
    BadgeOwnerFactory,
    CustomerFactory,
    CustomFieldFactory,
    FixedWindowConfigFactory,
    IssuanceFactory,
    OrganizationFactory,
    RollingLimitFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 9, 10, 6, 30, tzinfo=UTC)


def declared(serializer, instance) -> bytes:
    """What the serializer's declared fields render, walked by DRF."""
    return JSONRenderer().render(
        serializers.ModelSerializer.to_representation(serializer, instance)
    )


def built(serializer) -> bytes:
    return JSONRenderer().render(serializer.data)


def page_declared(serializer_class, instances, context) -> bytes:
    """A page as DRF renders it: each row by the declared fields, in order."""
    return JSONRenderer().render(
        [
            serializers.ModelSerializer.to_representation(
                serializer_class(instance, context=context), instance
            )
            for instance in instances
        ]
    )


@pytest.fixture(params=["Asia/Kolkata", "UTC", "America/St_Johns"])
def org(request):
    return OrganizationFactory(timezone=request.param)


def badges_of_every_kind(org) -> None:
    author = UserFactory(username="author")
    group = BadgeGroupFactory(org=org, name="Summer", rank=3)
    disabled = BadgeGroupFactory(org=org, name="Old", is_active=False)
    tier = CustomFieldFactory(org=org, name="Tier", is_mandatory=True, default_value="standard")
    points = CustomFieldFactory(org=org, name="points", data_type=DataType.INTEGER)
    featured = CustomFieldFactory(org=org, name="Featured", data_type=DataType.BOOLEAN)
    legacy = CustomFieldFactory(org=org, name="Legacy", is_active=False)
    rich = BadgeFactory(
        org=org,
        name="Rich",
        description="Every part\nof a definition",
        start_on=NOW - timedelta(days=5),
        expires_on=NOW + timedelta(days=20),
        enrol_issue=True,
        issue_expiry_type="FIXED_DATE",
        issue_expiry_date=NOW + timedelta(days=10, minutes=7),
        customer_overall_limit=3,
        badge_overall_limit=1000,
        group=group,
        rank=2,
        issued_count=17,
        issued_count_synced_at=NOW - timedelta(hours=1),
        created_by=author,
        updated_by=author,
    )
    BadgeOwnerFactory(badge=rich, module="MILESTONES")
    BadgeClaimFactory(badge=rich, module="LOYALTY", reference="Program 1", detail="")
    BadgeClaimFactory(badge=rich, module="MILESTONES", reference="Milestone", detail="Bill")
    BadgeBenefitFactory(badge=rich, position=0, details={"points": 100, "tiers": ["gold"]})
    BadgeBenefitFactory(badge=rich, position=1, type="COUPON", name="Coupon")
    RollingLimitFactory(badge=rich, scope=LimitScope.CUSTOMER, limit=2, value=3, unit="WEEKS")
    RollingLimitFactory(badge=rich, scope=LimitScope.BADGE, limit=50, value=1, unit="MONTHS")
    FixedWindowConfigFactory(
        badge=rich,
        scope=LimitScope.CUSTOMER,
        duration_type="WEEKS",
        refresh_rate=1,
        week_start_day="MONDAY",
    )
    FixedWindowConfigFactory(
        badge=rich,
        scope=LimitScope.BADGE,
        starts_on=NOW - timedelta(days=5),
        ended_on=NOW - timedelta(days=1),
        status="EXPIRED",
    )
    FixedWindowConfigFactory(
        badge=rich,
        scope=LimitScope.BADGE,
        starts_on=NOW + timedelta(days=2),
        max_earn_limit=9,
        status="UPCOMING",
    )
    BadgeFieldValueFactory(badge=rich, field=points, value="250")
    BadgeFieldValueFactory(badge=rich, field=featured, value="true")
    BadgeFieldValueFactory(badge=rich, field=legacy, value="gone")
    BadgeFactory(
        org=org,
        name="Plain",
        start_on=NOW + timedelta(days=1),
        issue_expiry_type="RELATIVE",
        issue_expiry_value=2,
        issue_expiry_unit="HOURS",
        group=disabled,
    )
    BadgeFactory(
        org=org,
        name="Ended",
        start_on=NOW - timedelta(days=60),
        expires_on=NOW - timedelta(days=1),
        issue_expiry_type="BADGE_END",
        is_active=False,
    )
    BadgeFieldValueFactory(badge=BadgeFactory(org=org, name="Set"), field=tier, value="gold")


def test_badge_reads_render_what_their_serializer_declares(org):
    badges_of_every_kind(org)
    context = {"org": org, "now": NOW}
    badges = selectors.badge_reads_loaded(list(selectors.badge_list(org=org).order_by("name")))
    assert [b.name for b in badges] == ["Ended", "Plain", "Rich", "Set"]
    for badge in badges:
        serializer = BadgeSerializer(badge, context=context)
        assert built(serializer) == declared(serializer, badge), badge.name
    assert built(BadgeSerializer(badges, many=True, context=context)) == page_declared(
        BadgeSerializer, badges, context
    )


def test_a_badge_read_without_loaded_parts_renders_the_same(org):
    badges_of_every_kind(org)
    badge = selectors.badges_of(org=org).get(name="Rich")
    serializer = BadgeSerializer(badge, context={"org": org, "now": NOW})
    assert built(serializer) == declared(serializer, badge)


def issuances_of_every_kind(org) -> None:
    badges_of_every_kind(org)
    customer = CustomerFactory(org=org, customer_id="c-1")
    revoker = UserFactory(username="care")
    for badge in selectors.badges_of(org=org):
        IssuanceFactory(
            badge=badge,
            customer=customer,
            issued_on=NOW - timedelta(days=3),
            expires_on=NOW + timedelta(days=1),
            triggered_by_module="LOYALTY",
            triggered_by_reference="Bill 7",
            benefits=[{"type": "POINTS", "reference_id": "P-1", "name": "100 points"}],
        )
        IssuanceFactory(
            badge=badge,
            customer=customer,
            issued_on=NOW - timedelta(days=9),
            event_date=NOW - timedelta(days=10, minutes=3),
            expires_on=NOW - timedelta(days=8),
            benefits=[
                {"type": "COUPON", "reference_id": "C", "name": "Coupon", "details": {"x": 1}}
            ],
        )
        IssuanceFactory(
            badge=badge,
            customer=customer,
            issued_on=NOW - timedelta(days=20),
            expires_on=None,
            status="REVOKED",
            revoked_on=NOW - timedelta(days=19),
            revoke_reason="Returned",
            revoked_by=revoker,
        )


def test_customer_badge_reads_render_what_their_serializer_declares(org):
    issuances_of_every_kind(org)
    customer = customer_selectors.customer_get(org=org, customer_id="c-1")
    context = {"org": org, "now": NOW}
    issuances = customer_selectors.customer_badge_reads_loaded(
        list(customer_selectors.customer_issuances(customer=customer)), customer, org
    )
    assert len(issuances) == 12
    for issuance in issuances:
        serializer = CustomerBadgeSerializer(issuance, context=context)
        assert built(serializer) == declared(serializer, issuance)
        plain = IssuanceSerializer(issuance, context=context)
        assert built(plain) == declared(plain, issuance)
    for page_of in (CustomerBadgeSerializer, IssuanceSerializer):
        page = page_of(issuances, many=True, context=context)
        assert built(page) == page_declared(page_of, issuances, context), page_of.__name__
