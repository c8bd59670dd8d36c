"""The imports domain's services: earned badges (``earned``, written by ``staging`` on
PostgreSQL and ``batched`` elsewhere) and badge definitions."""

from collections.abc import Sized

from badges.exceptions import RuleViolation


def batch_checked(items: Sized, *, most: int, field: str, noun: str) -> None:
    """An API batch holds 1 to ``most`` items (ROWS_REQUIRED, TOO_MANY_ROWS on ``field``)."""
    if not items:
        raise RuleViolation.one("ROWS_REQUIRED", f"Send at least one {noun}.", field)
    if len(items) > most:
        raise RuleViolation.one("TOO_MANY_ROWS", f"At most {most:,} {noun}s per request.", field)
