"""Custom fields (SPEC 11): translate HTTP to the custom field services."""

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.response import Response

from badges_project.api.access import OrgScopedMixin
from badges_project.api.schema import error_response
from customfields import selectors, services

from .serializers import CustomFieldSerializer

INCLUDE_INACTIVE = OpenApiParameter(
    "include_inactive",
    bool,
    description="`true` also lists disabled fields (by default only active fields are listed).",
)


@extend_schema_view(
    list=extend_schema(summary="List custom fields (active ones)", parameters=[INCLUDE_INACTIVE]),
    retrieve=extend_schema(summary="Read a custom field"),
)
class CustomFieldViewSet(
    OrgScopedMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Custom field definitions of the acting org (SPEC 11)."""

    serializer_class = CustomFieldSerializer
    filterset_class = None
    http_method_names = ["get", "post", "patch", "head"]

    def scoped_queryset(self, org):
        include_inactive = self.action != "list" or self._include_inactive()
        return selectors.custom_field_list(org=org, include_inactive=include_inactive)

    def _include_inactive(self) -> bool:
        value = self.request.query_params.get("include_inactive", "false")
        if value not in ("true", "false"):
            raise serializers.ValidationError(
                {"include_inactive": [serializers.ErrorDetail("Must be true or false.", "INVALID")]}
            )
        return value == "true"

    @extend_schema(
        summary="Create a custom field",
        responses={
            201: CustomFieldSerializer,
            400: error_response(
                "CUSTOM_FIELD_NAME_REQUIRED, CUSTOM_FIELD_NAME_TOO_LONG, CUSTOM_FIELD_NAME_TAKEN, "
                "DATA_TYPE_INVALID, DEFAULT_VALUE_REQUIRED, CUSTOM_FIELD_VALUE_INVALID, "
                "CUSTOM_FIELD_INACTIVE."
            ),
        },
    )
    def create(self, request):
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        field = services.custom_field_create(
            org=request.org,
            now=request.now,
            definition=services.FieldDefinition(**body.validated_data),
        )
        return Response(self.get_serializer(field).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Update a custom field; `is_active: false` disables it for good",
        responses={
            200: CustomFieldSerializer,
            400: error_response(
                "CUSTOM_FIELD_NAME_REQUIRED, CUSTOM_FIELD_NAME_TOO_LONG, CUSTOM_FIELD_NAME_TAKEN, "
                "DATA_TYPE_FIXED, DEFAULT_VALUE_REQUIRED, CUSTOM_FIELD_VALUE_INVALID, "
                "CUSTOM_FIELD_REACTIVATION, CUSTOM_FIELD_INACTIVE."
            ),
        },
    )
    def partial_update(self, request, pk=None):
        field = self.get_object()
        body = self.get_serializer(data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        field = services.custom_field_update(field=field, now=request.now, **body.validated_data)
        return Response(self.get_serializer(field).data)
