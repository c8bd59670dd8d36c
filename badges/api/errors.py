"""One error format for the whole API.

Every error answers ``{field: [messages], "code": CODE, "errors": [{field, code, message}]}``:
``field`` is the top-level request field (``non_field_errors`` or ``detail`` when none), each
entry of ``errors`` names the exact path (``customer_limit.rolling.0.limit``) and a stable
UPPER_SNAKE code, and ``code`` repeats the first failure's code.
"""

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from badges.exceptions import NON_FIELD, Busy, RuleViolation, Violation


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


def error_body(violations) -> dict:
    body: dict = {}
    for violation in violations:
        body.setdefault(violation.field.split(".")[0], []).append(violation.message)
    body["code"] = violations[0].code
    body["errors"] = [{"field": v.field, "code": v.code, "message": v.message} for v in violations]
    return body


def exception_handler(exc, context):
    if isinstance(exc, RuleViolation):
        return Response(error_body(exc.violations), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Busy):
        return Response(
            {"detail": "Busy with concurrent requests; retry shortly.", "code": "BUSY"},
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "1"},
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
