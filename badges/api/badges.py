"""Badges (``badges/``): definitions, their owners, claims, history and fixed windows, plus the
issuance actions of ``issuance.BadgeIssuanceActions``. Translate HTTP to the services; no rule
lives here."""

from django.http import Http404
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from badges import selectors
from badges.filters import BADGE_ORDERING, BadgeFilter
from badges.models import Badge
from badges.services import definitions
from badges_project.api.access import OrgScopedMixin
from badges_project.api.schema import error_response

from .images import BadgeImageActions
from .issuance import BadgeIssuanceActions
from .serializers.badges import (
    BadgeChangeSerializer,
    BadgeSerializer,
    BadgeWriteSerializer,
    ClaimSerializer,
    FixedWindowCountedSerializer,
    OwnerSerializer,
)

DEFINITION_REFUSALS = error_response(
    "The definition breaks a rule of SPEC 3 (every broken rule is listed): NAME_REQUIRED, "
    "NAME_TOO_LONG, BADGE_NAME_TAKEN, DESCRIPTION_TOO_LONG, START_ON_LOCKED, "
    "START_ON_NOT_IN_FUTURE, DATE_OUT_OF_RANGE, EXPIRES_ON_NOT_AFTER_START, EXPIRES_ON_IN_PAST, "
    "ISSUE_TYPE_INVALID, ISSUE_TYPE_FIXED, ENROLMENT_EXPIRY_REQUIRED, "
    "ENROLMENT_EXPIRY_NOT_ALLOWED, EXPIRY_TYPE_INVALID, EXPIRY_VALUE_INVALID, "
    "EXPIRY_UNIT_INVALID, EXPIRY_DATE_REQUIRED, ISSUE_EXPIRY_REQUIRED, "
    "EXPIRY_DATE_NOT_AFTER_START, OWNER_REQUIRED, MODULE_INVALID, OWNERS_ADD_ONLY, "
    "TOO_MANY_BENEFITS, BENEFIT_DETAILS_INVALID, BENEFIT_DUPLICATE, LIMIT_INVALID, "
    "ROLLING_WINDOW_DUPLICATE, DURATION_TYPE_INVALID, WEEK_START_DAY_INVALID, GROUP_NOT_FOUND, "
    "GROUP_INACTIVE, RANK_INVALID, CUSTOM_FIELD_NOT_FOUND, CUSTOM_FIELD_INACTIVE, "
    "CUSTOM_FIELD_DUPLICATE, CUSTOM_FIELD_VALUE_INVALID; or the body's shape is wrong "
    "(REQUIRED, NULL, INVALID, INVALID_CHOICE, ...)."
)


@extend_schema_view(
    list=extend_schema(summary="List badges (Badge Universe)", parameters=[BADGE_ORDERING]),
    retrieve=extend_schema(summary="Read a badge"),
)
class BadgeViewSet(
    OrgScopedMixin,
    BadgeIssuanceActions,
    BadgeImageActions,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Badge definitions of the acting org."""

    serializer_class = BadgeSerializer
    filterset_class = BadgeFilter
    http_method_names = ["get", "post", "put", "patch", "delete", "head"]
    # What an action reads of its badge: "read" everything a badge read shows, "bare" the row
    # alone (the action's service loads what it needs), "fixed_windows" the row and its configs.
    badge_reads = "read"

    def scoped_queryset(self, org):
        reads = {
            "read": selectors.badge_list,
            "bare": selectors.badges_of,
            "fixed_windows": selectors.badges_with_fixed_windows,
        }
        return reads[self.badge_reads](org=org)

    def get_object(self):
        """The badge's row, read by a statement written once (every issue call starts with
        it, and a queryset's ``get`` cost a read a millisecond to build); a "read" then loads
        what a badge read shows. Fixed windows are read through the queryset."""
        if self.badge_reads == "fixed_windows":
            return super().get_object()
        try:
            badge = selectors.badge_row(org=self.request.org, badge_id=self.kwargs["pk"])
        except Badge.DoesNotExist as error:
            raise Http404 from error
        self.check_object_permissions(self.request, badge)
        return selectors.badge_reads_loaded([badge])[0] if self.badge_reads == "read" else badge

    def paginate_queryset(self, queryset):
        """A page of badges with what a badge read shows, loaded once the page is known."""
        page = super().paginate_queryset(queryset)
        return selectors.badge_reads_loaded(list(page)) if self.badge_reads == "read" else page

    def filter_queryset(self, queryset):
        """List filters apply to the list only; a badge's own routes find it by id alone. A
        list call sending no filter but an ordering reads its page and count together."""
        if self.action != "list":
            return queryset
        ordering = BadgeFilter.ordering_alone(self.request.query_params)
        if ordering is None or self.request.org is None:
            return super().filter_queryset(queryset)
        return selectors.BadgePages(org=self.request.org, ordering=ordering)

    def _read(self, badge, status_code=status.HTTP_200_OK) -> Response:
        badge = selectors.badge_get(org=self.request.org, badge_id=badge.pk)
        return Response(
            BadgeSerializer(badge, context=self.get_serializer_context()).data, status_code
        )

    @extend_schema(
        summary="Create a badge",
        request=BadgeWriteSerializer,
        responses={201: BadgeSerializer, 400: DEFINITION_REFUSALS},
    )
    def create(self, request):
        serializer = BadgeWriteSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        badge = definitions.badge_create(
            org=request.org, actor=request.user, now=request.now, definition=serializer.definition()
        )
        return self._read(badge, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Update a badge (only the fields sent change)",
        request=BadgeWriteSerializer,
        responses={200: BadgeSerializer, 400: DEFINITION_REFUSALS},
    )
    def partial_update(self, request, pk=None):
        badge = self.get_object()
        serializer = BadgeWriteSerializer(
            data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        badge = definitions.badge_update(
            badge=badge, actor=request.user, now=request.now, **serializer.changes()
        )
        return self._read(badge)

    @extend_schema(
        summary="The badge's change history, newest first",
        responses={200: BadgeChangeSerializer(many=True)},
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        serializer_class=BadgeChangeSerializer,
        filterset_class=None,
        badge_reads="bare",
    )
    def history(self, request, pk=None):
        changes = selectors.badge_changes(badge=self.get_object())
        page = self.paginate_queryset(changes)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="The badge's fixed-window configs with their current and next cycles",
        description=(
            "Every config of the customer and badge limits, oldest first per scope, with its "
            "status derived from the clock, its range, the cycle holding now (with the "
            "issuances counted in it) and the next cycle."
        ),
        responses={200: FixedWindowCountedSerializer(many=True)},
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="fixed-windows",
        serializer_class=FixedWindowCountedSerializer,
        filterset_class=None,
        badge_reads="fixed_windows",
    )
    def fixed_windows(self, request, pk=None):
        badge = self.get_object()
        page = self.paginate_queryset(selectors.fixed_window_states(badge=badge, now=request.now))
        counts = selectors.cycle_issued_counts(
            badge=badge, cycles=[s.current_cycle for s in page if s.current_cycle is not None]
        )
        context = {**self.get_serializer_context(), "cycle_counts": counts}
        serializer = FixedWindowCountedSerializer(page, many=True, context=context)
        return self.get_paginated_response(serializer.data)

    @extend_schema(summary="Activate a badge", request=None, responses={200: BadgeSerializer})
    @action(detail=True, methods=["post"], badge_reads="bare")
    def activate(self, request, pk=None):
        badge = definitions.badge_activate(
            badge=self.get_object(), actor=request.user, now=request.now
        )
        return self._read(badge)

    @extend_schema(
        summary="Deactivate a badge",
        request=None,
        responses={200: BadgeSerializer, 400: error_response("BADGE_ENDED: the badge has ended.")},
    )
    @action(detail=True, methods=["post"], badge_reads="bare")
    def deactivate(self, request, pk=None):
        badge = definitions.badge_deactivate(
            badge=self.get_object(), actor=request.user, now=request.now
        )
        return self._read(badge)

    @extend_schema(
        summary="Add an owning module (owners are never removed)",
        request=OwnerSerializer,
        responses={200: BadgeSerializer, 400: error_response("INVALID_CHOICE: no such module.")},
    )
    @action(detail=True, methods=["post"], badge_reads="bare")
    def owners(self, request, pk=None):
        badge = self.get_object()
        serializer = OwnerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        badge = definitions.owner_add(
            badge=badge, actor=request.user, now=request.now, **serializer.validated_data
        )
        return self._read(badge)

    @extend_schema(
        summary="Add a claim (201 when new, 200 when the badge already had it)",
        request=ClaimSerializer,
        responses={
            201: BadgeSerializer,
            200: BadgeSerializer,
            400: error_response(
                "CLAIM_REFERENCE_REQUIRED, CLAIM_NEEDS_OWNER (the module does not own the "
                "badge), BADGE_INACTIVE, BADGE_ENDED."
            ),
        },
    )
    @action(detail=True, methods=["post"], badge_reads="bare")
    def claims(self, request, pk=None):
        badge = self.get_object()
        serializer = ClaimSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim, created = definitions.claim_add(
            badge=badge, actor=request.user, now=request.now, **serializer.validated_data
        )
        return self._read(claim.badge, status.HTTP_201_CREATED if created else status.HTTP_200_OK)
