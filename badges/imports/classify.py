"""Pure: what happens to the earned-badge rows of one badge and one customer (SPEC 14).

Rows are decided in file order, each against the customer's issuances of the badge held
before the import and the rows of the import decided IMPORTED before it:

- DUPLICATE: an issuance of the badge imported before (any status) has the same earn event
  date, or an earlier row of this import with that date was imported;
- OVERLAPPING: its validity ``[earn_event_date, expires_on)`` overlaps a non-revoked issuance
  or an earlier imported row (none for an expiry of never); the earliest it overlaps is the
  one it met;
- IMPORTED otherwise.

A row that is not imported is never written, so it blocks nothing after it.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from .choices import RowStatus


@dataclass(frozen=True)
class Span:
    """A held issuance: its validity, whether it counts (is not revoked), its event date when
    it was imported (else None), and its id."""

    start: datetime
    end: datetime | None
    counts: bool = True
    imported_on: datetime | None = None
    id: object = None


@dataclass(frozen=True)
class Candidate:
    """A row to decide: its validity and the id its issuance would have."""

    start: datetime
    end: datetime | None
    id: object = None


@dataclass(frozen=True)
class Decision:
    """A row's status and, for DUPLICATE or OVERLAPPING, the id of the issuance it met."""

    status: RowStatus
    met: object = None


def overlaps(a_start: datetime, a_end: datetime | None, b_start: datetime, b_end) -> bool:
    """Half-open intervals, None for no end: one ending at T and one starting at T don't."""
    return (b_end is None or a_start < b_end) and (a_end is None or b_start < a_end)


def classified(rows: Sequence[Candidate], held: Sequence[Span]) -> list[Decision]:
    """The decision on each row, in the rows' order."""
    imported = {span.imported_on: span.id for span in held if span.imported_on is not None}
    counted = [(span.start, span.end, span.id) for span in held if span.counts]
    decisions = []
    for row in rows:
        if row.start in imported:
            decisions.append(Decision(RowStatus.DUPLICATE, imported[row.start]))
            continue
        hits = [c for c in counted if overlaps(row.start, row.end, c[0], c[1])]
        if hits:
            hit = min(hits, key=lambda c: c[0])
            decisions.append(Decision(RowStatus.OVERLAPPING, hit[2]))
            continue
        decisions.append(Decision(RowStatus.IMPORTED, row.id))
        imported[row.start] = row.id
        counted.append((row.start, row.end, row.id))
    return decisions
