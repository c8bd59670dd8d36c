"""What the tests of a customer's view share (a pytest plugin, see tests/conftest.py): the
clock on Oct 10, 2026, live October badges, and org A's customer c-1."""

from datetime import datetime

import pytest
import time_machine

from tests.factories import BadgeFactory, CustomerFactory

NOW = "2026-10-10T12:00:00+00:00"
BADGES = "/api/v1/customers/c-1/badges/"
AVAILABLE = "/api/v1/customers/c-1/available-badges/"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def live_badge(org, name: str | None = None, ends: str = "2026-10-31T00:00:00Z", **fields):
    """A badge live from Oct 1 until ``ends``."""
    if name is not None:
        fields["name"] = name
    return BadgeFactory(org=org, start_on=at("2026-10-01T00:00:00Z"), expires_on=at(ends), **fields)


@pytest.fixture
def october_10th():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def customer(org_a):
    return CustomerFactory(org=org_a, customer_id="c-1")
