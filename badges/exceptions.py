"""Domain errors. Each carries stable machine codes that every face renders unchanged."""

from dataclasses import dataclass, field

from badges.choices import RefusalCode

NON_FIELD = "non_field_errors"


@dataclass(frozen=True)
class Violation:
    """One broken rule: the field it concerns, a stable code and a human message."""

    code: str
    message: str
    field: str = NON_FIELD


class RuleViolation(Exception):
    """A request broke one or more rules; nothing was written."""

    def __init__(self, *violations: Violation):
        super().__init__("; ".join(v.message for v in violations))
        self.violations = violations

    @classmethod
    def one(cls, code: str, message: str, field: str = NON_FIELD) -> "RuleViolation":
        return cls(Violation(code=code, message=message, field=field))


@dataclass(frozen=True)
class Refusal:
    """Why one customer was not enrolled or issued: a SPEC 17 refusal code, a message and,
    for limits, which limit blocked and when the customer could be issued again."""

    code: RefusalCode
    message: str
    details: dict = field(default_factory=dict)

    def __post_init__(self):
        object.__setattr__(self, "code", RefusalCode(self.code))


class Busy(Exception):
    """The rows a request needs stayed locked by other requests too long; retry shortly."""
