"""The expiry job (SPEC 16): ACTIVE issuances past their end become EXPIRED, each with one
``badge.expired`` notification, however often and however concurrently the job runs."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command

from badges.models import Issuance, IssuanceStatus, Notification, NotificationType
from badges.services.expiry import issuances_expire
from badges.services.issuance import IssueOrder, issuance_revoke, issue
from tests.concurrency import run_concurrently
from tests.factories import BadgeFactory, OrganizationFactory

NOW = datetime(2026, 9, 2, 12, tzinfo=UTC)
ENDS = NOW + timedelta(weeks=2)


def two_week_badge(org):
    return BadgeFactory(
        org=org,
        start_on=datetime(2026, 9, 1, tzinfo=UTC),
        expires_on=datetime(2026, 9, 30, tzinfo=UTC),
        issue_expiry_type="RELATIVE",
        issue_expiry_value=2,
        issue_expiry_unit="WEEKS",
    )


def issued(badge, customers, now=NOW):
    outcomes = issue(badge=badge, customer_ids=customers, order=IssueOrder(request_id="r"), now=now)
    assert {o.status for o in outcomes} == {"ISSUED"}
    return [o.issuance for o in outcomes]


def expired_notes():
    return Notification.objects.filter(type=NotificationType.EXPIRED)


@pytest.mark.django_db
def test_an_issuance_is_expired_at_its_end_not_a_moment_before():
    badge = two_week_badge(OrganizationFactory())
    [issuance] = issued(badge, ["c-1"])
    assert issuance.expires_on == ENDS
    assert issuances_expire(now=ENDS - timedelta(microseconds=1)).expired == 0
    assert Issuance.objects.get().status == IssuanceStatus.ACTIVE
    assert issuances_expire(now=ENDS).expired == 1
    assert Issuance.objects.get().status == IssuanceStatus.EXPIRED


@pytest.mark.django_db
def test_each_expiry_queues_one_badge_expired_notification():
    badge = two_week_badge(OrganizationFactory(webhook_url="https://hooks.example.com/x"))
    first, second = issued(badge, ["c-1", "c-2"])
    issuances_expire(now=ENDS)
    notes = expired_notes()
    assert {n.issuance_id for n in notes} == {first.issual_id, second.issual_id}
    assert {n.data["status"] for n in notes} == {"EXPIRED"}
    assert {n.status for n in notes} == {"PENDING"}


@pytest.mark.django_db
def test_a_rerun_expires_and_notifies_nothing_more():
    badge = two_week_badge(OrganizationFactory())
    issued(badge, ["c-1"])
    issuances_expire(now=ENDS)
    assert issuances_expire(now=ENDS + timedelta(hours=1)).expired == 0
    assert expired_notes().count() == 1


@pytest.mark.django_db
def test_revoked_and_never_expiring_issuances_are_left_alone():
    org = OrganizationFactory()
    [revoked] = issued(two_week_badge(org), ["c-1"])
    issuance_revoke(issuance=revoked, reason="Fraud", now=NOW)
    never = BadgeFactory(
        org=org,
        start_on=datetime(2026, 9, 1, tzinfo=UTC),
        expires_on=datetime(2026, 9, 30, tzinfo=UTC),
    )
    issued(never, ["c-2"])
    assert issuances_expire(now=ENDS + timedelta(days=3650)).expired == 0
    assert not expired_notes().exists()
    assert set(Issuance.objects.values_list("status", flat=True)) == {"REVOKED", "ACTIVE"}


@pytest.mark.django_db
def test_the_job_goes_through_every_batch():
    badge = two_week_badge(OrganizationFactory())
    issued(badge, [f"c-{n}" for n in range(5)])
    assert issuances_expire(now=ENDS, batch_size=2).expired == 5
    assert expired_notes().count() == 5


@pytest.mark.django_db
def test_the_command_says_how_many_it_expired(capsys, time_machine):
    badge = two_week_badge(OrganizationFactory())
    issued(badge, ["c-1", "c-2"])
    time_machine.move_to(ENDS + timedelta(minutes=1))
    call_command("expire_issuances")
    assert capsys.readouterr().out.strip() == "2 issuance(s) expired."


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("outbox_checked")
def test_runs_at_once_expire_each_issuance_once():
    badge = two_week_badge(OrganizationFactory())
    issued(badge, [f"c-{n}" for n in range(40)])

    def run(i):
        return issuances_expire(now=ENDS, batch_size=3).expired

    results = run_concurrently(run, 4)
    assert all(isinstance(r, int) for r in results), results
    assert sum(results) == 40
    assert expired_notes().count() == 40


@pytest.mark.django_db
def test_a_run_that_crashes_leaves_its_batch_untouched_for_the_next(monkeypatch):
    badge = two_week_badge(OrganizationFactory())
    issued(badge, ["c-1", "c-2"])

    def crash(*args, **kwargs):
        raise RuntimeError("the worker died writing the notifications")

    with monkeypatch.context() as patched:
        patched.setattr(Notification.objects, "bulk_create", crash)
        with pytest.raises(RuntimeError):
            issuances_expire(now=ENDS)
    assert set(Issuance.objects.values_list("status", flat=True)) == {IssuanceStatus.ACTIVE}
    assert not expired_notes().exists()
    assert issuances_expire(now=ENDS).expired == 2
    assert expired_notes().count() == 2
