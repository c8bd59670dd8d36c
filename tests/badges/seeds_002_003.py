"""The badge of seeds 002/003, shared by the tests of its worked examples: Oct 1-15, 2026
(UTC), Enrol & Issue, enrolments and issuances each valid 2 days."""

from datetime import UTC, datetime

from tests.factories import BadgeFactory


def oct_(day: int, hour: int = 12) -> datetime:
    return datetime(2026, 10, day, hour, tzinfo=UTC)


def october_badge(org):
    return BadgeFactory(
        org=org,
        enrol_issue=True,
        start_on=oct_(1, 0),
        expires_on=oct_(16, 0),
        issue_expiry_type="RELATIVE",
        issue_expiry_value=2,
        issue_expiry_unit="DAYS",
    )
