"""Pure: what happens to the earned-badge rows of one badge and one customer (SPEC 14).

Rows are decided in file order, each against the customer's issuances of the badge held
before the import and the rows of the import decided IMPORTED before it:

- DUPLICATE: an issuance of the badge imported before (any status) has the same earn event
  date, or an earlier row of this import with that date was imported;
- OVERLAPPING: its validity ``[earn_event_date, expires_on)`` overlaps a non-revoked issuance
  or an earlier imported row (none for an expiry of never);
- IMPORTED otherwise.

A row that is not imported is never written, so it blocks nothing after it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from .choices import RowStatus


@dataclass(frozen=True)
class Span:
    """A held issuance: its validity, whether it counts (is not revoked), and its event date
    when it was imported (else None)."""

    start: datetime
    end: datetime | None
    counts: bool = True
    imported_on: datetime | None = None


@dataclass(frozen=True)
class Candidate:
    start: datetime
    end: datetime | None


def overlaps(a_start: datetime, a_end: datetime | None, b_start: datetime, b_end) -> bool:
    """Half-open intervals, None for no end: one ending at T and one starting at T don't."""
    return (b_end is None or a_start < b_end) and (a_end is None or b_start < a_end)


def classified(rows: Sequence[Candidate], held: Sequence[Span]) -> list[RowStatus]:
    """The status of each row, in the rows' order."""
    imported_dates = {span.imported_on for span in held if span.imported_on is not None}
    counted = [(span.start, span.end) for span in held if span.counts]
    statuses = []
    for row in rows:
        if row.start in imported_dates:
            statuses.append(RowStatus.DUPLICATE)
        elif any(overlaps(row.start, row.end, start, end) for start, end in counted):
            statuses.append(RowStatus.OVERLAPPING)
        else:
            statuses.append(RowStatus.IMPORTED)
            imported_dates.add(row.start)
            counted.append((row.start, row.end))
    return statuses
