"""Posting an event (SPEC 12): stored once per ``event_id``, then processed by a task.

The post does only what must happen before the answer: check the body, store it (or find the
first post of the same ``event_id``), and queue processing for when that commits. A repeat with
the same body answers the first event; with another body it is EVENT_ID_REUSED.
"""

import hashlib
import logging
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from typing import Any

import orjson
from celery import current_app
from django.db import IntegrityError, transaction

from badges.events.choices import EventType, ReturnType
from badges.events.models import Event
from badges.exceptions import RuleViolation, Violation
from badges.models import Organization
from badges.services.eligibility import FUTURE_TOLERANCE
from badges.values import is_customer_id, is_request_id

logger = logging.getLogger(__name__)

PROCESS_TASK = "badges.events.tasks.process_event"
REFERENCE_MAX_LENGTH = 200
EVENT_NAME_MAX_LENGTH = 100
PAYLOAD_MAX_BYTES = 16 * 1024


@dataclass(frozen=True)
class EventBody:
    """An event as the client posted it."""

    event_id: str
    event_type: str
    customer_id: str
    event_date: datetime
    reference: str = ""
    payload: dict[str, Any] = field(default_factory=dict)
    event_name: str = ""

    @property
    def fingerprint(self) -> str:
        """The body, normalised (the instant in UTC, keys sorted), hashed."""
        body = {
            "event_type": self.event_type,
            "event_name": self.event_name,
            "customer_id": self.customer_id,
            "event_date": self.event_date.astimezone(UTC).isoformat(),
            "reference": self.reference,
            "payload": self.payload,
        }
        return hashlib.sha256(orjson.dumps(body, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _return_problems(body: EventBody) -> list[Violation]:
    payload = body.payload
    if body.event_type == EventType.RETURN_BILL:
        if payload.get("return_type") not in ReturnType.values:
            return [
                Violation(
                    "RETURN_TYPE_INVALID",
                    "A ReturnBill's payload has return_type FULL or PARTIAL.",
                    "payload.return_type",
                )
            ]
        reference = payload.get("original_reference")
        if payload["return_type"] == ReturnType.FULL and not (
            isinstance(reference, str) and reference.strip()
        ):
            return [
                Violation(
                    "ORIGINAL_REFERENCE_REQUIRED",
                    "A full return names the bill it returns: payload.original_reference.",
                    "payload.original_reference",
                )
            ]
    if body.event_type == EventType.RETURN_TARGET_COMPLETED:
        rule = payload.get("rule")
        if not (isinstance(rule, str) and rule.strip()):
            return [
                Violation(
                    "TARGET_RULE_REQUIRED",
                    "A ReturnTargetCompleted names the target's rule: payload.rule.",
                    "payload.rule",
                )
            ]
    return []


def _payload_problem(payload: Any) -> bool:
    """Whether the payload is no JSON object, is over the size limit, or holds what no column
    stores or the fingerprint can't write: an integer beyond 64 bits, a lone surrogate or
    nesting orjson refuses, the NUL character (PostgreSQL's jsonb refuses it), an infinite
    number (``1e999`` reads as one)."""
    if not isinstance(payload, dict):
        return True
    try:
        written = orjson.dumps(payload)
    except orjson.JSONEncodeError:
        return True
    if len(written) > PAYLOAD_MAX_BYTES:
        return True
    pending: list[Any] = [payload]
    while pending:
        item = pending.pop()
        if isinstance(item, str) and "\x00" in item:
            return True
        if isinstance(item, float) and not math.isfinite(item):
            return True
        if isinstance(item, dict):
            pending.extend([*item.keys(), *item.values()])
        elif isinstance(item, list):
            pending.extend(item)
    return False


def check_event(body: EventBody, now: datetime) -> None:
    """Every rule of an event's body, all reported at once."""
    problems = []
    if not is_request_id(body.event_id):
        problems.append(
            Violation(
                "EVENT_ID_INVALID",
                "An event_id has 1 to 255 characters, not blank, and no NUL.",
                "event_id",
            )
        )
    if body.event_type not in EventType.values:
        problems.append(
            Violation("EVENT_TYPE_INVALID", f"Unknown event type: {body.event_type}.", "event_type")
        )
    name = body.event_name
    if body.event_type == EventType.BEHAVIORAL:
        if not (1 <= len(name.strip()) <= EVENT_NAME_MAX_LENGTH and "\x00" not in name):
            problems.append(
                Violation(
                    "EVENT_NAME_REQUIRED",
                    f"A Behavioral event names itself (1 to {EVENT_NAME_MAX_LENGTH} characters).",
                    "event_name",
                )
            )
    elif name:
        problems.append(
            Violation(
                "EVENT_NAME_NOT_ALLOWED", "Only Behavioral events have an event name.", "event_name"
            )
        )
    if not is_customer_id(body.customer_id):
        problems.append(
            Violation(
                "CUSTOMER_ID_INVALID",
                "Customer ids are 1 to 100 characters, not blank.",
                "customer_id",
            )
        )
    if body.event_date > now + FUTURE_TOLERANCE:
        problems.append(
            Violation(
                "EVENT_DATE_IN_FUTURE",
                "The event date is more than 24 hours in the future.",
                "event_date",
            )
        )
    if len(body.reference) > REFERENCE_MAX_LENGTH or "\x00" in body.reference:
        problems.append(
            Violation(
                "REFERENCE_INVALID",
                f"A reference has at most {REFERENCE_MAX_LENGTH} characters and no NUL.",
                "reference",
            )
        )
    if _payload_problem(body.payload):
        problems.append(
            Violation(
                "PAYLOAD_INVALID",
                f"A payload is a JSON object of at most {PAYLOAD_MAX_BYTES // 1024} KB, without "
                "the NUL character, integers beyond 64 bits or infinite numbers.",
                "payload",
            )
        )
    elif body.event_type in EventType.values:
        problems.extend(_return_problems(body))
    if problems:
        raise RuleViolation(*problems)


def _reused(event: Event, body: EventBody) -> None:
    if event.fingerprint != body.fingerprint:
        raise RuleViolation.one(
            "EVENT_ID_REUSED",
            "This event_id was already posted with a different body.",
            "event_id",
        )


def event_first_posted(org: Organization, body: EventBody) -> Event | None:
    """The event already posted with this ``event_id``: None when there is none, else it
    (EVENT_ID_REUSED when its body differs)."""
    event = Event.objects.filter(org=org, event_id=body.event_id).first()
    if event is not None:
        _reused(event, body)
    return event


def event_new(org: Organization, body: EventBody, now: datetime) -> Event:
    return Event(
        org=org,
        event_id=body.event_id,
        fingerprint=body.fingerprint,
        event_type=body.event_type,
        event_name=body.event_name.strip(),
        customer_id=body.customer_id,
        event_date=body.event_date,
        reference=body.reference.strip(),
        payload=body.payload,
        received_on=now,
    )


def event_submit(*, org: Organization, body: EventBody, now: datetime) -> tuple[Event, bool]:
    """Store the event and queue its processing; (event, created). A repeat of the same body
    answers the first event, however many clients post it at once."""
    check_event(body, now)
    first = event_first_posted(org, body)
    if first is not None:
        return first, False
    try:
        with transaction.atomic():
            event = event_new(org, body, now)
            event.save(force_insert=True)
            transaction.on_commit(partial(event_queued, event.pk))
    except IntegrityError:
        # Another client posted the same event_id first, between the read and the insert.
        first = event_first_posted(org, body)
        if first is None:
            raise
        return first, False
    return event, True


def event_queued(event_pk) -> None:
    """Best effort: when the broker is down the event stays PENDING and the sweep processes
    it. Without a broker the task runs here, in-process, once the post has committed."""
    try:
        current_app.tasks[PROCESS_TASK].apply_async(args=[str(event_pk)], retry=False)
    except Exception:
        logger.warning("Could not queue event %s; the sweep will process it.", event_pk)
