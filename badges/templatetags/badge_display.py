"""Template filters of the badge pages (``{% load badge_display %}``): values in words, in the
acting org's timezone."""

from django import template

from badges.models import ImageSlot
from badges.ui import display

SLOT_ORDER = {slot: index for index, slot in enumerate(ImageSlot.values)}

register = template.Library()


@register.filter
def instant(value, org):
    return display.instant_words(value, org.tzinfo)


@register.filter
def issue_expiry_words(badge, org):
    return display.expiry_words(badge.issue_expiry, org.tzinfo, "issue")


@register.filter
def enrolment_expiry_words(badge, org):
    return display.expiry_words(badge.enrolment_expiry, org.tzinfo, "enrolment")


@register.filter
def module(value):
    return display.module_words(value)


@register.filter
def source(value):
    return display.source_words(value)


@register.filter
def limit_words(details):
    return display.limit_words(details)


@register.filter
def rolling(window):
    return display.rolling_words(window)


@register.filter
def fixed_window(window):
    return display.fixed_window_words(window)


@register.filter
def badge_status(badge, now):
    return badge.status_at(now)


@register.filter
def images_in_order(badge):
    """The badge's filled image slots: unissued, in progress, issued."""
    return sorted(badge.rows("images"), key=lambda image: SLOT_ORDER[image.slot])


@register.filter
def thousands(value):
    """A count with thousands separated: 10,000."""
    return f"{value:,}"


@register.filter
def amount(value):
    """A total or a target: 1,250.5, never 1250.500000."""
    return display.amount_words(value)


@register.filter
def pairs(mapping):
    """A dict's (key, value) pairs: ``mapping.items`` in a template would read a key named
    "items" first."""
    return list(mapping.items())
