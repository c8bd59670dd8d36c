"""Customers (SPEC 15): created on first use by enrol, issue or events, or registered."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction

from badges.exceptions import RuleViolation
from badges.models import Customer, Organization

CUSTOMER_ID_MAX_LENGTH = 100
MAX_BATCH = 1000


def check_batch(customer_ids: Sequence[str]) -> None:
    """A bulk request names 1 to 1,000 customers, each by a non-blank id."""
    if not customer_ids:
        raise RuleViolation.one("CUSTOMERS_REQUIRED", "Name at least one customer.", "customers")
    if len(customer_ids) > MAX_BATCH:
        raise RuleViolation.one(
            "TOO_MANY_CUSTOMERS", f"At most {MAX_BATCH} customers per request.", "customers"
        )
    check_customer_ids(customer_ids)


def is_customer_id(value: str) -> bool:
    """1 to 100 characters, not blank, no NUL (which PostgreSQL text can't hold)."""
    return bool(value.strip()) and len(value) <= CUSTOMER_ID_MAX_LENGTH and "\x00" not in value


def check_customer_ids(customer_ids: Sequence[str]) -> None:
    if not all(is_customer_id(c) for c in customer_ids):
        raise RuleViolation.one(
            "CUSTOMER_ID_INVALID",
            "Customer ids are 1 to 100 characters and not blank.",
            "customers",
        )


def customers_for(
    *, org: Organization, customer_ids: Sequence[str], now: datetime, create: bool = True
) -> dict[str, Customer]:
    """The org's customers by id, created on first use (unsaved placeholders if not ``create``)."""
    found = {
        c.customer_id: c for c in Customer.objects.filter(org=org, customer_id__in=customer_ids)
    }
    # Inserted in one order everywhere, so concurrent batches never deadlock on the unique key.
    missing = [
        Customer(org=org, customer_id=c, created_on=now)
        for c in sorted(customer_ids)
        if c not in found
    ]
    if missing and create:
        Customer.objects.bulk_create(missing, ignore_conflicts=True)
        found = {
            c.customer_id: c for c in Customer.objects.filter(org=org, customer_id__in=customer_ids)
        }
    elif missing:
        found.update({c.customer_id: c for c in missing})
    return found


@transaction.atomic
def customer_register(
    *, org: Organization, customer_id: str, registered_on: datetime | None, now: datetime
) -> tuple[Customer, bool]:
    """Create the customer or update when they registered. Returns (customer, created)."""
    check_customer_ids([customer_id])
    if registered_on is not None and registered_on > now + timedelta(hours=24):
        raise RuleViolation.one(
            "REGISTERED_ON_IN_FUTURE", "A customer can't register in the future.", "registered_on"
        )
    customer, created = Customer.objects.select_for_update().get_or_create(
        org=org,
        customer_id=customer_id,
        defaults={"registered_on": registered_on, "created_on": now},
    )
    if not created and customer.registered_on != registered_on:
        customer.registered_on = registered_on
        customer.save(update_fields=["registered_on"])
    return customer, created
