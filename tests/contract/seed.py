"""Seed a database for the live contract run (``make contract``): an org with an admin token,
live badges, a customer holding an issuance and an enrolment, a group and a custom field, workflow
rules (one with a target) and a processed event that made the customer progress toward it, made
through the services. Prints ``NAME=value`` lines for the schemathesis configuration."""

import os
import sys
from datetime import timedelta
from pathlib import Path

import django

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "badges_project.settings.dev")
django.setup()

from django.core.management import call_command  # noqa: E402
from django.utils import timezone  # noqa: E402

from badges.events.services.intake import EventBody, event_submit  # noqa: E402
from badges.events.services.processing import event_process  # noqa: E402
from badges.events.services.rules import RuleDraft, rule_create  # noqa: E402
from badges.services import definitions, orgs  # noqa: E402
from badges.services.enrolment import enrol  # noqa: E402
from badges.services.issuance import IssueOrder, issue  # noqa: E402
from badges.values import Definition, Expiry  # noqa: E402
from customfields import services as customfields  # noqa: E402
from groups import services as groups  # noqa: E402


def seed() -> dict[str, str]:
    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    org, token = orgs.org_create(name="Contract", timezone="Asia/Kolkata", username="contract")
    user = token.user
    now = timezone.now()
    month_ago = now - timedelta(days=30)
    badge = definitions.badge_create(
        org=org,
        actor=user,
        now=month_ago,
        definition=Definition(
            name="Contract badge",
            start_on=month_ago + timedelta(hours=1),
            expires_on=now + timedelta(days=365),
            issue_type="ISSUE",
            issue_expiry=Expiry(type="RELATIVE", value=2, unit="WEEKS"),
            owners=("LOYALTY",),
        ),
    )
    enrollable = definitions.badge_create(
        org=org,
        actor=user,
        now=month_ago,
        definition=Definition(
            name="Contract enrol badge",
            start_on=month_ago + timedelta(hours=1),
            expires_on=now + timedelta(days=365),
            issue_type="ENROL_ISSUE",
            enrolment_expiry=Expiry(type="BADGE_END"),
            issue_expiry=Expiry(type="NEVER"),
            owners=("LOYALTY",),
        ),
    )
    [issued] = issue(
        badge=badge, customer_ids=["c-1"], order=IssueOrder(request_id="seed"), actor=user, now=now
    )
    [enrolled] = enrol(badge=enrollable, customer_ids=["c-1"], actor=user, now=now)
    group = groups.group_create(
        org=org, now=now, definition=groups.GroupDefinition(name="Contract group", rank=1)
    )
    doomed = groups.group_create(
        org=org, now=now, definition=groups.GroupDefinition(name="Contract group to delete", rank=2)
    )
    field = customfields.custom_field_create(
        org=org,
        now=now,
        definition=customfields.FieldDefinition(name="Contract field", data_type="STRING"),
    )
    spend, doomed_rule = (
        rule_create(
            org=org,
            draft=RuleDraft(
                name=name,
                module="LOYALTY",
                program="Contract program",
                event_type="TransactionAdd",
                action="ISSUE_BADGE",
                badge=badge,
                target=target,
            ),
            confirm_claim=True,
            actor=user,
            now=now,
        )
        for name, target in (
            ("Contract target", {"kind": "SUM", "field": "amount", "value": 500}),
            ("Contract rule to delete", None),
        )
    )
    event, _ = event_submit(
        org=org,
        body=EventBody(
            event_id="contract-event",
            event_type="TransactionAdd",
            customer_id="c-1",
            event_date=now,
            reference="BILL-1",
            payload={"amount": 200},
        ),
        now=now,
    )
    event_process(event_pk=event.pk, now=now)  # done already when its post committed
    return {
        "CONTRACT_TOKEN": token.key,
        "CONTRACT_ORG": org.slug,
        "CONTRACT_BADGE_ID": str(badge.pk),
        "CONTRACT_ENROL_BADGE_ID": str(enrollable.pk),
        "CONTRACT_ISSUAL_ID": str(issued.issuance.issual_id),
        "CONTRACT_ENROLMENT_ID": str(enrolled.enrolment.pk),
        "CONTRACT_CUSTOMER_ID": "c-1",
        "CONTRACT_GROUP_ID": str(group.pk),
        "CONTRACT_DOOMED_GROUP_ID": str(doomed.pk),
        "CONTRACT_FIELD_ID": str(field.pk),
        # The org has no webhook: its notifications are SKIPPED, and redelivering one is refused.
        "CONTRACT_NOTIFICATION_ID": str(issued.issuance.notifications.get().pk),
        "CONTRACT_RULE_ID": str(spend.pk),
        "CONTRACT_DOOMED_RULE_ID": str(doomed_rule.pk),
        "CONTRACT_EVENT_ID": str(event.pk),
    }


if __name__ == "__main__":
    for name, value in seed().items():
        print(f"{name}={value}")
