"""Enrol, issue and revoke (``badges/{id}/enrol|issue|revoke/``, ``issuances/``,
``enrolments/``): translate HTTP to the issuance and enrolment services."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from badges import selectors
from badges.selectors import customers as customer_selectors
from badges.services import enrolment, issuance
from badges_project.api.access import OrgScopedMixin
from badges_project.api.schema import error_response

from .serializers.issuance import (
    CustomerRevokeSerializer,
    EnrolmentSerializer,
    EnrolRequestSerializer,
    EnrolResponseSerializer,
    IssuanceSerializer,
    IssueRequestSerializer,
    IssueResponseSerializer,
    RevokeSerializer,
)

BATCH_REFUSALS = (
    "CUSTOMERS_REQUIRED (no customer), TOO_MANY_CUSTOMERS (over 1,000), CUSTOMER_ID_INVALID "
    "(blank, over 100 characters or holding NUL; `field` names the item)"
)
REASON_REFUSALS = error_response(
    "REVOKE_REASON_REQUIRED (blank), REVOKE_REASON_INVALID (over 500 characters or holding NUL)."
)


class BadgeIssuanceActions:
    """The badge routes that enrol, issue and revoke; a mixin of ``BadgeViewSet``."""

    def _batch(self, request, body_class, service, answer_class) -> Response:
        """Enrol and issue alike: read the body's order, run it for each customer, answer a
        result per customer."""
        badge = self.get_object()
        body = body_class(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        outcomes = service(
            badge=badge,
            customer_ids=body.validated_data["customers"],
            order=body.order(),
            actor=request.user,
            now=request.now,
        )
        return Response(
            answer_class({"results": outcomes}, context=self.get_serializer_context()).data
        )

    @extend_schema(
        summary="Enrol customers (up to 1,000; a result per customer)",
        description=(
            "Each customer is ENROLLED (with the new enrolment, or the one they hold with code "
            "ALREADY_ENROLLED) or REFUSED with the first failing check's code (BADGE_NOT_"
            "ENROLLABLE, BADGE_INACTIVE, BADGE_UPCOMING, EVENT_DATE_IN_FUTURE, "
            "EVENT_DATE_OUTSIDE_BADGE_PERIOD, RETRO_WINDOW_EXCEEDED, REGISTRATION_DELAY)."
        ),
        request=EnrolRequestSerializer,
        responses={
            200: EnrolResponseSerializer,
            400: error_response(
                f"The request as a whole is refused: {BATCH_REFUSALS}, REQUEST_ID_REQUIRED "
                "(white space only; send none or an empty one for no request id), "
                "REQUEST_ID_INVALID; or the body's shape is wrong."
            ),
        },
    )
    @action(detail=True, methods=["post"], badge_reads="bare")
    def enrol(self, request, pk=None):
        return self._batch(
            request, EnrolRequestSerializer, enrolment.enrol, EnrolResponseSerializer
        )

    @extend_schema(
        summary="Issue to customers (up to 1,000; a result per customer; dry_run writes nothing)",
        description=(
            "Each customer is ISSUED, REFUSED with the first failing check's code (see "
            "`IssueResult.code`, in the order SPEC 5 checks them), or WOULD_ISSUE on a dry run. "
            "A repeated request_id answers the original outcome with `replayed: true`; the "
            "same request_id with another body is REQUEST_ID_REUSED."
        ),
        request=IssueRequestSerializer,
        responses={
            200: IssueResponseSerializer,
            400: error_response(
                f"The request as a whole is refused: {BATCH_REFUSALS}, REQUEST_ID_REQUIRED "
                "(blank), REQUEST_ID_INVALID (over 255 characters or holding NUL), "
                "ISSUE_REASON_INVALID (blank, over 500 characters or holding NUL); or the "
                "body's shape is wrong (REQUIRED, NULL, INVALID, INVALID_CHOICE, ...)."
            ),
        },
    )
    @action(detail=True, methods=["post"], badge_reads="bare")
    def issue(self, request, pk=None):
        return self._batch(request, IssueRequestSerializer, issuance.issue, IssueResponseSerializer)

    @extend_schema(
        summary="Revoke every active issuance of this badge held by one customer",
        request=CustomerRevokeSerializer,
        responses={200: IssuanceSerializer(many=True), 400: REASON_REFUSALS},
        filters=False,
    )
    @action(
        detail=True,
        methods=["post"],
        badge_reads="bare",
        filterset_class=None,
        pagination_class=None,
    )
    def revoke(self, request, pk=None):
        badge = self.get_object()
        body = CustomerRevokeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        customer = customer_selectors.customer_get(
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


@extend_schema_view(retrieve=extend_schema(summary="Read an issuance"))
class IssuanceViewSet(OrgScopedMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One issuance, by its issual id."""

    serializer_class = IssuanceSerializer
    lookup_field = "issual_id"

    def scoped_queryset(self, org):
        return selectors.issuance_list(org=org)

    @extend_schema(
        summary="Revoke an issuance (it stops counting for limits and overlap)",
        request=RevokeSerializer,
        responses={200: IssuanceSerializer, 400: REASON_REFUSALS},
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


@extend_schema_view(retrieve=extend_schema(summary="Read an enrolment"))
class EnrolmentViewSet(OrgScopedMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """One enrolment, by its id."""

    serializer_class = EnrolmentSerializer

    def scoped_queryset(self, org):
        return selectors.enrolment_list(org=org)

    @extend_schema(
        summary="Revoke an enrolment (the customer can then enrol again)",
        request=RevokeSerializer,
        responses={200: EnrolmentSerializer, 400: REASON_REFUSALS},
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
