"""Issuing badges (SPEC 5) and revoking them.

One code path serves a single customer and a bulk of 1,000: the batch is decided in memory
from a constant number of queries, under row locks, in one transaction.
"""

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from django.db import transaction

from badges.choices import IssueSource
from badges.exceptions import Refusal, RuleViolation
from badges.models import (
    Badge,
    BadgeStatus,
    Customer,
    Enrolment,
    Issuance,
    IssuanceStatus,
    IssuedCountChange,
    IssueRequest,
    IssueType,
    LimitScope,
    Module,
    Notification,
    NotificationType,
)
from badges.periods import issuance_expiry
from badges.selectors import badge_for_issue
from badges.services.customers import check_batch, customers_for_batch
from badges.services.eligibility import (
    badge_closed_refusal,
    event_date_refusal,
    is_retro,
    registration_refusal,
    retro_window_refusal,
)
from badges.services.held import Held, held_and_prior
from badges.services.idempotency import check_request_id, details_stored, refusal_replayed
from badges.services.inserts import inserted_together
from badges.services.issued_counts import (
    issued_count_added,
    issued_count_held,
    issued_count_read,
    issued_counts_changed,
)
from badges.services.limits import (
    BadgeTally,
    Counted,
    CustomerTally,
    FixedCycle,
    fixed_cycle_for,
    has_badge_limits,
    limit_refusal,
)
from badges.services.locking import lock_customers
from badges.services.notifications import notifications_for, notifications_queued
from badges.values import REASON_MAX_LENGTH, is_reason


@dataclass(frozen=True)
class TriggeredBy:
    """The module and reference (a program, a bill) an issue was made for."""

    module: Module
    reference: str

    def __post_init__(self):
        object.__setattr__(self, "module", Module(self.module))


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
    source: IssueSource = IssueSource.API
    dry_run: bool = False
    reason: str = ""
    # The program whose claim the issue needs, when it is not ``triggered_by``'s reference: an
    # event's rule claims (module, program, event type) and its issuances record the bill.
    claimed_for: str = ""

    def __post_init__(self):
        object.__setattr__(self, "source", IssueSource(self.source))

    @property
    def fingerprint(self) -> str:
        body = {
            "event_date": self.event_date.astimezone(UTC).isoformat() if self.event_date else None,
            "triggered_by": [self.triggered_by.module, self.triggered_by.reference]
            if self.triggered_by
            else None,
            "source": str(self.source),
        }
        if self.reason:  # absent when none, so records made before reasons existed still match
            body["reason"] = self.reason.strip()
        if self.claimed_for:
            body["claimed_for"] = self.claimed_for
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()

    @property
    def is_membercare(self) -> bool:
        return self.source == IssueSource.MEMBERCARE


def _claim_refusal(badge: Badge, order: IssueOrder) -> Refusal | None:
    """A module uses a badge only after claiming it; staff and customer care need no claim."""
    by = order.triggered_by
    if by is None or order.is_membercare:
        return None
    reference = order.claimed_for or by.reference
    if any(c.module == by.module and c.reference == reference for c in badge.rows("claims")):
        return None
    return Refusal(
        "BADGE_NOT_CLAIMED", f"{by.module} has not claimed this badge for '{reference}'."
    )


def _badge_refusal(badge: Badge, order: IssueOrder, event: datetime, now: datetime):
    """Steps 2 to 4 of SPEC 5 that are the same for every customer. Returns (refusal, retro)."""
    care = order.is_membercare
    refusal = (
        badge_closed_refusal(badge, now)
        or _claim_refusal(badge, order)
        or event_date_refusal(badge, event, now, in_period=not care)
    )
    if refusal:
        return refusal, False
    retro = is_retro(badge, event, now)
    if retro:
        return retro_window_refusal(badge, event, now, until_badge_end=care), True
    return None, False


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
    refusal = refusal_replayed(prior.code, prior.message, prior.details)
    return IssueOutcome(customer_id, "REFUSED", refusal, replayed=True)


def issue(
    *,
    badge: Badge,
    customer_ids: list[str],
    order: IssueOrder,
    actor=None,
    now: datetime,
) -> list[IssueOutcome]:
    """Issue ``badge`` to each customer, refusing each with the first failing check of SPEC 5.

    Decides on the badge row as the caller read it (a request reads it once, before the
    transaction; no lock makes a later read more current). A dry run answers the same without
    writing anything (and creates no customers).
    """
    customer_ids = list(dict.fromkeys(customer_ids))
    check_request_id(order.request_id)
    check_issue_reason(order.reason)
    check_batch(customer_ids)
    if order.dry_run:
        return _issue_batch(badge, customer_ids, order, now, write=False)
    with transaction.atomic():
        return _issue_batch(badge, customer_ids, order, now, write=True)


@dataclass
class _Batch:
    """What one issue request reads, loaded once under the locks, and decides from."""

    badge: Badge
    order: IssueOrder
    now: datetime
    event: datetime
    badge_refusal: Refusal | None
    retro: bool
    enrolments: dict[str, list[Enrolment]]
    held: dict[str, list]
    customer_fixed: FixedCycle | None
    badge_fixed: FixedCycle | None
    badge_tally: BadgeTally
    expires_on: datetime | None

    @property
    def waits_for_registration(self) -> bool:
        """Retro issues, and customer-care issues always (SPEC 7: "still refused within the
        registration delay"), wait for the org's delay since registration."""
        return self.retro or self.order.is_membercare

    def refusal(self, customer: Customer) -> Refusal | None:
        """The first failing check of SPEC 5 for this customer, in the spec's order."""
        badge, now, held = self.badge, self.now, self.held[customer.customer_id]
        needs_enrolment = badge.issue_type == IssueType.ENROL_ISSUE and not self.order.is_membercare
        enrolments = self.enrolments[customer.customer_id]
        return (
            self.badge_refusal
            or (self.waits_for_registration and registration_refusal(badge, customer, now))
            or (needs_enrolment and enrolment_refusal(badge, enrolments, self.event, now))
            or overlap_refusal(held, now, self.expires_on)
            or limit_refusal(
                badge=badge,
                scope=LimitScope.CUSTOMER,
                tally=CustomerTally([Counted(i.issued_on, i.event_date) for i in held]),
                fixed=self.customer_fixed,
                now=now,
            )
            or limit_refusal(
                badge=badge,
                scope=LimitScope.BADGE,
                tally=self.badge_tally,
                fixed=self.badge_fixed,
                now=now,
            )
        )

    def issuance(self, customer: Customer) -> Issuance:
        """A new issuance for the customer, counted by the rest of the batch."""
        by = self.order.triggered_by
        issuance = Issuance(
            org=self.badge.org,
            badge=self.badge,
            customer=customer,
            event_date=self.event,
            issued_on=self.now,
            expires_on=self.expires_on,
            source=self.order.source,
            triggered_by_module=by.module if by else "",
            triggered_by_reference=by.reference if by else "",
            request_id=self.order.request_id,
            issue_reason=self.order.reason.strip(),
            benefits=[
                {
                    "type": b.type,
                    "reference_id": b.reference_id,
                    "name": b.name,
                    "details": b.details,
                }
                for b in self.badge.rows("benefits")
            ],
        )
        self.held[customer.customer_id].append(issuance)
        self.badge_tally.add(Counted(self.now, self.event))
        return issuance

    def record(self, customer: Customer, outcome: IssueOutcome) -> IssueRequest:
        """The row that lets a replay of this request answer this outcome."""
        refusal = outcome.refusal
        return IssueRequest(
            org=self.badge.org,
            badge=self.badge,
            customer=customer,
            request_id=self.order.request_id,
            fingerprint=self.order.fingerprint,
            issuance=outcome.issuance,
            code=refusal.code if refusal else "",
            message=refusal.message if refusal else "",
            details=details_stored(refusal.details) if refusal else {},
            created_on=self.now,
        )


def _load_batch(
    badge: Badge,
    stored: dict[int, str],
    held_rows: list,
    order: IssueOrder,
    now,
    *,
    write: bool,
) -> _Batch:
    """Read everything the decisions need in a constant number of queries; the badge's issued
    count last, under its lock when the badge has badge-wide limits (each window is counted
    when a decision first needs it, under the same lock)."""
    event = order.event_date or now
    badge_refusal, retro = _badge_refusal(badge, order, event, now)
    enrolments, held = defaultdict(list), defaultdict(list)
    if badge.issue_type == IssueType.ENROL_ISSUE and not order.is_membercare:
        for enrolment in Enrolment.objects.filter(
            badge=badge, customer__in=stored, revoked_on__isnull=True
        ):
            enrolments[stored[enrolment.customer_id]].append(enrolment)
    for customer_pk, issued_on, expires_on, event_date in held_rows:
        held[stored[customer_pk]].append(
            Held(issued_on=issued_on, expires_on=expires_on, event_date=event_date)
        )
    clamp = order.is_membercare
    badge_tally = BadgeTally(badge, held=write and has_badge_limits(badge))
    if badge_tally.held and badge_refusal is None:
        badge_tally.issued = issued_count_held(badge)
    elif badge.badge_overall_limit is not None and badge_refusal is None:
        badge_tally.issued = issued_count_read(badge)
    return _Batch(
        badge=badge,
        order=order,
        now=now,
        event=event,
        badge_refusal=badge_refusal,
        retro=retro,
        enrolments=enrolments,
        held=held,
        customer_fixed=fixed_cycle_for(
            badge, LimitScope.CUSTOMER, event, now, clamp_to_period=clamp
        ),
        badge_fixed=fixed_cycle_for(badge, LimitScope.BADGE, event, now, clamp_to_period=clamp),
        badge_tally=badge_tally,
        expires_on=issuance_expiry(badge, now),
    )


def _issue_batch(badge, customer_ids, order: IssueOrder, now, *, write: bool):
    badge = badge_for_issue(badge)
    customers = customers_for_batch(org=badge.org, customer_ids=customer_ids, now=now, write=write)
    stored = {c.pk: c.customer_id for c in customers.values() if c.pk is not None}
    held_rows, prior = held_and_prior(badge, stored, order.request_id)
    batch = _load_batch(badge, stored, held_rows, order, now, write=write)

    outcomes, records = [], []
    for customer_id in customer_ids:
        customer = customers[customer_id]
        if customer_id in prior:
            outcomes.append(_replay(prior[customer_id], customer_id, order))
            continue
        refusal = batch.refusal(customer)
        if refusal:
            outcome = IssueOutcome(customer_id, "REFUSED", refusal)
        else:
            status = "ISSUED" if write else "WOULD_ISSUE"
            outcome = IssueOutcome(customer_id, status, issuance=batch.issuance(customer))
        outcomes.append(outcome)
        if write:
            records.append(batch.record(customer, outcome))
    if write:
        _written(
            batch,
            [o.issuance for o in outcomes if o.status == "ISSUED" and not o.replayed],
            records,
        )
    return outcomes


def _written(batch: _Batch, issued: list[Issuance], records: list[IssueRequest]) -> None:
    """The new issuances, the request records, their ``badge.issued`` notifications and the
    badge's issued count, in one statement where the database allows (the count added under
    its lock when the batch holds it, appended as a change otherwise)."""
    badge = batch.badge
    notifications = notifications_for(issued, NotificationType.ISSUED, now=batch.now)
    if batch.badge_tally.held:
        added = issued_count_added(badge, len(issued)) if issued else None
        inserted_together(issued, records, notifications, then=added)
    else:
        changes = [IssuedCountChange(badge=badge, change=len(issued))] if issued else []
        inserted_together(issued, records, notifications, changes)
    notifications_queued(notifications)


def check_issue_reason(reason: str) -> None:
    """An issue may say why it was made (customer care does); none is empty, and one given
    is not blank."""
    if reason and not is_reason(reason):
        raise RuleViolation.one(
            "ISSUE_REASON_INVALID",
            f"A reason is not blank, has at most {REASON_MAX_LENGTH} characters and no NUL.",
            "reason",
        )


def check_revoke_reason(reason: str) -> None:
    if not reason.strip():
        raise RuleViolation.one("REVOKE_REASON_REQUIRED", "A revocation needs a reason.", "reason")
    if not is_reason(reason):
        raise RuleViolation.one(
            "REVOKE_REASON_INVALID",
            f"A reason has at most {REASON_MAX_LENGTH} characters and no NUL.",
            "reason",
        )


def _mark_revoked(issuances: list[Issuance], reason: str, actor, now: datetime) -> None:
    for issuance in issuances:
        issuance.status = IssuanceStatus.REVOKED
        issuance.revoked_on = now
        issuance.revoke_reason = reason.strip()
        issuance.revoked_by = actor
    Issuance.objects.bulk_update(issuances, ["status", "revoked_on", "revoke_reason", "revoked_by"])
    issued_counts_changed((i.badge_id, -1) for i in issuances)
    notifications = notifications_for(issuances, NotificationType.REVOKED, now=now)
    Notification.objects.bulk_create(notifications)
    notifications_queued(notifications)


@transaction.atomic
def issuance_revoke(*, issuance: Issuance, reason: str, actor=None, now: datetime) -> Issuance:
    """Revoke one issuance; it stops counting for limits and overlap. Revoking twice keeps the
    first revocation."""
    check_revoke_reason(reason)
    lock_customers([issuance.customer])
    issuance = Issuance.objects.select_related("badge", "customer", "org").get(pk=issuance.pk)
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
    for i in active:
        i.badge, i.customer, i.org = badge, customer, badge.org
    _mark_revoked(active, reason, actor, now)
    return active
