"""Issuing badges (SPEC 5) and revoking them.

One code path serves a single customer and a bulk of 1,000: the batch is decided in memory
from a constant number of queries, under row locks, in one transaction.
"""

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from badges.exceptions import Refusal, RuleViolation
from badges.models import (
    Badge,
    BadgeStatus,
    Customer,
    Enrolment,
    Issuance,
    IssuanceSource,
    IssuanceStatus,
    IssueRequest,
    IssueType,
    LimitScope,
    Module,
)
from badges.periods import issuance_expiry, start_of_day
from badges.services.customers import check_batch, customers_for
from badges.services.limits import (
    BadgeTally,
    Counted,
    CustomerTally,
    fixed_cycle_for,
    has_badge_limits,
    limit_refusal,
    window_start,
)
from badges.services.locking import lock_customers

FUTURE_TOLERANCE = timedelta(hours=24)
ISSUABLE_SOURCES = (IssuanceSource.API, IssuanceSource.EVENT, IssuanceSource.MEMBERCARE)


@dataclass(frozen=True)
class TriggeredBy:
    module: str
    reference: str


@dataclass
class IssueOutcome:
    """What happened for one customer: ISSUED, REFUSED or (dry run) WOULD_ISSUE."""

    customer_id: str
    status: str
    refusal: Refusal | None = None
    issuance: Issuance | None = None
    replayed: bool = False


@dataclass(frozen=True)
class IssueOrder:
    """The request as the client sent it (what a replayed ``request_id`` must repeat)."""

    request_id: str
    event_date: datetime | None = None
    triggered_by: TriggeredBy | None = None
    source: str = IssuanceSource.API
    dry_run: bool = False

    @property
    def fingerprint(self) -> str:
        body = {
            "event_date": self.event_date.isoformat() if self.event_date else None,
            "triggered_by": [self.triggered_by.module, self.triggered_by.reference]
            if self.triggered_by
            else None,
            "source": str(self.source),
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()

    @property
    def is_membercare(self) -> bool:
        return self.source == IssuanceSource.MEMBERCARE


def _check_order(order: IssueOrder, customer_ids: list[str]) -> None:
    if not order.request_id.strip():
        raise RuleViolation.one("REQUEST_ID_REQUIRED", "An issue needs a request_id.", "request_id")
    if order.source not in ISSUABLE_SOURCES:
        raise RuleViolation.one(
            "SOURCE_INVALID", "source must be API, EVENT or MEMBERCARE.", "source"
        )
    if order.triggered_by and order.triggered_by.module not in Module.values:
        raise RuleViolation.one(
            "MODULE_INVALID", f"Unknown module: {order.triggered_by.module}.", "triggered_by"
        )
    check_batch(customer_ids)


def _badge_refusal(badge: Badge, order: IssueOrder, event: datetime, now: datetime):
    """Steps 2 to 4 of SPEC 5 that are the same for every customer. Returns (refusal, retro)."""
    status = badge.status_at(now)
    if not badge.is_active:
        return Refusal("BADGE_INACTIVE", "The badge is inactive."), False
    if status == BadgeStatus.UPCOMING:
        return Refusal("BADGE_UPCOMING", "The badge has not started yet."), False
    if order.triggered_by and not order.is_membercare:
        claimed = any(
            c.module == order.triggered_by.module and c.reference == order.triggered_by.reference
            for c in badge.claims.all()
        )
        if not claimed:
            return Refusal(
                "BADGE_NOT_CLAIMED",
                f"{order.triggered_by.module} has not claimed this badge for "
                f"'{order.triggered_by.reference}'.",
            ), False
    if event > now + FUTURE_TOLERANCE:
        return Refusal(
            "EVENT_DATE_IN_FUTURE", "The event date is more than 24 hours in the future."
        ), False
    if not order.is_membercare and not badge.start_on <= event < badge.expires_on:
        return Refusal(
            "EVENT_DATE_OUTSIDE_BADGE_PERIOD", "The event date is outside the badge's period."
        ), False
    tz = badge.org.tzinfo
    retro = event < start_of_day(now, tz) or status == BadgeStatus.ENDED
    if retro:
        window = timedelta(days=badge.org.retro_max_allowed_age_days)
        too_old = event < now - window
        too_late = order.is_membercare and status == BadgeStatus.ENDED
        if too_old or (too_late and now >= badge.expires_on + window):
            return Refusal(
                "RETRO_WINDOW_EXCEEDED",
                f"Retroactive issue is allowed up to {badge.org.retro_max_allowed_age_days} days "
                "back.",
            ), True
    return None, retro


def registration_refusal(badge: Badge, customer: Customer, now: datetime) -> Refusal | None:
    """Retro enrolment and issue wait for the org's delay since the customer registered."""
    delay = timedelta(hours=badge.org.retro_delay_since_registration_hours)
    if customer.registered_on is not None and now < customer.registered_on + delay:
        return Refusal(
            "REGISTRATION_DELAY",
            f"Retroactive issue waits {badge.org.retro_delay_since_registration_hours} hours "
            "after registration.",
            {"next_eligible_at": customer.registered_on + delay},
        )
    return None


def enrolment_refusal(
    badge: Badge, enrolments: list[Enrolment], event: datetime, now: datetime
) -> Refusal | None:
    """SPEC 5 step 5 with SPEC 7's table: a live badge needs an enrolment that covers the event
    date and has not expired yet; an ended badge accepts one that has expired since."""
    covering = [e for e in enrolments if e.covers(event)]
    if badge.status_at(now) == BadgeStatus.LIVE:
        covering = [e for e in covering if e.expires_on > now]
    if covering:
        return None
    if any(e.enrol_event_date <= event for e in enrolments):
        return Refusal(
            "ENROLMENT_EXPIRED", "The customer's enrolment does not cover the event date."
        )
    return Refusal("NOT_ENROLLED", "The customer is not enrolled for this event date.")


def overlap_refusal(
    existing: list[Issuance], start: datetime, end: datetime | None
) -> Refusal | None:
    """Validities are half-open ``[issued_on, expires_on)``; an empty one overlaps nothing."""
    if end is not None and end <= start:
        return None
    overlapping = [
        i
        for i in existing
        if (i.expires_on is None or i.issued_on < i.expires_on)
        and (i.expires_on is None or start < i.expires_on)
        and (end is None or i.issued_on < end)
    ]
    if not overlapping:
        return None
    ends = [i.expires_on for i in overlapping]
    return Refusal(
        "OVERLAPPING_ISSUANCE",
        "The customer already holds this badge during part of the new issuance's validity.",
        {"next_eligible_at": None if None in ends else max(ends)},
    )


def _replay(prior: IssueRequest, customer_id: str, order: IssueOrder) -> IssueOutcome:
    if prior.fingerprint != order.fingerprint:
        return IssueOutcome(
            customer_id,
            "REFUSED",
            Refusal(
                "REQUEST_ID_REUSED",
                "This request_id was already used with a different body for this customer.",
            ),
        )
    if prior.issuance is not None:
        return IssueOutcome(customer_id, "ISSUED", issuance=prior.issuance, replayed=True)
    refusal = Refusal(prior.code, prior.message, prior.details)
    return IssueOutcome(customer_id, "REFUSED", refusal, replayed=True)


def _jsonable(details: dict) -> dict:
    return json.loads(json.dumps(details, default=lambda v: v.isoformat()))


def issue(
    *,
    badge: Badge,
    customer_ids: list[str],
    order: IssueOrder,
    actor=None,
    now: datetime,
) -> list[IssueOutcome]:
    """Issue ``badge`` to each customer, refusing each with the first failing check of SPEC 5.

    A dry run answers the same without writing anything (and creates no customers).
    """
    customer_ids = list(dict.fromkeys(str(c) for c in customer_ids))
    _check_order(order, customer_ids)
    if order.dry_run:
        return _issue_batch(badge, customer_ids, order, now, write=False)
    with transaction.atomic():
        return _issue_batch(badge, customer_ids, order, now, write=True)


def _issue_batch(badge, customer_ids, order: IssueOrder, now, *, write: bool):
    badge = (
        Badge.objects.select_related("org")
        .prefetch_related("claims", "benefits", "rolling_limits", "fixed_window_configs")
        .get(pk=badge.pk)
    )
    customers = customers_for(org=badge.org, customer_ids=customer_ids, now=now, create=write)
    badge_limited = has_badge_limits(badge)
    if write:
        lock_customers(customers.values(), badge=badge if badge_limited else None)
    stored = {c.pk: c.customer_id for c in customers.values() if c.pk is not None}
    prior = {
        stored[r.customer_id]: r
        for r in IssueRequest.objects.filter(
            org=badge.org, badge=badge, customer__in=stored, request_id=order.request_id
        ).select_related("issuance")
    }

    event = order.event_date or now
    badge_refusal, retro = _badge_refusal(badge, order, event, now)
    enrolments = defaultdict(list)
    if badge.issue_type == IssueType.ENROL_ISSUE and not order.is_membercare:
        for enrolment in Enrolment.objects.filter(
            badge=badge, customer__in=stored, revoked_on__isnull=True
        ):
            enrolments[stored[enrolment.customer_id]].append(enrolment)
    held = defaultdict(list)
    for issuance in Issuance.objects.filter(badge=badge, customer__in=stored).exclude(
        status=IssuanceStatus.REVOKED
    ):
        held[stored[issuance.customer_id]].append(issuance)

    clamp = order.is_membercare
    customer_fixed = fixed_cycle_for(badge, LimitScope.CUSTOMER, event, clamp_to_end=clamp)
    badge_fixed = fixed_cycle_for(badge, LimitScope.BADGE, event, clamp_to_end=clamp)
    badge_tally = BadgeTally(badge)
    if badge_limited and badge_refusal is None:
        tz = badge.org.tzinfo
        starts = [
            window_start(now, w.value, w.unit, tz)
            for w in badge.rolling_limits.all()
            if w.scope == LimitScope.BADGE
        ]
        badge_tally.prime(starts, badge_fixed.cycle if badge_fixed else None)
    expires_on = issuance_expiry(badge, now)
    benefits = [
        {"type": b.type, "reference_id": b.reference_id, "name": b.name, "details": b.details}
        for b in badge.benefits.all()
    ]

    outcomes, new_issuances, new_requests = [], [], []
    for customer_id in customer_ids:
        customer = customers[customer_id]
        if customer_id in prior:
            outcomes.append(_replay(prior[customer_id], customer_id, order))
            continue
        existing = held[customer_id]
        customer_tally = CustomerTally([Counted(i.issued_on, i.event_date) for i in existing])
        refusal = (
            badge_refusal
            or (retro and registration_refusal(badge, customer, now))
            or (
                badge.issue_type == IssueType.ENROL_ISSUE
                and not order.is_membercare
                and enrolment_refusal(badge, enrolments[customer_id], event, now)
            )
            or overlap_refusal(existing, now, expires_on)
            or limit_refusal(
                badge=badge,
                scope=LimitScope.CUSTOMER,
                tally=customer_tally,
                fixed=customer_fixed,
                now=now,
            )
            or limit_refusal(
                badge=badge,
                scope=LimitScope.BADGE,
                tally=badge_tally,
                fixed=badge_fixed,
                now=now,
            )
        )
        if refusal:
            outcomes.append(IssueOutcome(customer_id, "REFUSED", refusal))
            if write:
                new_requests.append(
                    IssueRequest(
                        org=badge.org,
                        badge=badge,
                        customer=customer,
                        request_id=order.request_id,
                        fingerprint=order.fingerprint,
                        code=refusal.code,
                        message=refusal.message,
                        details=_jsonable(refusal.details),
                        created_on=now,
                    )
                )
            continue
        issuance = Issuance(
            org=badge.org,
            badge=badge,
            customer=customer,
            event_date=event,
            issued_on=now,
            expires_on=expires_on,
            source=order.source,
            triggered_by_module=order.triggered_by.module if order.triggered_by else "",
            triggered_by_reference=order.triggered_by.reference if order.triggered_by else "",
            request_id=order.request_id,
            benefits=benefits,
        )
        existing.append(issuance)
        badge_tally.add(Counted(now, event))
        outcomes.append(
            IssueOutcome(customer_id, "ISSUED" if write else "WOULD_ISSUE", issuance=issuance)
        )
        if write:
            new_issuances.append(issuance)
            new_requests.append(
                IssueRequest(
                    org=badge.org,
                    badge=badge,
                    customer=customer,
                    request_id=order.request_id,
                    fingerprint=order.fingerprint,
                    issuance=issuance,
                    created_on=now,
                )
            )
    if write:
        Issuance.objects.bulk_create(new_issuances)
        IssueRequest.objects.bulk_create(new_requests)
    return outcomes


def check_revoke_reason(reason: str) -> None:
    if not reason.strip():
        raise RuleViolation.one("REVOKE_REASON_REQUIRED", "A revocation needs a reason.", "reason")


def _mark_revoked(issuances: list[Issuance], reason: str, actor, now: datetime) -> None:
    for issuance in issuances:
        issuance.status = IssuanceStatus.REVOKED
        issuance.revoked_on = now
        issuance.revoke_reason = reason.strip()
        issuance.revoked_by = actor
    Issuance.objects.bulk_update(issuances, ["status", "revoked_on", "revoke_reason", "revoked_by"])


@transaction.atomic
def issuance_revoke(*, issuance: Issuance, reason: str, actor=None, now: datetime) -> Issuance:
    """Revoke one issuance; it stops counting for limits and overlap. Revoking twice keeps the
    first revocation."""
    check_revoke_reason(reason)
    lock_customers([issuance.customer])
    issuance = Issuance.objects.select_related("badge", "customer").get(pk=issuance.pk)
    if issuance.revoked_on is None:
        _mark_revoked([issuance], reason, actor, now)
    return issuance


@transaction.atomic
def issuances_revoke_active(
    *, badge: Badge, customer: Customer, reason: str, actor=None, now: datetime
) -> list[Issuance]:
    """Revoke every issuance of ``badge`` the customer holds at ``now``."""
    check_revoke_reason(reason)
    lock_customers([customer])
    active = [
        i
        for i in Issuance.objects.filter(badge=badge, customer=customer, revoked_on__isnull=True)
        if i.status_at(now) == IssuanceStatus.ACTIVE
    ]
    _mark_revoked(active, reason, actor, now)
    return active
