"""The enumerations of the domain (SPEC 3 to 7): stored values, API enums and rule inputs.

Plain choices with no database behind them, so that models, pure rule modules and faces share one
definition of each.
"""

from django.db import models


class Module(models.TextChoices):
    """Loyalty-suite modules that own and claim badges; add new modules here only."""

    LOYALTY = "LOYALTY"
    MILESTONES = "MILESTONES"
    CAMPAIGNS = "CAMPAIGNS"
    JOURNEYS = "JOURNEYS"


class IssueType(models.TextChoices):
    ENROL_ISSUE = "ENROL_ISSUE"
    ISSUE = "ISSUE"


class EnrolmentExpiryType(models.TextChoices):
    RELATIVE = "RELATIVE"
    BADGE_END = "BADGE_END"


class IssueExpiryType(models.TextChoices):
    FIXED_DATE = "FIXED_DATE"
    BADGE_END = "BADGE_END"
    RELATIVE = "RELATIVE"
    NEVER = "NEVER"


class TimeUnit(models.TextChoices):
    DAYS = "DAYS"
    WEEKS = "WEEKS"
    MONTHS = "MONTHS"


class Weekday(models.TextChoices):
    MONDAY = "MONDAY"
    TUESDAY = "TUESDAY"
    WEDNESDAY = "WEDNESDAY"
    THURSDAY = "THURSDAY"
    FRIDAY = "FRIDAY"
    SATURDAY = "SATURDAY"
    SUNDAY = "SUNDAY"


class BadgeStatus(models.TextChoices):
    UPCOMING = "upcoming"
    LIVE = "live"
    ENDED = "ended"


class BenefitType(models.TextChoices):
    POINTS = "POINTS"
    COUPON = "COUPON"


class LimitScope(models.TextChoices):
    CUSTOMER = "CUSTOMER"
    BADGE = "BADGE"


class LimitKind(models.TextChoices):
    """Which kind of limit of a set blocked an issue."""

    OVERALL = "OVERALL"
    ROLLING = "ROLLING"
    FIXED_WINDOW = "FIXED_WINDOW"


class FixedWindowStatus(models.TextChoices):
    UPCOMING = "UPCOMING"
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"


class EnrolmentStatus(models.TextChoices):
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"


class IssuanceStatus(models.TextChoices):
    ACTIVE = "ACTIVE"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"


class IssueSource(models.TextChoices):
    """Where an issue request comes from: historical imports have a service of their own."""

    API = "API"
    EVENT = "EVENT"
    MEMBERCARE = "MEMBERCARE"


class IssuanceSource(models.TextChoices):
    API = "API"
    EVENT = "EVENT"
    IMPORT = "IMPORT"
    MEMBERCARE = "MEMBERCARE"


class RefusalCode(models.TextChoices):
    """Why one customer of an issue or enrol request got nothing (SPEC 5, 7 and 17)."""

    BADGE_INACTIVE = "BADGE_INACTIVE"
    BADGE_UPCOMING = "BADGE_UPCOMING"
    BADGE_NOT_CLAIMED = "BADGE_NOT_CLAIMED"
    BADGE_NOT_ENROLLABLE = "BADGE_NOT_ENROLLABLE"
    EVENT_DATE_IN_FUTURE = "EVENT_DATE_IN_FUTURE"
    EVENT_DATE_OUTSIDE_BADGE_PERIOD = "EVENT_DATE_OUTSIDE_BADGE_PERIOD"
    RETRO_WINDOW_EXCEEDED = "RETRO_WINDOW_EXCEEDED"
    REGISTRATION_DELAY = "REGISTRATION_DELAY"
    NOT_ENROLLED = "NOT_ENROLLED"
    ENROLMENT_EXPIRED = "ENROLMENT_EXPIRED"
    OVERLAPPING_ISSUANCE = "OVERLAPPING_ISSUANCE"
    CUSTOMER_LIMIT_REACHED = "CUSTOMER_LIMIT_REACHED"
    BADGE_LIMIT_REACHED = "BADGE_LIMIT_REACHED"
    REQUEST_ID_REUSED = "REQUEST_ID_REUSED"
    ALREADY_ENROLLED = "ALREADY_ENROLLED"


# The codes each operation's per-customer results can carry, in the order SPEC 5 checks them.
ISSUE_REFUSALS = (
    RefusalCode.REQUEST_ID_REUSED,
    RefusalCode.BADGE_INACTIVE,
    RefusalCode.BADGE_UPCOMING,
    RefusalCode.BADGE_NOT_CLAIMED,
    RefusalCode.EVENT_DATE_IN_FUTURE,
    RefusalCode.EVENT_DATE_OUTSIDE_BADGE_PERIOD,
    RefusalCode.RETRO_WINDOW_EXCEEDED,
    RefusalCode.REGISTRATION_DELAY,
    RefusalCode.NOT_ENROLLED,
    RefusalCode.ENROLMENT_EXPIRED,
    RefusalCode.OVERLAPPING_ISSUANCE,
    RefusalCode.CUSTOMER_LIMIT_REACHED,
    RefusalCode.BADGE_LIMIT_REACHED,
)
ENROL_REFUSALS = (
    RefusalCode.BADGE_NOT_ENROLLABLE,
    RefusalCode.BADGE_INACTIVE,
    RefusalCode.BADGE_UPCOMING,
    RefusalCode.EVENT_DATE_IN_FUTURE,
    RefusalCode.EVENT_DATE_OUTSIDE_BADGE_PERIOD,
    RefusalCode.RETRO_WINDOW_EXCEEDED,
    RefusalCode.REGISTRATION_DELAY,
    RefusalCode.ALREADY_ENROLLED,
)


class NotificationType(models.TextChoices):
    """What happened to an issuance, as a webhook tells it (SPEC 13)."""

    ISSUED = "badge.issued"
    REVOKED = "badge.revoked"
    EXPIRED = "badge.expired"


class NotificationStatus(models.TextChoices):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"
