"""Pure: the enumerations of historical imports (SPEC 14)."""

from django.db import models


class RowStatus(models.TextChoices):
    """What happened to one row of an import."""

    IMPORTED = "IMPORTED"
    DUPLICATE = "DUPLICATE"
    OVERLAPPING = "OVERLAPPING"
    BADGE_NOT_FOUND = "BADGE_NOT_FOUND"
    INVALID = "INVALID"


class ImportKind(models.TextChoices):
    BADGES = "BADGES", "Badge definitions"
    CUSTOMER_BADGES = "CUSTOMER_BADGES", "Customers' earned badges"


class RunStatus(models.TextChoices):
    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    DONE = "DONE"
    FAILED = "FAILED"


# Rows of earned badges one API request takes.
MAX_API_ROWS = 5000
# Badge definitions one API request takes.
MAX_API_BADGES = 1000
