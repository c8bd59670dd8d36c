"""Badge definitions imported from another platform (SPEC 14), by API batches and CSV files.

An imported badge is created by the definition service (``badges.services.definitions``) with
every rule and code of a badge create except the future-start rule: history starts in the past.
It keeps the ``external_id`` it had on the old platform, unique in the org, which makes imports
idempotent: a definition whose ``external_id`` names a badge of the org answers DUPLICATE with
that badge, and changes nothing (whatever else it says). A definition without one is created
every time it is sent (its name, unique in the org, then refuses a second one:
BADGE_NAME_TAKEN).

Each definition is written in a savepoint of its own, so one refusal never blocks the others.
An API batch is one transaction; a file commits each definition as it goes (an interrupted
import is finished by running the file again). A dry run is the real import in one transaction
rolled back; it answers no id for a badge it would create (nothing by it exists).
"""

import dataclasses
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import IO

from django.db import IntegrityError, transaction

from badges.exceptions import RuleViolation, Violation
from badges.imports.badge_rows import (
    BADGE_COLUMNS,
    BADGE_OPTIONAL_COLUMNS,
    BadgeItem,
    badge_row,
)
from badges.imports.choices import MAX_API_BADGES, RowStatus
from badges.imports.files import Report, Summary, rows_counted, rows_read
from badges.models import Badge, Organization
from badges.services.definitions import badge_create
from badges.values import REQUEST_ID_MAX_LENGTH, Definition, is_request_id

from . import batch_checked

# How often (in rows) a file import tells its progress.
PROGRESS_ROWS = 100


@dataclass(frozen=True)
class BadgeImported:
    """What became of one definition: IMPORTED (the badge created), DUPLICATE (the badge its
    external id names, unchanged) or INVALID (every broken rule, as a badge create lists them).
    ``external_id`` is the one read (trimmed), empty for none."""

    status: RowStatus
    badge: Badge | None = None
    violations: tuple[Violation, ...] = ()
    external_id: str = ""


def _external_id(sent: str) -> tuple[str, Violation | None]:
    """The external id, trimmed (earned rows name a badge by it, trimmed): empty for none, else
    1 to 255 characters once trimmed, holding no NUL."""
    external_id = sent.strip()
    if sent and not is_request_id(external_id):
        return sent, Violation(
            "EXTERNAL_ID_INVALID",
            f"An external id is 1 to {REQUEST_ID_MAX_LENGTH} characters once trimmed, without "
            "NUL (or empty for none).",
            "external_id",
        )
    return external_id, None


def _imported_before(org: Organization, external_id: str) -> Badge | None:
    if not external_id:
        return None
    return Badge.objects.filter(org=org, external_id=external_id).first()


def _created(org, actor, now, external_id: str, definition: Definition) -> BadgeImported:
    try:
        with transaction.atomic():
            badge = badge_create(
                org=org,
                actor=actor,
                now=now,
                definition=definition,
                imported=True,
                external_id=external_id,
            )
    except RuleViolation as refused:
        return BadgeImported(RowStatus.INVALID, None, tuple(refused.violations), external_id)
    except IntegrityError:
        # Another import created a badge with this external id since we looked.
        existing = _imported_before(org, external_id)
        if existing is None:
            raise
        return BadgeImported(RowStatus.DUPLICATE, existing, (), external_id)
    return BadgeImported(RowStatus.IMPORTED, badge, (), external_id)


def _item_imported(*, org, actor, now, item: BadgeItem) -> BadgeImported:
    external_id, invalid = _external_id(item.external_id)
    if invalid is not None:
        return BadgeImported(RowStatus.INVALID, None, (invalid, *item.violations), item.external_id)
    existing = _imported_before(org, external_id)
    if existing is not None:
        return BadgeImported(RowStatus.DUPLICATE, existing, (), external_id)
    if item.definition is None:
        return BadgeImported(RowStatus.INVALID, None, item.violations, external_id)
    return _created(org, actor, now, external_id, item.definition)


def badge_import(
    *, org: Organization, actor, now: datetime, external_id: str, definition: Definition
) -> BadgeImported:
    """Import one definition (in a savepoint of its own): IMPORTED, DUPLICATE or INVALID."""
    return _item_imported(org=org, actor=actor, now=now, item=BadgeItem(external_id, definition))


def badge_batch_check(items: Sequence[object]) -> None:
    """An API batch holds 1 to 1,000 definitions."""
    batch_checked(items, most=MAX_API_BADGES, field="badges", noun="badge")


class _DryRun:
    """What a dry run answers: no id names a badge it would create (nothing by it exists),
    neither in the item that creates it nor in a later one that meets it (DUPLICATE)."""

    def __init__(self):
        self.made: set = set()

    def __call__(self, result: BadgeImported) -> BadgeImported:
        if result.badge is None:
            return result
        if result.status == RowStatus.IMPORTED:
            self.made.add(result.badge.pk)
        if result.badge.pk in self.made:
            return dataclasses.replace(result, badge=None)
        return result


def badges_import(
    *,
    org: Organization,
    actor,
    now: datetime,
    items: Sequence[BadgeItem],
    dry_run: bool = False,
) -> list[BadgeImported]:
    """An API batch of 1 to 1,000 definitions, in one transaction: a result per item, in
    order. An item read with ``violations`` is INVALID with them, unless its external id names
    a badge imported before (DUPLICATE)."""
    badge_batch_check(items)
    with transaction.atomic():
        results = [_item_imported(org=org, actor=actor, now=now, item=item) for item in items]
        if dry_run:
            transaction.set_rollback(True)
    if dry_run:
        return list(map(_DryRun(), results))
    return results


def _reported(report: Report, line: int, result: BadgeImported) -> None:
    first = result.violations[0] if result.violations else None
    report.write(
        line,
        result.status,
        first.code if first else "",
        first.field if first else "",
        "; ".join(v.message for v in result.violations) if first else "",
        result.badge.pk if result.badge is not None else "",
    )


def badges_import_file(
    *,
    org: Organization,
    actor,
    binary: IO[bytes],
    report: IO[str],
    now: datetime,
    dry_run: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> Summary:
    """A CSV file of badge definitions (``badge_rows.BADGE_COLUMNS``), streamed: read through
    once for what makes it malformed (``FileRefused``, before anything is written), then each
    row imported in a transaction of its own. Each row's result goes to ``report`` (its code,
    field and id: the badge's); ``on_progress`` hears the rows done every ``PROGRESS_ROWS``
    rows and at the end."""
    rows_counted(binary, BADGE_COLUMNS, BADGE_OPTIONAL_COLUMNS)
    binary.seek(0)
    summary, written, zone = Summary(), Report(report), org.tzinfo
    dry = _DryRun()
    with transaction.atomic() if dry_run else nullcontext():
        for line, values in rows_read(binary, BADGE_COLUMNS, BADGE_OPTIONAL_COLUMNS):
            result = _item_imported(org=org, actor=actor, now=now, item=badge_row(values, zone))
            if dry_run:
                result = dry(result)
            summary.add(result.status)
            _reported(written, line, result)
            if on_progress is not None and summary.rows % PROGRESS_ROWS == 0:
                on_progress(summary.rows)
        if dry_run:
            transaction.set_rollback(True)
    if on_progress is not None:
        on_progress(summary.rows)
    return summary
