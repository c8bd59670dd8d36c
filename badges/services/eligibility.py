"""Checks shared by enrolment and issuance: is the badge open, is the event date acceptable,
is this retroactive and within the org's retro rules (SPEC 4, 5 and 7)."""

from datetime import datetime, timedelta

from badges.exceptions import Refusal
from badges.models import Badge, BadgeStatus, Customer
from badges.periods import start_of_day

FUTURE_TOLERANCE = timedelta(hours=24)


def badge_closed_refusal(badge: Badge, now: datetime) -> Refusal | None:
    """An inactive or upcoming badge is neither enrolled into nor issued."""
    if not badge.is_active:
        return Refusal("BADGE_INACTIVE", "The badge is inactive.")
    if badge.status_at(now) == BadgeStatus.UPCOMING:
        return Refusal("BADGE_UPCOMING", "The badge has not started yet.")
    return None


def event_date_refusal(
    badge: Badge, event: datetime, now: datetime, *, in_period: bool = True
) -> Refusal | None:
    """At most 24 hours ahead, and (unless told otherwise) inside ``[start_on, expires_on)``."""
    if event > now + FUTURE_TOLERANCE:
        return Refusal(
            "EVENT_DATE_IN_FUTURE", "The event date is more than 24 hours in the future."
        )
    if in_period and not badge.start_on <= event < badge.expires_on:
        return Refusal(
            "EVENT_DATE_OUTSIDE_BADGE_PERIOD", "The event date is outside the badge's period."
        )
    return None


def is_retro(badge: Badge, event: datetime, now: datetime) -> bool:
    """Retro handling applies to events before today (org timezone) and to ended badges."""
    return event < start_of_day(now, badge.org.tzinfo) or badge.status_at(now) == BadgeStatus.ENDED


def retro_window_refusal(
    badge: Badge, event: datetime, now: datetime, *, until_badge_end: bool = False
) -> Refusal | None:
    """The event may be at most the org's retro window old; with ``until_badge_end`` (customer
    care) an ended badge is also closed once its end is that far behind."""
    days = badge.org.retro_max_allowed_age_days
    window = timedelta(days=days)
    too_late = until_badge_end and now - window >= badge.expires_on
    if event < now - window or too_late:
        return Refusal(
            "RETRO_WINDOW_EXCEEDED", f"Retroactive handling is allowed up to {days} days back."
        )
    return None


def registration_refusal(badge: Badge, customer: Customer, now: datetime) -> Refusal | None:
    """Retro enrolment and issue wait for the org's delay since the customer registered."""
    hours = badge.org.retro_delay_since_registration_hours
    ready = customer.registered_on + timedelta(hours=hours) if customer.registered_on else None
    if ready is not None and now < ready:
        return Refusal(
            "REGISTRATION_DELAY",
            f"Retroactive handling waits {hours} hours after registration.",
            {"next_eligible_at": ready},
        )
    return None
