"""SPEC 13: a generated webhook signing secret is a Standard Webhooks secret, ``whsec_`` and
the base64 of 32 random bytes, fresh on every call, stored on the org it answers."""

import base64
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from badges.models import Organization
from badges.services import orgs

pytestmark = pytest.mark.django_db

STANDARD_WEBHOOKS_SECRET = re.compile(r"whsec_[A-Za-z0-9+/]{43}=")


def key_of(secret: str) -> bytes:
    return base64.b64decode(secret.removeprefix("whsec_"), validate=True)


def test_a_generated_secret_is_whsec_and_the_base64_of_32_bytes(org_a):
    org, secret = orgs.webhook_secret_generate(org=org_a)
    assert STANDARD_WEBHOOKS_SECRET.fullmatch(secret)
    assert len(key_of(secret)) == 32
    assert org.webhook_secret == secret
    assert Organization.objects.get(pk=org_a.pk).webhook_secret == secret


def test_each_generation_is_fresh_and_replaces_the_last(org_a):
    secrets = [orgs.webhook_secret_generate(org=org_a)[1] for _ in range(5)]
    assert len({key_of(secret) for secret in secrets}) == 5
    assert Organization.objects.get(pk=org_a.pk).webhook_secret == secrets[-1]


def test_the_secret_is_made_of_the_systems_random_bytes(monkeypatch):
    monkeypatch.setattr(orgs.secrets, "token_bytes", lambda n: bytes(range(n)))
    assert key_of(orgs.new_webhook_secret()) == bytes(range(32))


def test_generating_changes_only_the_secret_of_that_org(org_a, org_b):
    org_a.webhook_url, org_b.webhook_secret = "https://hooks.example.com/a", "whsec_b"
    org_a.save()
    org_b.save()
    orgs.webhook_secret_generate(org=org_a)
    assert Organization.objects.get(pk=org_a.pk).webhook_url == "https://hooks.example.com/a"
    assert Organization.objects.get(pk=org_b.pk).webhook_secret == "whsec_b"


@pytest.mark.postgres
def test_the_secret_is_written_on_the_locked_org_row(org_a):
    with CaptureQueriesContext(connection) as queries:
        orgs.webhook_secret_generate(org=org_a)
    sql = [query["sql"] for query in queries]
    locked = next(i for i, s in enumerate(sql) if s.endswith("FOR UPDATE"))
    written = next(i for i, s in enumerate(sql) if s.startswith("UPDATE"))
    assert locked < written
