"""The OpenAPI schema's shared parts, written once: the error body, the answers every operation
can give, and the ``X-Org`` header.

``ApiSchema`` (the project's ``DEFAULT_SCHEMA_CLASS``) adds to every operation the ``X-Org``
header and the error answers any request can get (400, 401, 403, 404, 503 with
``Retry-After``), and 413 and 415 to operations that take a body; an operation documents its
own codes by giving its 400 (or another status) a description with ``error_response``.
"""

from django.conf import settings
from drf_spectacular.extensions import OpenApiSerializerExtension, OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_array_type, build_basic_type
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field
from rest_framework import serializers

from badges.values import DATE_YEARS, DATETIME_YEARS

from .errors import BUSY_RETRY_AFTER, OUTAGE_RETRY_AFTER
from .fields import OrgDateTimeField

X_ORG = OpenApiParameter(
    "X-Org",
    str,
    OpenApiParameter.HEADER,
    pattern=r"^[-a-zA-Z0-9_]+$",
    description="Slug (or id) of the org to act in; needed only by users of several orgs. An org "
    "the caller does not belong to answers 404.",
)
RETRY_AFTER = OpenApiParameter(
    "Retry-After",
    int,
    OpenApiParameter.HEADER,
    response=[503],
    required=True,
    description=f"Seconds to wait before retrying with the same request: {BUSY_RETRY_AFTER} "
    f"when busy, {OUTAGE_RETRY_AFTER} while the database is unavailable.",
)


class ErrorItemSerializer(serializers.Serializer):
    field = serializers.CharField(
        help_text="Path of the value the rule is about, e.g. `customer_limit.rolling.0.limit` "
        "(`non_field_errors` when none)."
    )
    code = serializers.CharField(help_text="Stable UPPER_SNAKE code of the rule.")
    message = serializers.CharField(help_text="What went wrong, for people.")


@extend_schema_field(
    {"oneOf": [build_basic_type(OpenApiTypes.STR), build_array_type({"type": "string"})]}
)
class DetailField(serializers.Field):
    """``detail``: the message of an error that is not about a field (a string), or the
    messages about a request field named ``detail`` (a list)."""


class ErrorSerializer(serializers.Serializer):
    """Every error answer. A refused request (400) lists each broken rule in ``errors`` and the
    messages by top-level field (``{"name": ["..."]}``); other errors carry ``detail``."""

    code = serializers.CharField(help_text="Stable UPPER_SNAKE code of the (first) failure.")
    detail = DetailField(required=False)
    errors = ErrorItemSerializer(many=True, required=False)


class ErrorSchema(OpenApiSerializerExtension):
    """The error body also maps each refused top-level field to its messages."""

    target_class = ErrorSerializer

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["additionalProperties"] = {
            "type": "array",
            "items": {"type": "string"},
            "description": "The messages about one top-level request field.",
        }
        return schema


class OrgDateTimeSchema(OpenApiSerializerFieldExtension):
    """Instants are read as an RFC 3339 datetime or a date alone (midnight in the org's
    timezone), years 2 to 9998 (9999 for a date); they are written as RFC 3339 datetimes."""

    target_class = OrgDateTimeField

    def map_serializer_field(self, auto_schema, direction):
        if direction == "response":
            return build_basic_type(OpenApiTypes.DATETIME)
        return {
            "anyOf": [
                {"type": "string", "format": "date-time", "pattern": DATETIME_YEARS},
                {"type": "string", "format": "date", "pattern": DATE_YEARS},
            ]
        }


def error_response(description: str) -> OpenApiResponse:
    """An error answer of one operation, described with the codes it can carry."""
    return OpenApiResponse(ErrorSerializer, description=description)


STANDARD_ERRORS = {
    "400": "Refused: a broken rule (`errors` names each, with its field and code), a malformed "
    "body or query, or `ORG_REQUIRED` for a user of several orgs without `X-Org`.",
    "401": "No valid credentials (`NOT_AUTHENTICATED`, `AUTHENTICATION_FAILED`).",
    "403": "The caller's role in the acting org does not allow this (`PERMISSION_DENIED`).",
    "404": "Not in the acting org, an unknown `X-Org`, or a page past the last (`NOT_FOUND`).",
    "503": "Busy with concurrent requests on the same rows (`BUSY`) or the database is "
    "unavailable (`SERVICE_UNAVAILABLE`): retry after `Retry-After` seconds with the same "
    "request (a repeated `request_id` answers what was done, and does nothing twice).",
}
BODY_ERRORS = {
    "413": f"The body is over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes "
    "(`REQUEST_TOO_LARGE`).",
    "415": "The body is not JSON (`UNSUPPORTED_MEDIA_TYPE`).",
}


class ApiSchema(AutoSchema):
    def get_override_parameters(self):
        return [X_ORG, RETRY_AFTER, *super().get_override_parameters()]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        standard = dict(STANDARD_ERRORS)
        if self.method in ("POST", "PUT", "PATCH") and self.get_request_serializer() is not None:
            standard.update(BODY_ERRORS)
        for code, description in standard.items():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    error_response(description), code, direction=direction
                )
        return dict(sorted(responses.items()))
