"""Pure: the enumerations of events and workflow rules (SPEC 12)."""

from django.db import models


class EventType(models.TextChoices):
    VOUCHER_REDEMPTION = "VoucherRedemption"
    TRANSACTION_ADD = "TransactionAdd"
    RETURN_BILL = "ReturnBill"
    POINTS_REDEMPTION = "PointsRedemption"
    DELAYED_ACCRUAL = "DelayedAccrual"
    CUSTOMER_UPDATE = "CustomerUpdate"
    CUSTOMER_REGISTRATION = "CustomerRegistration"
    BEHAVIORAL = "Behavioral"
    TARGET_PERIOD_ELAPSES = "TargetPeriodElapses"
    RETURN_TARGET_COMPLETED = "ReturnTargetCompleted"


class RuleAction(models.TextChoices):
    ISSUE_BADGE = "ISSUE_BADGE"
    REVOKE_BADGE = "REVOKE_BADGE"


class TargetKind(models.TextChoices):
    COUNT = "COUNT"
    SUM = "SUM"


class ReturnType(models.TextChoices):
    FULL = "FULL"
    PARTIAL = "PARTIAL"


class EventStatus(models.TextChoices):
    PENDING = "PENDING"
    PROCESSED = "PROCESSED"
    FAILED = "FAILED"


class OutcomeKind(models.TextChoices):
    """What an outcome row explains: a candidate rule, a revocation on return, or a target
    period an elapsed-period event closed."""

    RULE = "RULE"
    RETURN = "RETURN"
    PERIOD_CLOSE = "PERIOD_CLOSE"


class OutcomeResult(models.TextChoices):
    ISSUED = "ISSUED"
    REVOKED = "REVOKED"
    REFUSED = "REFUSED"
    PROGRESS = "PROGRESS"
    SKIPPED = "SKIPPED"
    ERROR = "ERROR"


# A dry run answers what the real run would do, in the issue API's words.
DRY_RUN_RESULTS = {
    OutcomeResult.ISSUED: "WOULD_ISSUE",
    OutcomeResult.REVOKED: "WOULD_REVOKE",
}
