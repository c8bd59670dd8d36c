"""Browser-UI clients: Django's test client signed in as a member of an org with a role."""

import pytest
from django.test import Client

from badges.models import Role
from tests.factories import MembershipFactory


def signed_in(org, role=Role.EDITOR) -> Client:
    membership = MembershipFactory(org=org, role=role)
    client = Client()
    client.force_login(membership.user)
    client.user = membership.user
    return client


@pytest.fixture
def editor_page(org_a):
    return signed_in(org_a, Role.EDITOR)


@pytest.fixture
def viewer_page(org_a):
    return signed_in(org_a, Role.VIEWER)
