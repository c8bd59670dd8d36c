"""Enrolment in Enrol & Issue badges (SPEC 4)."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import Q

from badges.exceptions import Refusal
from badges.models import Badge, Enrolment, IssueType
from badges.periods import enrolment_expiry
from badges.services.customers import check_batch, customers_for_batch
from badges.services.eligibility import (
    badge_closed_refusal,
    event_date_refusal,
    is_retro,
    registration_refusal,
    retro_window_refusal,
)
from badges.services.idempotency import check_request_id
from badges.services.issuance import check_revoke_reason
from badges.services.locking import lock_customers


@dataclass(frozen=True)
class EnrolOrder:
    """An enrol request as the client sent it: the enrol event date (default: now) and an
    optional request id recorded on the enrolments it makes."""

    enrol_event_date: datetime | None = None
    request_id: str = ""


@dataclass
class EnrolOutcome:
    """ENROLLED (with a new or the existing enrolment) or REFUSED, for one customer."""

    customer_id: str
    status: str
    refusal: Refusal | None = None
    enrolment: Enrolment | None = None


def _badge_refusal(badge: Badge, event: datetime, now: datetime) -> tuple[Refusal | None, bool]:
    """The checks that are the same for every customer. Returns (refusal, retro)."""
    if badge.issue_type != IssueType.ENROL_ISSUE:
        return Refusal("BADGE_NOT_ENROLLABLE", "Only Enrol & Issue badges take enrolments."), False
    refusal = badge_closed_refusal(badge, now) or event_date_refusal(badge, event, now)
    if refusal:
        return refusal, False
    retro = is_retro(badge, event, now)
    return (retro_window_refusal(badge, event, now) if retro else None), retro


@transaction.atomic
def enrol(
    *,
    badge: Badge,
    customer_ids: list[str],
    order: EnrolOrder = EnrolOrder(),
    actor=None,
    now: datetime,
) -> list[EnrolOutcome]:
    """Enrol each customer; one who holds an unexpired enrolment gets it back (ALREADY_ENROLLED)."""
    customer_ids = list(dict.fromkeys(customer_ids))
    check_request_id(order.request_id, required=False)
    check_batch(customer_ids)
    badge = Badge.objects.select_related("org").get(pk=badge.pk)
    customers = customers_for_batch(org=badge.org, customer_ids=customer_ids, now=now, write=True)
    event = order.enrol_event_date or now
    badge_refusal, retro = _badge_refusal(badge, event, now)
    # The enrolment a customer holds now, or the one this request made before (a repeated
    # request id finds it even once it has expired: a backdated enrolment often has).
    held = Q(expires_on__gt=now)
    if order.request_id:
        held |= Q(request_id=order.request_id)
    current = {
        e.customer_id: e
        for e in Enrolment.objects.filter(
            held,
            badge=badge,
            customer__in=[c.pk for c in customers.values()],
            revoked_on__isnull=True,
        ).order_by("enrol_event_date")
    }
    outcomes, created = [], []
    for customer_id in customer_ids:
        customer = customers[customer_id]
        refusal = badge_refusal or (retro and registration_refusal(badge, customer, now))
        if refusal:
            outcomes.append(EnrolOutcome(customer_id, "REFUSED", refusal))
        elif customer.pk in current:
            outcomes.append(
                EnrolOutcome(
                    customer_id,
                    "ENROLLED",
                    Refusal("ALREADY_ENROLLED", "The customer already holds an enrolment."),
                    current[customer.pk],
                )
            )
        else:
            enrolment = Enrolment(
                org=badge.org,
                badge=badge,
                customer=customer,
                enrol_event_date=event,
                enrolled_on=now,
                expires_on=enrolment_expiry(badge, event),
                request_id=order.request_id,
            )
            created.append(enrolment)
            outcomes.append(EnrolOutcome(customer_id, "ENROLLED", enrolment=enrolment))
    Enrolment.objects.bulk_create(created)
    return outcomes


@transaction.atomic
def enrolment_revoke(*, enrolment: Enrolment, reason: str, actor=None, now: datetime):
    """Revoke an enrolment; the customer can then be enrolled again."""
    check_revoke_reason(reason)
    lock_customers([enrolment.customer])
    enrolment = Enrolment.objects.select_related("badge", "customer").get(pk=enrolment.pk)
    if enrolment.revoked_on is None:
        enrolment.revoked_on = now
        enrolment.revoke_reason = reason.strip()
        enrolment.revoked_by = actor
        enrolment.save(update_fields=["revoked_on", "revoke_reason", "revoked_by"])
    return enrolment
