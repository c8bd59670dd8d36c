"""One error format for the whole API.

Every error answers ``{field: [messages], "code": CODE, "errors": [{field, code, message}]}``:
``field`` is the top-level request field (``non_field_errors`` or ``detail`` when none), each
entry of ``errors`` names the exact path (``customer_limit.rolling.0.limit``) and a stable
UPPER_SNAKE code, and ``code`` repeats the first failure's code.
"""

import logging

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from badges.exceptions import NON_FIELD, Busy, RuleViolation, Violation

logger = logging.getLogger(__name__)

# Seconds a client waits before retrying (with the same request_id) after a 503.
BUSY_RETRY_AFTER = 1
OUTAGE_RETRY_AFTER = 2


def _flatten(detail, path: str = "") -> list[Violation]:
    if isinstance(detail, dict):
        return [
            v
            for key, value in detail.items()
            for v in _flatten(value, f"{path}.{key}" if path else str(key))
        ]
    if isinstance(detail, list):
        if all(isinstance(item, str) for item in detail):
            return [v for item in detail for v in _flatten(item, path)]
        return [
            v
            for index, value in enumerate(detail)
            for v in _flatten(value, f"{path}.{index}" if path else str(index))
        ]
    code = getattr(detail, "code", None) or "INVALID"
    return [Violation(code=str(code).upper(), message=str(detail), field=path or NON_FIELD)]


def violations_of(detail) -> list[Violation]:
    """A serializer's errors as the violations a 400 lists: each with its exact path and code
    (for the results of a batch whose items are refused one by one)."""
    return _flatten(detail)


def error_body(violations) -> dict:
    body: dict = {}
    for violation in violations:
        body.setdefault(violation.field.split(".")[0], []).append(violation.message)
    body["code"] = violations[0].code
    body["errors"] = [{"field": v.field, "code": v.code, "message": v.message} for v in violations]
    return body


def _unavailable(detail: str, code: str, retry_after: int) -> Response:
    return Response(
        {"detail": detail, "code": code},
        status=status.HTTP_503_SERVICE_UNAVAILABLE,
        headers={"Retry-After": str(retry_after)},
    )


def exception_handler(exc, context):
    if isinstance(exc, RuleViolation):
        return Response(error_body(exc.violations), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, RequestDataTooBig):
        return Response(
            {
                "detail": f"The body is over {settings.DATA_UPLOAD_MAX_MEMORY_SIZE:,} bytes.",
                "code": "REQUEST_TOO_LARGE",
            },
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    if isinstance(exc, Busy):
        return _unavailable(
            "Busy with concurrent requests; retry shortly.", "BUSY", BUSY_RETRY_AFTER
        )
    if isinstance(exc, OperationalError | InterfaceError):
        # The database is unreachable or restarting: the request's transaction, if any, was
        # rolled back, so a retry with the same request_id is safe. Django drops the broken
        # connection when the request ends and the next request opens a new one.
        logger.warning("Database unavailable: %s", exc, exc_info=exc)
        return _unavailable(
            "The database is unavailable; retry shortly.",
            "SERVICE_UNAVAILABLE",
            OUTAGE_RETRY_AFTER,
        )
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        )
    elif isinstance(exc, ObjectDoesNotExist | Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = error_body(_flatten(exc.detail))
    elif isinstance(exc, exceptions.APIException):
        code = exc.get_codes()
        response.data = {
            "detail": str(exc.detail),
            "code": (code if isinstance(code, str) else "ERROR").upper(),
        }
    return response


API_PREFIX = "/api/"


def not_found(request, exception=None):
    """Django's 404 (a URL no route matches) in the API's format under ``/api/``."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Not found.", "code": "NOT_FOUND"}, status=404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    """Django's 500 in the API's format under ``/api/``."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": "Server error.", "code": "SERVER_ERROR"}, status=500)
    return defaults.server_error(request)
