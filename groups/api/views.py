"""Badge groups (SPEC 10): translate HTTP to the group services."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from badges_project.api.access import OrgScopedMixin
from badges_project.api.schema import error_response
from groups import selectors, services

from .serializers import GroupSerializer


@extend_schema_view(
    list=extend_schema(summary="List badge groups (by rank)"),
    retrieve=extend_schema(summary="Read a badge group"),
)
class GroupViewSet(
    OrgScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Badge groups of the acting org (SPEC 10)."""

    serializer_class = GroupSerializer
    filterset_class = None
    http_method_names = ["get", "post", "patch", "delete", "head"]

    def scoped_queryset(self, org):
        return selectors.group_list(org=org)

    @extend_schema(
        summary="Create a badge group",
        responses={
            201: GroupSerializer,
            400: error_response(
                "GROUP_NAME_REQUIRED, GROUP_NAME_TOO_LONG, GROUP_NAME_TAKEN (among active "
                "groups), RANK_INVALID."
            ),
        },
    )
    def create(self, request):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        group = services.group_create(
            org=request.org,
            now=request.now,
            definition=services.GroupDefinition(**body.validated_data),
        )
        return Response(self.get_serializer(group).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Update a badge group: rename, re-rank, disable (`is_active: false`) or enable",
        responses={
            200: GroupSerializer,
            400: error_response(
                "GROUP_NAME_REQUIRED, GROUP_NAME_TOO_LONG, GROUP_NAME_TAKEN (among active "
                "groups), RANK_INVALID."
            ),
        },
    )
    def partial_update(self, request, pk=None):
        group = self.get_object()
        body = self.get_serializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        group = services.group_update(group=group, now=request.now, **body.validated_data)
        return Response(self.get_serializer(group).data)

    @extend_schema(summary="Delete a badge group (its badges then have no group)")
    def destroy(self, request, pk=None):
        services.group_delete(group=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
