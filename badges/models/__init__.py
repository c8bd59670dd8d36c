from badges.choices import (
    BadgeStatus,
    BenefitType,
    EnrolmentExpiryType,
    EnrolmentStatus,
    FixedWindowStatus,
    IssuanceSource,
    IssuanceStatus,
    IssueExpiryType,
    IssueType,
    LimitScope,
    Module,
    NotificationStatus,
    NotificationType,
    TimeUnit,
    Weekday,
)

from .definitions import (
    MAX_BENEFITS,
    Badge,
    BadgeBenefit,
    BadgeChange,
    BadgeClaim,
    BadgeOwner,
    FixedWindowConfig,
    FixedWindowCycle,
    RollingLimit,
)
from .images import IMAGE_CONTENT_TYPES, BadgeImage, ImageSlot
from .issuance import (
    Customer,
    Enrolment,
    Issuance,
    IssuedCount,
    IssuedCountChange,
    IssueRequest,
)
from .notifications import Notification, NotificationAttempt
from .orgs import ORG_SETTINGS, ROLE_RANK, Membership, Organization, Role, validate_timezone

__all__ = [
    "IMAGE_CONTENT_TYPES",
    "MAX_BENEFITS",
    "ORG_SETTINGS",
    "ROLE_RANK",
    "Badge",
    "BadgeBenefit",
    "BadgeChange",
    "BadgeClaim",
    "BadgeImage",
    "BadgeOwner",
    "BadgeStatus",
    "BenefitType",
    "Customer",
    "Enrolment",
    "EnrolmentExpiryType",
    "EnrolmentStatus",
    "FixedWindowConfig",
    "FixedWindowCycle",
    "FixedWindowStatus",
    "ImageSlot",
    "Issuance",
    "IssuanceSource",
    "IssuanceStatus",
    "IssueExpiryType",
    "IssueRequest",
    "IssueType",
    "IssuedCount",
    "IssuedCountChange",
    "LimitScope",
    "Membership",
    "Module",
    "Notification",
    "NotificationAttempt",
    "NotificationStatus",
    "NotificationType",
    "Organization",
    "Role",
    "RollingLimit",
    "TimeUnit",
    "Weekday",
    "validate_timezone",
]

# The events and imports domains keep their models in their own sub-packages (badges/events/,
# badges/imports/); importing them here registers them with the app. Last, because they refer
# to the models above.
import badges.events.models
import badges.imports.models  # noqa: F401
