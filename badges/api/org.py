"""The acting org's settings (SPEC 2, ``org/``): translate HTTP to the org service."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from badges.models import ORG_SETTINGS, Organization, Role
from badges.services import orgs
from badges_project.api.access import OrgScopedMixin
from badges_project.api.fields import (
    JsonCharField,
    JsonModelSerializer,
    JsonURLField,
    TrimmedText,
)
from badges_project.api.schema import error_response


class OrganizationSerializer(JsonModelSerializer):
    name = TrimmedText(max_length=200, required=False)
    timezone = JsonCharField(
        required=False,
        help_text="An IANA timezone name, such as Asia/Kolkata (TIMEZONE_INVALID otherwise).",
    )
    webhook_url = JsonURLField(
        required=False,
        allow_blank=True,
        trim_whitespace=False,
        max_length=200,
        schema={
            "anyOf": [
                {"type": "string", "format": "uri", "maxLength": 200},
                {"type": "string", "maxLength": 0},
            ],
            "description": "An http(s) URL, or empty for none.",
        },
    )
    webhook_secret = TrimmedText(max_length=200, write_only=True, required=False, allow_blank=True)
    webhook_secret_set = serializers.SerializerMethodField()

    class Meta:
        model = Organization
        fields = ["id", "slug", *ORG_SETTINGS, "webhook_secret_set"]
        read_only_fields = ["id", "slug"]

    def get_webhook_secret_set(self, org: Organization) -> bool:
        return bool(org.webhook_secret)


class OrganizationChangedSerializer(OrganizationSerializer):
    new_webhook_secret = serializers.SerializerMethodField(
        help_text=(
            "The signing secret this change generated (a webhook URL set while the org had no "
            "secret), shown this once; null otherwise."
        )
    )

    class Meta(OrganizationSerializer.Meta):
        fields = [*OrganizationSerializer.Meta.fields, "new_webhook_secret"]

    def get_new_webhook_secret(self, org: Organization) -> str | None:
        return self.context.get("new_webhook_secret")


class OrgView(OrgScopedMixin, APIView):
    """The acting org's settings. Anyone in the org reads them; admins change them."""

    write_role = Role.ADMIN
    serializer_class = OrganizationSerializer

    def get_serializer_context(self):
        return {"request": self.request, "org": self.request.org, "now": self.request.now}

    @extend_schema(
        summary="Read the acting org's settings", responses={200: OrganizationSerializer}
    )
    def get(self, request):
        return Response(
            OrganizationSerializer(request.org, context=self.get_serializer_context()).data
        )

    @extend_schema(
        summary="Change the acting org's settings (admins)",
        request=OrganizationSerializer,
        responses={
            200: OrganizationChangedSerializer,
            400: error_response(
                "TIMEZONE_INVALID, MAX_VALUE and the other field codes; WEBHOOK_URL_NOT_PUBLIC "
                "(a webhook URL resolving to a loopback, private or link-local address)."
            ),
        },
    )
    def patch(self, request):
        serializer = OrganizationSerializer(
            request.org, data=request.data, partial=True, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        org = orgs.org_update(org=request.org, **serializer.validated_data)
        context = self.get_serializer_context()
        context["new_webhook_secret"] = orgs.webhook_secret_made(
            request.org, org, serializer.validated_data
        )
        return Response(OrganizationChangedSerializer(org, context=context).data)
