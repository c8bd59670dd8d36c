"""Shared fixtures. Two orgs, A and B, each with an admin, an editor and a viewer; API clients
authenticate by token, as integrations do."""

import os

import pytest
from django.db import connection
from hypothesis import settings
from rest_framework.test import APIClient

from badges.models import Role
from tests.browser import browser_executable
from tests.factories import MembershipFactory, OrganizationFactory, TokenFactory
from tests.outbox import outbox_discrepancies

pytest_plugins = ["tests.customer_view"]

# CI replays the same examples every run, so that a red build always means a reproducible
# failure; local runs explore new examples each time.
settings.register_profile("ci", derandomize=True, deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


def pytest_collection_modifyitems(config, items):
    """Tests that need a server run only in the pass that has it."""
    available = {
        "postgres": os.environ.get("DATABASE_URL", "").startswith(("postgres", "pgsql")),
        "redis": bool(os.environ.get("CELERY_BROKER_URL")),
        "browser": bool(os.environ.get("BROWSER_REQUIRED") or browser_executable()),
    }
    for marker, present in available.items():
        if present:
            continue
        skip = pytest.mark.skip(reason=f"needs {marker}: see README, Development")
        for item in items:
            if marker in item.keywords:
                item.add_marker(skip)


@pytest.fixture
def is_postgres():
    return connection.vendor == "postgresql"


@pytest.fixture
def org_a(db):
    return OrganizationFactory(name="Brand A", slug="brand-a", timezone="Asia/Kolkata")


@pytest.fixture
def org_b(db):
    return OrganizationFactory(name="Brand B", slug="brand-b", timezone="UTC")


def _client_for(org, role) -> APIClient:
    membership = MembershipFactory(org=org, role=role)
    token = TokenFactory(user=membership.user)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    client.user = membership.user
    return client


@pytest.fixture
def admin_a(org_a):
    return _client_for(org_a, Role.ADMIN)


@pytest.fixture
def editor_a(org_a):
    return _client_for(org_a, Role.EDITOR)


@pytest.fixture
def viewer_a(org_a):
    return _client_for(org_a, Role.VIEWER)


@pytest.fixture
def editor_b(org_b):
    return _client_for(org_b, Role.EDITOR)


@pytest.fixture
def user_a(editor_a):
    return editor_a.user


@pytest.fixture
def outbox_checked():
    """After the test: every change the services made has its notification, and every
    notification a committed change (a module of concurrency proofs uses it)."""
    yield
    assert outbox_discrepancies() == {}
