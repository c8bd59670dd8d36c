"""Customers (``customers/``, SPEC 15): registration, their badges and the badges available to
them; translate HTTP to the customer service and selectors."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from badges import selectors
from badges.events import selectors as event_selectors
from badges.filters import CustomerBadgeFilter
from badges.selectors import customers as customer_selectors
from badges.services import customers
from badges_project.api.access import OrgScopedMixin
from badges_project.api.schema import error_response

from .serializers.customers import (
    AvailableBadgeSerializer,
    CustomerBadgeSerializer,
    CustomerSerializer,
)


@extend_schema_view(
    list=extend_schema(summary="List customers"),
    retrieve=extend_schema(summary="Read a customer"),
)
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

    def scoped_queryset(self, org):
        reads = {
            "badges": selectors.issuance_list,
            "available_badges": selectors.badges_of,
        }
        return reads.get(self.action, customer_selectors.customer_list)(org=org)

    def get_object(self):
        return customer_selectors.customer_get(
            org=self.request.org, customer_id=self.kwargs["customer_id"]
        )

    @extend_schema(
        summary="Register a customer (or update when they registered)",
        request=CustomerSerializer,
        responses={
            201: CustomerSerializer,
            200: CustomerSerializer,
            400: error_response(
                "CUSTOMER_ID_INVALID (blank, over 100 characters or holding NUL), "
                "REGISTERED_ON_IN_FUTURE."
            ),
        },
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
        responses={200: CustomerBadgeSerializer(many=True)},
        filters=True,
    )
    @action(
        detail=True,
        methods=["get"],
        serializer_class=CustomerBadgeSerializer,
        filterset_class=CustomerBadgeFilter,
    )
    def badges(self, request, customer_id=None):
        customer = customer_selectors.customer_get(org=request.org, customer_id=customer_id)
        if CustomerBadgeFilter.display_order_alone(request.query_params):
            found = customer_selectors.CustomerBadgePages(customer=customer)
        else:
            found = self.filter_queryset(customer_selectors.customer_issuances(customer=customer))
        page = customer_selectors.customer_badge_reads_loaded(
            list(self.paginate_queryset(found)), customer, request.org
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Badges available to the customer: live and active, in the display order",
        description=(
            "Each with what the customer must do (`description`), the benefits, the customer's "
            "enrolment state for Enrol & Issue badges, the issuance they hold now, if any, and "
            "their progress toward the badge's target when an active target rule issues it "
            "(null otherwise). A customer not seen yet gets the same list, not enrolled "
            "anywhere, at 0 toward every target."
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
        customer = customer_selectors.customer_find(org=request.org, customer_id=customer_id)
        found = customer_selectors.available_badges(
            org=request.org, customer=customer, now=request.now
        )
        page = customer_selectors.available_badge_reads_loaded(
            list(self.paginate_queryset(found)), request.org
        )
        progress = event_selectors.progress_by_badge(
            org=request.org, customer=customer, badges=page
        )
        context = {**self.get_serializer_context(), "progress": progress}
        serializer = AvailableBadgeSerializer(page, many=True, context=context)
        return self.get_paginated_response(serializer.data)
