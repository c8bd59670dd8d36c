"""Customers (SPEC 15): created on first use by enrol, issue or events, or registered."""

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db import transaction

from badges.exceptions import RuleViolation, Violation
from badges.models import Customer, Organization
from badges.services.locking import customers_locked
from badges.values import CUSTOMER_ID_MAX_LENGTH, is_customer_id

MAX_BATCH = 1000


def check_batch(customer_ids: Sequence[str]) -> None:
    """A bulk request names 1 to 1,000 customers, each by a valid customer id."""
    if not customer_ids:
        raise RuleViolation.one("CUSTOMERS_REQUIRED", "Name at least one customer.", "customers")
    if len(customer_ids) > MAX_BATCH:
        raise RuleViolation.one(
            "TOO_MANY_CUSTOMERS", f"At most {MAX_BATCH} customers per request.", "customers"
        )
    invalid = [
        _customer_id_invalid(f"customers.{index}")
        for index, customer_id in enumerate(customer_ids)
        if not is_customer_id(customer_id)
    ]
    if invalid:
        raise RuleViolation(*invalid)


def _customer_id_invalid(field: str) -> Violation:
    return Violation(
        "CUSTOMER_ID_INVALID",
        f"Customer ids are 1 to {CUSTOMER_ID_MAX_LENGTH} characters, not blank.",
        field,
    )


def check_customer_id(customer_id: str) -> None:
    if not is_customer_id(customer_id):
        raise RuleViolation(_customer_id_invalid("customer_id"))


def customers_for_batch(
    *, org: Organization, customer_ids: Sequence[str], now: datetime, write: bool
) -> dict[str, Customer]:
    """The org's customers of a batch, by id.

    Writing, each is created on first use and every row comes back locked, read once; a dry run
    (``write`` false) reads without locking and stands in unsaved customers for those not seen
    yet, so that it creates nothing.
    """
    if write:
        return {
            c.customer_id: c
            for c in customers_locked(org=org, customer_ids=customer_ids, created_on=now)
        }
    found = {
        c.customer_id: c for c in Customer.objects.filter(org=org, customer_id__in=customer_ids)
    }
    return {
        customer_id: found.get(customer_id)
        or Customer(org=org, customer_id=customer_id, created_on=now)
        for customer_id in customer_ids
    }


def _check_registered_on(registered_on: datetime | None, now: datetime) -> None:
    if registered_on is not None and registered_on > now + timedelta(hours=24):
        raise RuleViolation.one(
            "REGISTERED_ON_IN_FUTURE", "A customer can't register in the future.", "registered_on"
        )


@transaction.atomic
def customer_register(
    *, org: Organization, customer_id: str, registered_on: datetime | None, now: datetime
) -> tuple[Customer, bool]:
    """Create the customer or update when they registered. Returns (customer, created)."""
    check_customer_id(customer_id)
    _check_registered_on(registered_on, now)
    customer, created = Customer.objects.select_for_update().get_or_create(
        org=org,
        customer_id=customer_id,
        defaults={"registered_on": registered_on, "created_on": now},
    )
    if not created and customer.registered_on != registered_on:
        customer.registered_on = registered_on
        customer.save(update_fields=["registered_on"])
    return customer, created


@transaction.atomic
def customer_add(
    *, org: Organization, customer_id: str, registered_on: datetime | None, now: datetime
) -> Customer:
    """Add a customer not seen yet; CUSTOMER_EXISTS for one the org has (whose registration
    this never changes: that is ``customer_register``'s)."""
    check_customer_id(customer_id)
    _check_registered_on(registered_on, now)
    customer, created = Customer.objects.get_or_create(
        org=org,
        customer_id=customer_id,
        defaults={"registered_on": registered_on, "created_on": now},
    )
    if not created:
        raise RuleViolation.one(
            "CUSTOMER_EXISTS", f"Customer {customer_id} already exists.", "customer_id"
        )
    return customer
