"""Management commands: create_org (SPEC 2) and the demo data of the README's first command."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token

from badges.events.models import Event, Rule, TargetProgress
from badges.models import Badge, Enrolment, Issuance, Membership, Organization, Role
from customfields.models import CustomField
from groups.models import BadgeGroup

pytestmark = pytest.mark.django_db


def test_create_org_makes_an_admin_and_prints_the_token_last():
    out = StringIO()
    call_command(
        "create_org",
        "Acme Stores",
        "--timezone",
        "Asia/Kolkata",
        "--username",
        "alice",
        "--password",
        "pw-123456",
        stdout=out,
    )
    org = Organization.objects.get()
    assert (org.name, org.slug, org.timezone) == ("Acme Stores", "acme-stores", "Asia/Kolkata")
    membership = Membership.objects.get()
    assert (membership.user.username, membership.role) == ("alice", Role.ADMIN)
    assert membership.user.check_password("pw-123456")
    assert out.getvalue().strip().splitlines()[-1] == Token.objects.get(user__username="alice").key


def test_create_org_refuses_an_unknown_timezone():
    with pytest.raises(CommandError, match="not an IANA timezone"):
        call_command("create_org", "Acme", "--timezone", "Nowhere/City", "--username", "bob")
    assert not Organization.objects.exists()


def test_a_second_org_for_the_same_user_gets_its_own_slug():
    call_command("create_org", "Acme", "--username", "carol", stdout=StringIO())
    call_command("create_org", "Acme", "--username", "carol", stdout=StringIO())
    assert sorted(Organization.objects.values_list("slug", flat=True)) == ["acme", "acme-2"]
    assert Membership.objects.filter(user__username="carol").count() == 2


def test_demo_data_has_badges_in_every_status_and_is_rerunnable():
    out = StringIO()
    call_command("load_demo_data", stdout=out)
    call_command("load_demo_data", stdout=out)
    now = timezone.now()
    statuses = {badge.status_at(now) for badge in Badge.objects.all()}
    assert statuses == {"upcoming", "live", "ended"}
    assert Badge.objects.count() == 4
    assert Issuance.objects.count() == 11, "activity is made once, on the first run"
    # The workflow rules at work: a registration welcomed, a target reached, one on its way.
    assert Rule.objects.count() == 3
    assert Event.objects.filter(status="PROCESSED").count() == 5
    assert Issuance.objects.filter(source="EVENT").count() == 2
    assert TargetProgress.objects.filter(crossed_on__isnull=True).count() == 1
    assert Enrolment.objects.count() == 3
    assert BadgeGroup.objects.count() == 2
    assert CustomField.objects.count() == 2
    gold = Badge.objects.get(name="Gold Shopper")
    assert (gold.group.name, gold.rank) == ("Limited Edition", 1)
    assert gold.custom_field_values.count() == 2
    assert "demo / " in out.getvalue()
