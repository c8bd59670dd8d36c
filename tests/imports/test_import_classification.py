"""SPEC 14, the pure rule: a badge's rows for one customer decided in order against what the
customer held and the rows imported before them."""

from datetime import UTC, datetime, timedelta

from badges.imports.choices import RowStatus
from badges.imports.classify import Candidate, Decision, Span, classified, overlaps

DAY0 = datetime(2026, 9, 1, tzinfo=UTC)


def d(n: int) -> datetime:
    return DAY0 + timedelta(days=n)


def test_a_row_overlapping_a_held_issuance_that_starts_inside_it_is_overlapping():
    held = [Span(d(10), d(20), id="held")]
    assert classified([Candidate(d(5), d(12), "row")], held) == [
        Decision(RowStatus.OVERLAPPING, "held")
    ]


def test_a_row_meets_the_earliest_issuance_it_overlaps():
    held = [Span(d(10), d(12), id="later"), Span(d(1), d(20), id="earlier")]
    assert classified([Candidate(d(11), d(15))], held) == [
        Decision(RowStatus.OVERLAPPING, "earlier")
    ]


def test_half_open_validities_touching_do_not_overlap():
    assert not overlaps(d(1), d(2), d(2), None)
    assert not overlaps(d(2), None, d(1), d(2))
    assert overlaps(d(1), d(2) + timedelta(minutes=1), d(2), None)
    assert overlaps(d(2) - timedelta(minutes=1), None, d(1), d(2))
    assert overlaps(d(1), None, d(5), None)


def test_a_revoked_issuance_counts_for_duplicates_not_overlaps():
    revoked = [Span(d(1), None, counts=False, imported_on=d(1), id="old")]
    assert classified([Candidate(d(1), None), Candidate(d(2), None, "new")], revoked) == [
        Decision(RowStatus.DUPLICATE, "old"),
        Decision(RowStatus.IMPORTED, "new"),
    ]


def test_a_held_issuance_not_imported_is_no_duplicate_but_overlaps():
    held = [Span(d(1), None, id="api")]
    assert classified([Candidate(d(1), d(3))], held) == [Decision(RowStatus.OVERLAPPING, "api")]


def test_rows_imported_before_block_later_rows_and_rows_not_imported_block_nothing():
    rows = [
        Candidate(d(1), d(5), "a"),
        Candidate(d(1), d(2), "b"),
        Candidate(d(4), d(8), "c"),
        Candidate(d(6), d(7), "d"),
        Candidate(d(5), None, "e"),
    ]
    assert classified(rows, []) == [
        Decision(RowStatus.IMPORTED, "a"),
        Decision(RowStatus.DUPLICATE, "a"),
        Decision(RowStatus.OVERLAPPING, "a"),
        Decision(RowStatus.IMPORTED, "d"),
        Decision(RowStatus.OVERLAPPING, "d"),
    ]
