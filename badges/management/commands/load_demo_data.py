import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from badges.events.services.intake import EventBody, event_submit
from badges.events.services.processing import event_process
from badges.events.services.rules import RuleDraft, rule_create
from badges.models import Badge, Organization
from badges.services import definitions, orgs
from badges.services.enrolment import enrol
from badges.services.issuance import IssueOrder, issue
from badges.values import Benefit, Definition, Expiry, FixedWindow, LimitSet, RollingWindow
from customfields import services as customfields
from customfields.values import FieldValue
from groups import services as groups

DEMO_SLUG = "demo-brand"
DEMO_USER = "demo"


def demo_badges(now):
    """One upcoming, two live and one ended badge, each created "as of" a time before its start."""
    day = timedelta(days=1)
    return [
        (
            now - 60 * day,
            Definition(
                name="Summer Explorer",
                description="Shop in three different stores during the summer.",
                start_on=now - 59 * day,
                expires_on=now - 10 * day,
                issue_type="ISSUE",
                issue_expiry=Expiry(type="BADGE_END"),
                owners=("CAMPAIGNS",),
            ),
        ),
        (
            now - 20 * day,
            Definition(
                name="Gold Shopper",
                description="Purchases totalling 500 during the month.",
                start_on=now - 19 * day,
                expires_on=now + 30 * day,
                issue_type="ENROL_ISSUE",
                enrolment_expiry=Expiry(type="RELATIVE", value=2, unit="DAYS"),
                issue_expiry=Expiry(type="RELATIVE", value=2, unit="WEEKS"),
                owners=("LOYALTY",),
                benefits=(Benefit(type="POINTS", reference_id="P-100", name="100 points"),),
                customer_limit=LimitSet(
                    rolling=(RollingWindow(limit=2, value=2, unit="DAYS"),),
                    fixed_window=FixedWindow(
                        max_earn_limit=2, duration_type="DAYS", refresh_rate=3
                    ),
                ),
                badge_limit=LimitSet(overall=10000),
            ),
        ),
        (
            now - 5 * day,
            Definition(
                name="Welcome",
                description="Issued once on registration.",
                start_on=now - 4 * day,
                expires_on=now + 365 * day,
                issue_type="ISSUE",
                issue_expiry=Expiry(type="NEVER"),
                owners=("LOYALTY", "JOURNEYS"),
                benefits=(
                    Benefit(
                        type="COUPON",
                        reference_id="WELCOME10",
                        name="10% off",
                        details={"series": "WELCOME", "expiry": "30 days"},
                    ),
                ),
            ),
        ),
        (
            now,
            Definition(
                name="Festive Streak",
                description="One purchase a week through the festive season.",
                start_on=now + 7 * day,
                expires_on=now + 60 * day,
                issue_type="ISSUE",
                issue_expiry=Expiry(type="RELATIVE", value=1, unit="MONTHS"),
                owners=("MILESTONES",),
                customer_limit=LimitSet(
                    fixed_window=FixedWindow(
                        max_earn_limit=1,
                        duration_type="WEEKS",
                        refresh_rate=1,
                        week_start_day="MONDAY",
                    ),
                ),
            ),
        ),
    ]


def demo_display(org, badges: dict[str, Badge], now, actor) -> None:
    """Two groups and two custom fields, set on the demo badges through the services."""
    limited = groups.group_create(
        org=org, now=now, definition=groups.GroupDefinition(name="Limited Edition", rank=1)
    )
    groups.group_create(
        org=org, now=now, definition=groups.GroupDefinition(name="Monthly challenges", rank=2)
    )
    terms = customfields.custom_field_create(
        org=org,
        now=now,
        definition=customfields.FieldDefinition(
            name="Terms & conditions",
            data_type="STRING",
            is_mandatory=True,
            default_value="Valid in participating stores.",
        ),
    )
    exclusive = customfields.custom_field_create(
        org=org,
        now=now,
        definition=customfields.FieldDefinition(name="Exclusive", data_type="BOOLEAN"),
    )
    definitions.badge_update(
        badge=badges["Gold Shopper"],
        actor=actor,
        now=now,
        group=limited.pk,
        rank=1,
        custom_fields=(
            FieldValue(field=terms.pk, value="Online purchases count too."),
            FieldValue(field=exclusive.pk, value=True),
        ),
    )
    definitions.badge_update(badge=badges["Welcome"], actor=actor, now=now, rank=1)


def demo_activity(badges: dict[str, Badge], now, actor) -> None:
    """Customers with enrolments and issuances, made through the services at past moments."""
    day = timedelta(days=1)
    customers = [f"c-{n}" for n in range(1001, 1006)]
    issue(
        badge=badges["Summer Explorer"],
        customer_ids=customers[:2],
        order=IssueOrder(request_id="demo-summer"),
        actor=actor,
        now=now - 30 * day,
    )
    issue(
        badge=badges["Welcome"],
        customer_ids=customers,
        order=IssueOrder(request_id="demo-welcome"),
        actor=actor,
        now=now - 3 * day,
    )
    gold = badges["Gold Shopper"]
    enrol(badge=gold, customer_ids=customers[:3], actor=actor, now=now - day - timedelta(hours=1))
    issue(
        badge=gold,
        customer_ids=customers[:2],
        order=IssueOrder(request_id="demo-gold"),
        actor=actor,
        now=now - day,
    )


def demo_rules(org, badges: dict[str, Badge], now, actor) -> None:
    """Three workflow rules (their claims confirmed) and the events that show each at work:
    a registration welcomed, a target reached and one on its way, an update that matched
    nothing."""
    hour = timedelta(hours=1)
    rules = [
        RuleDraft(
            name="Welcome on registration",
            module="JOURNEYS",
            program="Onboarding journey",
            event_type="CustomerRegistration",
            action="ISSUE_BADGE",
            badge=badges["Welcome"],
        ),
        RuleDraft(
            name="Gold Shopper: 500 in purchases",
            module="LOYALTY",
            program="Supermarket program",
            event_type="TransactionAdd",
            action="ISSUE_BADGE",
            badge=badges["Gold Shopper"],
            target={"kind": "SUM", "field": "amount", "value": 500},
        ),
        RuleDraft(
            name="Welcome taken back on fraud",
            module="JOURNEYS",
            program="Onboarding journey",
            event_type="CustomerUpdate",
            action="REVOKE_BADGE",
            badge=badges["Welcome"],
            condition={"field": "flag", "op": "eq", "value": "fraud"},
        ),
    ]
    for draft in rules:
        rule_create(org=org, draft=draft, confirm_claim=True, actor=actor, now=now - 2 * hour)
    events = [
        EventBody("demo-reg-1006", "CustomerRegistration", "c-1006", now - 5 * hour),
        EventBody(
            "demo-pos-9001",
            "TransactionAdd",
            "c-1003",
            now - 4 * hour,
            "BILL-9001",
            {"amount": 200},
        ),
        EventBody(
            "demo-pos-9002",
            "TransactionAdd",
            "c-1003",
            now - 3 * hour,
            "BILL-9002",
            {"amount": 350},
        ),
        EventBody(
            "demo-pos-9003",
            "TransactionAdd",
            "c-1004",
            now - 2 * hour,
            "BILL-9003",
            {"amount": 300},
        ),
        EventBody(
            "demo-upd-1005", "CustomerUpdate", "c-1005", now - hour, "", {"flag": "address changed"}
        ),
    ]
    for body in events:
        event, _ = event_submit(org=org, body=body, now=now)
        event_process(event_pk=event.pk, now=now)


class Command(BaseCommand):
    help = "Load a demo org with badges in every status and print a login (safe to re-run)."

    @transaction.atomic
    def handle(self, *args, **options):
        now = timezone.now().replace(minute=0, second=0, microsecond=0)
        password = secrets.token_urlsafe(9)
        user_model = get_user_model()
        user, _ = user_model.objects.get_or_create(username=DEMO_USER)
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
        org = Organization.objects.filter(slug=DEMO_SLUG).first()
        if org is None:
            org, _ = orgs.org_create(name="Demo Brand", timezone="Asia/Kolkata", username=DEMO_USER)
        existing = set(Badge.objects.filter(org=org).values_list("name", flat=True))
        created = {
            definition.name: definitions.badge_create(
                org=org, actor=user, now=created_at, definition=definition
            )
            for created_at, definition in demo_badges(now)
            if definition.name not in existing
        }
        if len(created) == len(demo_badges(now)):
            demo_display(org, created, now, user)
            demo_activity(created, now, user)
            demo_rules(org, created, now, user)
        self.stdout.write(
            f"Demo org '{org.name}' has {org.badges.count()} badges and "
            f"{org.customers.count()} customers.\n"
            f"Sign in at /badges/ui/, /admin/ and /api/v1/ as  {DEMO_USER} / {password}"
        )
