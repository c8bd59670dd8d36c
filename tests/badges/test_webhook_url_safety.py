"""A webhook URL must reach a public address (SPEC 13): loopback, private and link-local ones are
refused when saved unless ``WEBHOOKS_ALLOW_PRIVATE_NETWORKS`` is on; a URL set without a
signing secret gets one."""

import pytest
from django.test import override_settings

from badges.exceptions import RuleViolation
from badges.models import Organization
from badges.services.orgs import WEBHOOK_SECRET_PREFIX, org_update

pytestmark = pytest.mark.django_db


@override_settings(WEBHOOKS_ALLOW_PRIVATE_NETWORKS=False)
@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hooks",
        "http://10.0.0.5/hooks",
        "http://192.168.1.10:8080/hooks",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/hooks",
        "http://[::ffff:127.0.0.1]/hooks",
    ],
)
def test_a_private_webhook_url_is_refused_when_saved(org_a, url):
    with pytest.raises(RuleViolation) as refused:
        org_update(org=org_a, webhook_url=url)
    violation = refused.value.violations[0]
    assert (violation.code, violation.field) == ("WEBHOOK_URL_NOT_PUBLIC", "webhook_url")
    assert Organization.objects.get(pk=org_a.pk).webhook_url == ""


@override_settings(WEBHOOKS_ALLOW_PRIVATE_NETWORKS=False)
def test_a_public_webhook_url_is_saved(org_a):
    assert org_update(org=org_a, webhook_url="https://93.184.215.14/hooks").webhook_url


@override_settings(WEBHOOKS_ALLOW_PRIVATE_NETWORKS=True)
def test_private_networks_are_allowed_when_the_setting_is_on(org_a):
    assert org_update(org=org_a, webhook_url="http://127.0.0.1:9000/hooks").webhook_url


def test_a_url_set_without_a_secret_gets_one(org_a):
    org = org_update(org=org_a, webhook_url="https://hooks.example.com/a")
    assert org.webhook_secret.startswith(WEBHOOK_SECRET_PREFIX)


def test_a_url_set_keeps_the_secret_it_has(org_a):
    org = org_update(org=org_a, webhook_url="https://hooks.example.com/a", webhook_secret="whsec_b")
    assert org.webhook_secret == "whsec_b"


def test_removing_the_url_keeps_the_secret(org_a):
    org = org_update(org=org_a, webhook_url="https://hooks.example.com/a")
    assert org_update(org=org, webhook_url="").webhook_secret == org.webhook_secret


def test_the_api_answers_a_private_url_with_its_rule(admin_a, settings):
    settings.WEBHOOKS_ALLOW_PRIVATE_NETWORKS = False
    response = admin_a.patch("/api/v1/org/", {"webhook_url": "http://10.1.2.3/x"})
    assert response.status_code == 400
    assert response.json()["code"] == "WEBHOOK_URL_NOT_PUBLIC"
