"""Badge groups and custom fields: translate HTTP to their services."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from customfields import selectors as field_selectors
from customfields import services as field_services
from customfields.models import CustomField
from groups import selectors as group_selectors
from groups import services as group_services
from groups.models import BadgeGroup

from .access import OrgScopedMixin
from .group_serializers import CustomFieldSerializer, GroupSerializer
from .views import ERROR, NOT_FOUND, X_ORG


@extend_schema_view(
    list=extend_schema(summary="List badge groups (by rank)"),
    retrieve=extend_schema(
        summary="Read a badge group", responses={200: GroupSerializer, 404: NOT_FOUND}
    ),
)
@extend_schema(parameters=[X_ORG])
class GroupViewSet(
    OrgScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Badge groups of the acting org (SPEC 10)."""

    serializer_class = GroupSerializer
    filterset_class = None
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return BadgeGroup.objects.none()
        return group_selectors.group_list(org=self.request.org)

    @extend_schema(
        summary="Create a badge group (GROUP_NAME_TAKEN among active groups)",
        responses={201: GroupSerializer, 400: ERROR},
    )
    def create(self, request):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        group = group_services.group_create(
            org=request.org,
            now=request.now,
            definition=group_services.GroupDefinition(**body.validated_data),
        )
        return Response(self.get_serializer(group).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Update a badge group: rename, re-rank, disable (`is_active: false`) or enable",
        responses={200: GroupSerializer, 400: ERROR, 404: NOT_FOUND},
    )
    def partial_update(self, request, pk=None):
        group = self.get_object()
        body = self.get_serializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        group = group_services.group_update(group=group, now=request.now, **body.validated_data)
        return Response(self.get_serializer(group).data)

    @extend_schema(
        summary="Delete a badge group (its badges then have no group)",
        responses={204: None, 404: NOT_FOUND},
    )
    def destroy(self, request, pk=None):
        group_services.group_delete(group=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


INCLUDE_INACTIVE = OpenApiParameter(
    "include_inactive",
    bool,
    description="Also list disabled fields (by default only active fields are listed).",
)


@extend_schema_view(
    list=extend_schema(summary="List custom fields (active ones)", parameters=[INCLUDE_INACTIVE]),
    retrieve=extend_schema(
        summary="Read a custom field", responses={200: CustomFieldSerializer, 404: NOT_FOUND}
    ),
)
@extend_schema(parameters=[X_ORG])
class CustomFieldViewSet(
    OrgScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Custom field definitions of the acting org (SPEC 11)."""

    serializer_class = CustomFieldSerializer
    filterset_class = None
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CustomField.objects.none()
        include_inactive = self.action != "list" or (
            self.request.query_params.get("include_inactive") == "true"
        )
        return field_selectors.custom_field_list(
            org=self.request.org, include_inactive=include_inactive
        )

    @extend_schema(
        summary="Create a custom field (CUSTOM_FIELD_NAME_TAKEN, DEFAULT_VALUE_REQUIRED, "
        "CUSTOM_FIELD_VALUE_INVALID)",
        responses={201: CustomFieldSerializer, 400: ERROR},
    )
    def create(self, request):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        field = field_services.custom_field_create(
            org=request.org,
            now=request.now,
            definition=field_services.FieldDefinition(**body.validated_data),
        )
        return Response(self.get_serializer(field).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Update a custom field (DATA_TYPE_FIXED, CUSTOM_FIELD_REACTIVATION, "
        "CUSTOM_FIELD_INACTIVE)",
        responses={200: CustomFieldSerializer, 400: ERROR, 404: NOT_FOUND},
    )
    def partial_update(self, request, pk=None):
        field = self.get_object()
        body = self.get_serializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        field = field_services.custom_field_update(
            field=field, now=request.now, **body.validated_data
        )
        return Response(self.get_serializer(field).data)
