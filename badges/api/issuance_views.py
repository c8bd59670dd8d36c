"""Enrol, issue, revoke and customers: translate HTTP to the issuance services."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from badges import selectors
from badges.models import Badge, Customer, Enrolment, Issuance
from badges.services import customers, enrolment, issuance

from .access import OrgScopedMixin
from .filters import CustomerBadgeFilter
from .issuance_serializers import (
    AvailableBadgeSerializer,
    CustomerBadgeSerializer,
    CustomerRevokeSerializer,
    CustomerSerializer,
    EnrolmentSerializer,
    EnrolRequestSerializer,
    EnrolResponseSerializer,
    IssuanceSerializer,
    IssueRequestSerializer,
    IssueResponseSerializer,
    RevokeSerializer,
)
from .views import ERROR, NOT_FOUND, X_ORG, BadgeViewSet


class BadgeIssuanceViewSet(BadgeViewSet):
    """Adds enrol, issue and revoke to the badge routes."""

    @extend_schema(
        summary="Enrol customers (up to 1,000; a result per customer)",
        request=EnrolRequestSerializer,
        responses={200: EnrolResponseSerializer, 400: ERROR, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def enrol(self, request, pk=None):
        badge = self.get_object()
        body = EnrolRequestSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        outcomes = enrolment.enrol(
            badge=badge,
            customer_ids=body.validated_data["customers"],
            enrol_event_date=body.validated_data.get("enrol_event_date"),
            request_id=body.validated_data["request_id"],
            actor=request.user,
            now=request.now,
        )
        return Response(
            EnrolResponseSerializer(
                {"results": outcomes}, context=self.get_serializer_context()
            ).data
        )

    @extend_schema(
        summary="Issue to customers (up to 1,000; a result per customer; dry_run writes nothing)",
        description=(
            "Each customer is ISSUED, REFUSED with the first failing check's code (BADGE_INACTIVE, "
            "BADGE_UPCOMING, BADGE_NOT_CLAIMED, EVENT_DATE_IN_FUTURE, "
            "EVENT_DATE_OUTSIDE_BADGE_PERIOD, RETRO_WINDOW_EXCEEDED, REGISTRATION_DELAY, "
            "NOT_ENROLLED, ENROLMENT_EXPIRED, OVERLAPPING_ISSUANCE, CUSTOMER_LIMIT_REACHED, "
            "BADGE_LIMIT_REACHED, REQUEST_ID_REUSED), or WOULD_ISSUE on a dry run. A repeated "
            "request_id answers the original outcome with `replayed: true`."
        ),
        request=IssueRequestSerializer,
        responses={200: IssueResponseSerializer, 400: ERROR, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def issue(self, request, pk=None):
        badge = self.get_object()
        body = IssueRequestSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        outcomes = issuance.issue(
            badge=badge,
            customer_ids=body.validated_data["customers"],
            order=body.order(),
            actor=request.user,
            now=request.now,
        )
        return Response(
            IssueResponseSerializer(
                {"results": outcomes}, context=self.get_serializer_context()
            ).data
        )

    @extend_schema(
        summary="Revoke every active issuance of this badge held by one customer",
        request=CustomerRevokeSerializer,
        responses={200: IssuanceSerializer(many=True), 400: ERROR, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        badge = self.get_object()
        body = CustomerRevokeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        customer = selectors.customer_get(
            org=request.org, customer_id=body.validated_data["customer_id"]
        )
        revoked = issuance.issuances_revoke_active(
            badge=badge,
            customer=customer,
            reason=body.validated_data["reason"],
            actor=request.user,
            now=request.now,
        )
        return Response(
            IssuanceSerializer(revoked, many=True, context=self.get_serializer_context()).data
        )


@extend_schema(parameters=[X_ORG])
class IssuanceViewSet(OrgScopedMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One issuance, by its issual id."""

    serializer_class = IssuanceSerializer
    lookup_field = "issual_id"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Issuance.objects.none()
        return selectors.issuance_list(org=self.request.org)

    @extend_schema(
        summary="Revoke an issuance (it stops counting for limits and overlap)",
        request=RevokeSerializer,
        responses={200: IssuanceSerializer, 400: ERROR, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, issual_id=None):
        found = self.get_object()
        body = RevokeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        revoked = issuance.issuance_revoke(
            issuance=found,
            reason=body.validated_data["reason"],
            actor=request.user,
            now=request.now,
        )
        return Response(self.get_serializer(revoked).data)


@extend_schema(parameters=[X_ORG])
class EnrolmentViewSet(OrgScopedMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One enrolment, by its id."""

    serializer_class = EnrolmentSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Enrolment.objects.none()
        return selectors.enrolment_list(org=self.request.org)

    @extend_schema(
        summary="Revoke an enrolment (the customer can then enrol again)",
        request=RevokeSerializer,
        responses={200: EnrolmentSerializer, 400: ERROR, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        found = self.get_object()
        body = RevokeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        revoked = enrolment.enrolment_revoke(
            enrolment=found,
            reason=body.validated_data["reason"],
            actor=request.user,
            now=request.now,
        )
        return Response(self.get_serializer(revoked).data)


@extend_schema(parameters=[X_ORG])
class CustomerViewSet(
    OrgScopedMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Customers of the acting org, by the id the loyalty system gives them."""

    serializer_class = CustomerSerializer
    filterset_class = None
    lookup_field = "customer_id"
    lookup_value_regex = "[^/]+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            model = {"badges": Issuance, "available_badges": Badge}.get(self.action, Customer)
            return model.objects.none()
        return selectors.customer_list(org=self.request.org)

    def get_object(self):
        return selectors.customer_get(org=self.request.org, customer_id=self.kwargs["customer_id"])

    @extend_schema(
        summary="Register a customer (or update when they registered)",
        request=CustomerSerializer,
        responses={201: CustomerSerializer, 200: CustomerSerializer, 400: ERROR},
    )
    def create(self, request):
        body = CustomerSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        customer, created = customers.customer_register(
            org=request.org,
            customer_id=body.validated_data["customer_id"],
            registered_on=body.validated_data.get("registered_on"),
            now=request.now,
        )
        return Response(
            self.get_serializer(customer).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        summary="The customer's badges (issuances of every status unless filtered)",
        description=(
            "In the display order of SPEC 10 unless `sort_on` is given: badges of active groups "
            "by group rank; inside a group ranked badges by rank, then the rest by the badge's "
            "`expires_on` descending; then badges with no active group the same way; ties by "
            "badge name, then id; several issuances of one badge newest first."
        ),
        responses={200: CustomerBadgeSerializer(many=True), 404: NOT_FOUND},
        filters=True,
    )
    @action(
        detail=True,
        methods=["get"],
        serializer_class=CustomerBadgeSerializer,
        filterset_class=CustomerBadgeFilter,
    )
    def badges(self, request, customer_id=None):
        customer = selectors.customer_get(org=request.org, customer_id=customer_id)
        found = self.filter_queryset(selectors.customer_issuances(customer=customer))
        page = self.paginate_queryset(found)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Badges available to the customer: live and active, in the display order",
        description=(
            "Each with what the customer must do (`description`), the benefits, the customer's "
            "enrolment state for Enrol & Issue badges and the issuance they hold now, if any. "
            "A customer not seen yet gets the same list, not enrolled anywhere."
        ),
        responses={200: AvailableBadgeSerializer(many=True)},
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="available-badges",
        serializer_class=AvailableBadgeSerializer,
        filterset_class=None,
    )
    def available_badges(self, request, customer_id=None):
        customer = selectors.customer_find(org=request.org, customer_id=customer_id)
        found = selectors.available_badges(org=request.org, customer=customer, now=request.now)
        page = self.paginate_queryset(found)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)
