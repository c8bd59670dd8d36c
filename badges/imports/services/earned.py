"""Customers' earned badges imported from another platform (SPEC 14), by API batches and CSV.

Each row ends in one status (``badges.imports.classify`` decides among a badge's rows for one
customer). Imported issuances have ``source=IMPORT``, ``issued_on`` at the earn date (their
validity is the one they had), no benefits and no notification; they skip limits and
enrolment, and count for both afterwards (a change row per badge keeps the issued count exact).
An expiry already past is stored EXPIRED, so the expiry job sends nothing for it.

Rows are written in batches, one transaction each, under the same customer locks as issues
(an issue for one of the batch's customers waits for it), so that no race writes an overlap.
On PostgreSQL a batch is staged with COPY and decided and written by set-based statements
(``staging``); elsewhere by ``batched``. A dry run is the real import in one transaction that is
rolled back: its answer is what the import would do.
"""

import dataclasses
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, nullcontext
from datetime import datetime
from typing import IO

from django.conf import settings
from django.db import connection, transaction

from badges.imports.choices import MAX_API_ROWS, RowStatus
from badges.imports.classify import Decision
from badges.imports.files import Report, Summary, rows_counted, rows_read
from badges.imports.rows import (
    EARNED_COLUMNS,
    EARNED_OPTIONAL_COLUMNS,
    EarnedRow,
    RowResult,
    earned_row,
)
from badges.models import Badge, Organization

from . import batch_checked, batched, lanes, staging

# Rows per transaction: a batch holds its customers' locks about a second here, well within the
# 5 s an issue waits for a lock.
BATCH_ROWS = 20_000

MESSAGES = {
    RowStatus.IMPORTED: "Imported.",
    RowStatus.DUPLICATE: "Imported before: the same badge, customer and earn date.",
    RowStatus.OVERLAPPING: "Overlaps an issuance of the badge the customer holds.",
}


class BadgeNames:
    """The org's badges as rows name them, by id or by the ``external_id`` of their import,
    each looked up once per import."""

    def __init__(self, org: Organization):
        self.org = org
        self.known: dict[str, Badge | None] = {}

    def resolve(self, keys: Iterable[str]) -> None:
        missing = {key for key in keys if key not in self.known}
        if not missing:
            return
        ids = {key for key in missing if _is_uuid(key)}
        found = Badge.objects.filter(org=self.org).only(
            "id", "start_on", "expires_on", "external_id"
        )
        by_id = {str(b.pk): b for b in found.filter(pk__in=ids)} if ids else {}
        by_external = {
            b.external_id: b for b in found.filter(external_id__in=missing - by_id.keys())
        }
        for key in missing:
            self.known[key] = by_id.get(_uuid_text(key)) or by_external.get(key)

    def __getitem__(self, key: str) -> Badge | None:
        return self.known[key]


def _is_uuid(text: str) -> bool:
    try:
        uuid.UUID(text)
    except ValueError:
        return False
    return True


def _uuid_text(text: str) -> str:
    return str(uuid.UUID(text)) if _is_uuid(text) else ""


def _badge_refusal(row: EarnedRow, badge: Badge | None) -> RowResult | None:
    if badge is None:
        return RowResult(
            row.line,
            RowStatus.BADGE_NOT_FOUND,
            "BADGE_NOT_FOUND",
            "badge",
            f"No badge of the org has the id or external id '{row.badge}'.",
        )
    if not badge.start_on <= row.earn_event_date < badge.expires_on:
        return RowResult(
            row.line,
            RowStatus.INVALID,
            "EVENT_DATE_OUTSIDE_BADGE_PERIOD",
            "earn_event_date",
            "The earn date is outside the badge's period.",
        )
    return None


def _result(row: EarnedRow, decision: Decision) -> RowResult:
    met = None if decision.met is None else str(decision.met)
    return RowResult(
        row.line,
        decision.status,
        "" if decision.status == RowStatus.IMPORTED else decision.status.value,
        "",
        MESSAGES[decision.status],
        met,
    )


def _screened(
    parsed: Sequence[EarnedRow | RowResult], badges: BadgeNames
) -> tuple[dict[int, RowResult], list[tuple[EarnedRow, Badge]]]:
    """A batch's rows refused for their badge, by line, and the others with their badge."""
    rows = [row for row in parsed if isinstance(row, EarnedRow)]
    badges.resolve(row.badge for row in rows)
    refused, candidates = {}, []
    for row in rows:
        refusal = _badge_refusal(row, badges[row.badge])
        if refusal is not None:
            refused[row.line] = refusal
        else:
            candidates.append((row, badges[row.badge]))
    return refused, candidates


def _decided(org: Organization, candidates, now) -> list[tuple[EarnedRow, Decision]]:
    """Candidates decided and the IMPORTED written, in the caller's transaction."""
    if not candidates:
        return []
    if connection.vendor != "postgresql":
        return batched.imported(org=org, candidates=candidates, now=now)
    decided = staging.imported(org=org, candidates=candidates, now=now)
    staging.statistics_kept()
    return decided


def _in_order(
    parsed: Sequence[EarnedRow | RowResult],
    refused: dict[int, RowResult],
    decided: Iterable[tuple[EarnedRow, Decision]],
) -> list[RowResult]:
    results = dict(refused)
    for row, decision in decided:
        results[row.line] = _result(row, decision)
    return [row if isinstance(row, RowResult) else results[row.line] for row in parsed]


def _batch_imported(
    org: Organization, parsed: Sequence[EarnedRow | RowResult], badges: BadgeNames, now
) -> list[RowResult]:
    """Decide and write one batch (in the caller's transaction): a result per row, in order."""
    refused, candidates = _screened(parsed, badges)
    return _in_order(parsed, refused, _decided(org, candidates, now))


def _lane_part(org: Organization, part, now) -> list[tuple[EarnedRow, Decision]]:
    with transaction.atomic():
        return staging.imported(org=org, candidates=part, now=now)


def _laned(
    org: Organization, parsed_batches: Iterable[list], badges: BadgeNames, now, count: int
) -> Iterator[list[RowResult]]:
    """Each batch's results, in file order, its rows written over ``count`` lanes while the
    next batch is read (``lanes``); the org's statistics kept between batches."""
    pending: deque = deque()
    with lanes.lanes_opened(count) as opened:
        try:
            for parsed in parsed_batches:
                refused, candidates = _screened(parsed, badges)
                futures = [
                    lane.submit(_lane_part, org, part, now)
                    for lane, part in zip(opened, lanes.parts(candidates, count), strict=True)
                    if part
                ]
                pending.append((parsed, refused, futures))
                if len(pending) > 1:
                    yield _collected(*pending.popleft())
            while pending:
                yield _collected(*pending.popleft())
        finally:
            for _, _, futures in pending:
                for future in futures:
                    future.cancel()


def _collected(parsed, refused, futures) -> list[RowResult]:
    decided = [pair for future in futures for pair in future.result()]
    staging.statistics_kept()
    return _in_order(parsed, refused, decided)


def _as_shown(results: list[RowResult], dry_run: bool, made: set) -> list[RowResult]:
    """A dry run made nothing: no id names an issuance it would import, in the row that would
    import it or in a later one meeting it (``made`` gathers them across batches)."""
    if not dry_run:
        return results
    made.update(r.issual_id for r in results if r.status == RowStatus.IMPORTED)
    return [dataclasses.replace(r, issual_id=None) if r.issual_id in made else r for r in results]


def _parsed(line: int, values: object, org: Organization, now: datetime):
    if not isinstance(values, Mapping):
        return RowResult(line, RowStatus.INVALID, "ROW_INVALID", "", "A row is a JSON object.")
    return earned_row(line, values, org.tzinfo, now)


@transaction.atomic
def earned_badges_import(
    *, org: Organization, rows: Sequence[object], now: datetime, dry_run: bool = False
) -> list[RowResult]:
    """An API batch of up to 5,000 rows, in one transaction; a row's line is its position
    from 1."""
    batch_checked(rows, most=MAX_API_ROWS, field="rows", noun="row")
    parsed = [_parsed(index, values, org, now) for index, values in enumerate(rows, start=1)]
    results = _batch_imported(org, parsed, BadgeNames(org), now)
    if dry_run:
        transaction.set_rollback(True)
    return _as_shown(results, dry_run, set())


def earned_badges_import_file(
    *,
    org: Organization,
    binary: IO[bytes],
    report: IO[str],
    now: datetime,
    dry_run: bool = False,
    on_progress: Callable[[int], None] | None = None,
    batch_rows: int | None = None,
) -> Summary:
    """A CSV file of earned badges (``rows.EARNED_COLUMNS``), streamed: read through once for
    what makes it malformed (``FileRefused``, before anything is written), then imported a
    batch per transaction. Each row's result goes to ``report``; ``on_progress`` hears the
    rows done after each batch.

    On PostgreSQL, an import that owns its transactions (not a dry run, not inside the
    caller's) writes each batch over ``settings.IMPORTS_LANES`` connections (``lanes``): a
    transaction per lane and batch."""
    rows_counted(binary, EARNED_COLUMNS, EARNED_OPTIONAL_COLUMNS)
    binary.seek(0)
    summary, written, badges = Summary(), Report(report), BadgeNames(org)
    made: set = set()
    zone = org.tzinfo
    parsed_batches = (
        [earned_row(line, values, zone, now) for line, values in batch]
        for batch in batched.chunked(
            rows_read(binary, EARNED_COLUMNS, EARNED_OPTIONAL_COLUMNS), batch_rows or BATCH_ROWS
        )
    )
    count = settings.IMPORTS_LANES
    if (
        count > 1
        and not dry_run
        and connection.vendor == "postgresql"
        and not connection.in_atomic_block
    ):
        batches_done = _laned(org, parsed_batches, badges, now, count)
    else:
        batches_done = _one_by_one(org, parsed_batches, badges, now, dry_run, made)
    # Closed at once if the report fails: the batches' transaction and lanes with it.
    with closing(batches_done):
        for results in batches_done:
            summary.added(results)
            written.results(results)
            if on_progress is not None:
                on_progress(summary.rows)
    return summary


def _one_by_one(
    org: Organization, parsed_batches: Iterable[list], badges: BadgeNames, now, dry_run, made
) -> Iterator[list[RowResult]]:
    """Each batch's results, the batch imported in a transaction on this connection; a dry
    run's batches all inside one, rolled back at the end."""
    with transaction.atomic() if dry_run else nullcontext():
        for parsed in parsed_batches:
            with transaction.atomic():
                results = _batch_imported(org, parsed, badges, now)
            yield _as_shown(results, dry_run, made)
        if dry_run:
            transaction.set_rollback(True)
