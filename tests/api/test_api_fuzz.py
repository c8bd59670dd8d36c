"""Schema-driven fuzzing: every operation of the OpenAPI schema, fed generated bodies and query
strings, answers without a server error, with a status, content type, headers and body its
schema documents. Badge paths are pointed at a real badge of the caller's org so that request
bodies reach the services; other ids are generated and mostly miss. (`make contract` runs every
check of schemathesis, all phases, against a live server.)

FUZZ_EXAMPLES raises the number of examples per operation (default 20).
"""

import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from badges.models import Role
from tests.factories import BadgeFactory, MembershipFactory, TokenFactory

CONFORMANCE = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
SCHEMA = schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.fixture(autouse=True)
def connection_kept_between_requests():
    """Like Django's test client: the test's transaction must outlive each request."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def caller(db):
    membership = MembershipFactory(role=Role.ADMIN)
    badge = BadgeFactory(org=membership.org)
    return TokenFactory(user=membership.user).key, str(badge.pk)


@pytest.mark.fuzz
@pytest.mark.parametrize("operation", OPERATIONS, ids=lambda operation: operation.label)
def test_no_operation_answers_a_server_error(operation, caller):
    token, badge_id = caller

    @given(case=operation.as_strategy())
    @settings(
        max_examples=int(os.environ.get("FUZZ_EXAMPLES", "20")),
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    def check(case):
        if case.path.startswith("/api/v1/badges/{id}"):
            case.path_parameters["id"] = badge_id
        headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "x-org"}
        case.headers = headers
        response = case.call(headers={"Authorization": f"Token {token}"})
        assert response.status_code < 500, (case.as_curl_command(), response.text[:500])
        case.validate_response(response, checks=CONFORMANCE)

    check()
