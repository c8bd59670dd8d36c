"""Shapes of customers and their badges (SPEC 15): a customer's issuances with their badges'
display data, and the badges available to them."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from badges.choices import BadgeStatus, EnrolmentStatus, IssueType
from badges.models import Badge, Customer, Issuance
from badges.selectors import customers as customer_selectors
from badges.values import CLIENT_ID_PATTERN, CUSTOMER_ID_MAX_LENGTH
from badges_project.api.fields import (
    AmountField,
    OrgDateTimeField,
    ServiceCheckedText,
    StatusAtField,
    amount_shown,
)
from customfields.api.serializers import FieldReadsField
from groups.api.serializers import GroupBriefSerializer

from ..fields import ImageSlotsField
from .badges import BenefitSerializer
from .issuance import EnrolmentSerializer, IssuanceSerializer
from .shown import customer_badge_shown


def active_group(badge: Badge) -> dict | None:
    """The badge's group as customers see it: none when it has none or it is disabled."""
    group = badge.group
    return GroupBriefSerializer(group).data if group is not None and group.is_active else None


class CustomerBadgeSerializer(IssuanceSerializer):
    """An issuance as a customer's badge list shows it, with its badge's display data."""

    badge_name = serializers.CharField(source="badge.name", read_only=True)
    badge_description = serializers.CharField(source="badge.description", read_only=True)
    images = ImageSlotsField(source="badge")
    group = serializers.SerializerMethodField()
    rank = serializers.IntegerField(source="badge.rank", read_only=True, allow_null=True)
    custom_fields = FieldReadsField(to_badge=lambda issuance: issuance.badge)

    class Meta(IssuanceSerializer.Meta):
        fields = [
            *IssuanceSerializer.Meta.fields,
            "badge_name",
            "badge_description",
            "images",
            "group",
            "rank",
            "custom_fields",
        ]
        read_only_fields = fields

    @extend_schema_field(GroupBriefSerializer(allow_null=True))
    def get_group(self, issuance: Issuance) -> dict | None:
        return active_group(issuance.badge)

    # What the fields above declare, built directly; IssuanceSerializer calls it.
    shown = staticmethod(customer_badge_shown)


class EnrolmentStateSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["NOT_ENROLLED", *EnrolmentStatus.values],
        help_text="NOT_ENROLLED, or the status of the enrolment shown.",
    )
    enrolment = EnrolmentSerializer(allow_null=True)


class BadgeProgressSerializer(serializers.Serializer):
    """The customer's progress toward a badge's target, in the current period of its first
    active target rule (by name)."""

    rule = serializers.UUIDField(help_text="The target rule.")
    total = AmountField(help_text="What the customer's matching events add up to so far.")
    target = AmountField()
    reached = serializers.BooleanField()


class AvailableBadgeSerializer(serializers.ModelSerializer):
    """A live, active badge as a customer sees it, with their enrolment state and their
    progress toward its target."""

    start_on = OrgDateTimeField(read_only=True)
    expires_on = OrgDateTimeField(read_only=True)
    status = StatusAtField(BadgeStatus.choices)
    benefits = BenefitSerializer(many=True)
    images = ImageSlotsField()
    group = serializers.SerializerMethodField()
    custom_fields = FieldReadsField()
    enrolment = serializers.SerializerMethodField()
    active_issual_id = serializers.SerializerMethodField()
    progress = serializers.SerializerMethodField()

    class Meta:
        model = Badge
        fields = [
            "id",
            "name",
            "description",
            "issue_type",
            "start_on",
            "expires_on",
            "status",
            "benefits",
            "images",
            "group",
            "rank",
            "custom_fields",
            "enrolment",
            "active_issual_id",
            "progress",
        ]
        read_only_fields = fields

    @extend_schema_field(GroupBriefSerializer(allow_null=True))
    def get_group(self, badge: Badge) -> dict | None:
        return active_group(badge)

    @extend_schema_field(EnrolmentStateSerializer(allow_null=True))
    def get_enrolment(self, badge: Badge) -> dict | None:
        """Enrol & Issue badges only: the customer's enrolment that counts, or NOT_ENROLLED."""
        if badge.issue_type != IssueType.ENROL_ISSUE:
            return None
        now = self.context["now"]
        found = customer_selectors.customer_enrolment(badge, now)
        return {
            "status": found.status_at(now) if found else "NOT_ENROLLED",
            "enrolment": EnrolmentSerializer(found, context=self.context).data if found else None,
        }

    @extend_schema_field(serializers.UUIDField(allow_null=True))
    def get_active_issual_id(self, badge: Badge) -> str | None:
        """The issuance the customer holds now, if any."""
        held = badge.customer_active_issuances
        return str(held[0].issual_id) if held else None

    @extend_schema_field(BadgeProgressSerializer(allow_null=True))
    def get_progress(self, badge: Badge) -> dict | None:
        """Where the customer stands on the badge's target (context ``progress``, from
        ``progress_by_badge``); null when no active target rule issues the badge."""
        found = self.context["progress"].get(badge.pk)
        if found is None:
            return None
        return {
            "rule": str(found.rule.pk),
            "total": amount_shown(found.total),
            "target": amount_shown(found.target),
            "reached": found.reached,
        }


class CustomerSerializer(serializers.ModelSerializer):
    customer_id = ServiceCheckedText(max_length=CUSTOMER_ID_MAX_LENGTH, pattern=CLIENT_ID_PATTERN)
    registered_on = OrgDateTimeField(required=False, allow_null=True)

    class Meta:
        model = Customer
        fields = ["customer_id", "registered_on"]
