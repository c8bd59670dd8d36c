"""The OpenAPI schema is a contract a client generator can use: a Python client generated from
``/api/schema/`` by openapi-python-client, with no hand edits, drives a badge's life against a
live server and reads a refusal into its error model."""

import importlib
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
import yaml
from django.test import Client as DjangoClient

from badges.models import Role
from tests.factories import MembershipFactory, TokenFactory

CONFIG = {"package_name_override": "badges_client", "post_hooks": []}
START = datetime(2026, 9, 1, 3, 30, tzinfo=UTC)


@pytest.fixture
def generated_client(tmp_path, db):
    """The client package, generated from the schema this code serves."""
    schema = tmp_path / "schema.yaml"
    schema.write_bytes(DjangoClient().get("/api/schema/").content)
    config = tmp_path / "config.yaml"
    config.write_text(yaml.safe_dump(CONFIG))
    generator = [sys.executable, "-m", "openapi_python_client", "generate", "--meta", "none"]
    generated = subprocess.run(
        [
            *generator,
            *("--path", str(schema), "--config", str(config)),
            *("--output-path", str(tmp_path / "badges_client"), "--fail-on-warning"),
        ],
        capture_output=True,
        text=True,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    sys.path.insert(0, str(tmp_path))
    yield importlib.import_module("badges_client")
    sys.path.remove(str(tmp_path))
    for name in [m for m in sys.modules if m.split(".")[0] == "badges_client"]:
        del sys.modules[name]


def module(package, name: str):
    return importlib.import_module(f"badges_client.{name}")


def test_a_generated_client_drives_a_badge_from_creation_to_revocation(
    generated_client, live_server, transactional_db
):
    membership = MembershipFactory(role=Role.EDITOR, org__timezone="Asia/Kolkata")
    token = TokenFactory(user=membership.user).key
    client = generated_client.AuthenticatedClient(
        base_url=live_server.url, token=token, prefix="Token", raise_on_unexpected_status=True
    )
    models = module(generated_client, "models")
    badges = "api.badges."

    with time_machine.travel(START, tick=False):
        created = module(generated_client, badges + "badges_create").sync(
            client=client,
            body=models.BadgeWriteRequest(
                name="Gold Shopper",
                start_on=START + timedelta(hours=1),
                expires_on=START + timedelta(days=30),
                issue_type=models.IssueTypeEnum.ISSUE,
                issue_expiry=models.ExpiryRequest(
                    type_=models.ExpiryTypeEnum.RELATIVE,
                    value=2,
                    unit=models.TimeUnitEnum.WEEKS,
                ),
                owners=[models.ModuleEnum.LOYALTY],
            ),
        )
    assert isinstance(created, models.Badge), created
    assert created.status == models.BadgeStatusEnum.UPCOMING

    with time_machine.travel(START + timedelta(days=2), tick=False):
        issue = module(generated_client, badges + "badges_issue_create")
        first = issue.sync(
            created.id,
            client=client,
            body=models.IssueRequestRequest(customers=["c-1"], request_id="pos-1"),
        )
        second = issue.sync(
            created.id,
            client=client,
            body=models.IssueRequestRequest(customers=["c-1", "c-2"], request_id="pos-2"),
        )
        read = module(generated_client, badges + "badges_retrieve").sync(created.id, client=client)
        listed = module(generated_client, badges + "badges_list").sync(client=client)
        held = module(generated_client, "api.customers.customers_badges_list").sync(
            "c-1", client=client
        )
        issual_id = first.results[0].issuance.issual_id
        revoked = module(generated_client, "api.issuances.issuances_revoke_create").sync(
            issual_id, client=client, body=models.RevokeRequest(reason="Returned the goods")
        )
        refused = module(generated_client, badges + "badges_issue_create").sync(
            created.id,
            client=client,
            body=models.IssueRequestRequest(customers=[], request_id="pos-3"),
        )

    assert first.results[0].status == models.IssueResultStatusEnum.ISSUED
    again, other = second.results
    assert again.code == models.IssueRefusalCodeEnum.OVERLAPPING_ISSUANCE
    assert again.details.next_eligible_at == first.results[0].issuance.expires_on
    assert (other.status, other.code) == (models.IssueResultStatusEnum.ISSUED, None)
    assert read.id == created.id and read.status == models.BadgeStatusEnum.LIVE
    assert [badge.name for badge in listed.results] == ["Gold Shopper"]
    assert [badge.issual_id for badge in held.results] == [issual_id]
    assert revoked.status == models.IssuanceStatusEnum.REVOKED
    assert isinstance(refused, models.Error)
    assert refused.code == "CUSTOMERS_REQUIRED"
    assert [(e.field, e.code) for e in refused.errors] == [("customers", "CUSTOMERS_REQUIRED")]
