"""The REST face: translate HTTP to service calls and results back; no rule lives here."""

from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from badges import selectors
from badges.models import Badge, Role
from badges.services import definitions, orgs

from .access import OrgScopedMixin
from .filters import BadgeFilter
from .serializers import (
    BadgeChangeSerializer,
    BadgeSerializer,
    BadgeWriteSerializer,
    ClaimSerializer,
    FixedWindowCountedSerializer,
    OrganizationSerializer,
    OwnerSerializer,
)

ERROR = OpenApiResponse(
    description=(
        "`{field: [messages], code, errors: [{field, code, message}]}` with a stable "
        "UPPER_SNAKE `code` per failure."
    )
)
NOT_FOUND = OpenApiResponse(description="Not in the acting org (`code: NOT_FOUND`).")
X_ORG = OpenApiParameter(
    "X-Org",
    str,
    OpenApiParameter.HEADER,
    description="Slug of the org to act in; needed only by users of several orgs.",
)


@extend_schema(parameters=[X_ORG])
class OrgView(OrgScopedMixin, APIView):
    """The acting org's settings. Anyone in the org reads them; admins change them."""

    write_role = Role.ADMIN
    serializer_class = OrganizationSerializer

    def get_serializer_context(self):
        return {"request": self.request, "org": self.request.org, "now": self.request.now}

    @extend_schema(responses={200: OrganizationSerializer})
    def get(self, request):
        return Response(
            OrganizationSerializer(request.org, context=self.get_serializer_context()).data
        )

    @extend_schema(
        request=OrganizationSerializer, responses={200: OrganizationSerializer, 400: ERROR}
    )
    def patch(self, request):
        serializer = OrganizationSerializer(
            request.org, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        org = orgs.org_update(org=request.org, **serializer.validated_data)
        return Response(OrganizationSerializer(org, context=self.get_serializer_context()).data)


@extend_schema_view(
    list=extend_schema(summary="List badges (Badge Universe)"),
    retrieve=extend_schema(
        summary="Read a badge", responses={200: BadgeSerializer, 404: NOT_FOUND}
    ),
)
@extend_schema(parameters=[X_ORG])
class BadgeViewSet(
    OrgScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Badge definitions of the acting org."""

    serializer_class = BadgeSerializer
    filterset_class = BadgeFilter
    bare_badge_actions = {"enrol", "issue", "revoke", "history"}  # load their own data
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Badge.objects.none()
        if self.action in self.bare_badge_actions:
            return selectors.badges_of(org=self.request.org)
        if self.action == "fixed_windows":
            return selectors.badges_with_fixed_windows(org=self.request.org)
        return selectors.badge_list(org=self.request.org)

    def filter_queryset(self, queryset):
        """List filters apply to the list only; a badge's own routes find it by id alone."""
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def _read(self, badge, status_code=status.HTTP_200_OK) -> Response:
        badge = selectors.badge_get(org=self.request.org, badge_id=badge.pk)
        return Response(self.get_serializer(badge).data, status=status_code)

    @extend_schema(
        summary="Create a badge",
        request=BadgeWriteSerializer,
        responses={201: BadgeSerializer, 400: ERROR},
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
        responses={200: BadgeSerializer, 400: ERROR, 404: NOT_FOUND},
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
        responses={200: BadgeChangeSerializer(many=True), 404: NOT_FOUND},
        filters=False,
    )
    @action(
        detail=True, methods=["get"], serializer_class=BadgeChangeSerializer, filterset_class=None
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
        responses={200: FixedWindowCountedSerializer(many=True), 404: NOT_FOUND},
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="fixed-windows",
        serializer_class=FixedWindowCountedSerializer,
        filterset_class=None,
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

    @extend_schema(
        summary="Activate a badge",
        request=None,
        responses={200: BadgeSerializer, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def activate(self, request, pk=None):
        badge = definitions.badge_activate(
            badge=self.get_object(), actor=request.user, now=request.now
        )
        return self._read(badge)

    @extend_schema(
        summary="Deactivate a badge (refused with BADGE_ENDED once it has ended)",
        request=None,
        responses={200: BadgeSerializer, 400: ERROR, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request, pk=None):
        badge = definitions.badge_deactivate(
            badge=self.get_object(), actor=request.user, now=request.now
        )
        return self._read(badge)

    @extend_schema(
        summary="Add an owning module (owners are never removed)",
        request=OwnerSerializer,
        responses={200: BadgeSerializer, 400: ERROR, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def owners(self, request, pk=None):
        badge = self.get_object()
        serializer = OwnerSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        badge = definitions.owner_add(
            badge=badge, actor=request.user, now=request.now, **serializer.validated_data
        )
        return self._read(badge)

    @extend_schema(
        summary="Add a claim (CLAIM_NEEDS_OWNER, BADGE_INACTIVE, BADGE_ENDED)",
        request=ClaimSerializer,
        responses={201: BadgeSerializer, 200: BadgeSerializer, 400: ERROR, 404: NOT_FOUND},
    )
    @action(detail=True, methods=["post"])
    def claims(self, request, pk=None):
        badge = self.get_object()
        serializer = ClaimSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        claim, created = definitions.claim_add(
            badge=badge, actor=request.user, now=request.now, **serializer.validated_data
        )
        return self._read(claim.badge, status.HTTP_201_CREATED if created else status.HTTP_200_OK)
