"""Pure: CSV files of an import, read as a stream and answered whole when malformed.

A file is UTF-8, with or without a byte order mark, with any line endings, and starts with a
header row naming its columns. What makes the whole file unusable (a missing or unknown column,
a line of another width, text that is not UTF-8, a line over ``MAX_LINE_BYTES``) is a
``FileRefused`` naming the line; an import reads the file through once for those before it
writes anything, so that a malformed file leaves nothing half-written.
"""

import codecs
import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import IO

from .choices import RowStatus

# A row of an earned badge is well under 1 kB; a longer line is a file that is not one.
MAX_LINE_BYTES = 64 * 1024
REPORT_COLUMNS = ("line", "status", "code", "field", "message", "id")


class FileRefused(Exception):
    def __init__(self, message: str, line: int | None = None):
        super().__init__(f"Line {line}: {message}" if line else message)
        self.line = line


def _lines(binary: IO[bytes]) -> Iterator[str]:
    """The file's physical lines as text, each at most ``MAX_LINE_BYTES`` (never more is read
    into memory), the byte order mark dropped."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    number = 0
    while True:
        raw = binary.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        number += 1
        if len(raw) > MAX_LINE_BYTES:
            raise FileRefused(f"longer than {MAX_LINE_BYTES // 1024} kB: not a CSV row.", number)
        try:
            yield decoder.decode(raw)
        except UnicodeDecodeError as error:
            raise FileRefused("not UTF-8 text.", number) from error


def _header(
    names: Sequence[str], required: Sequence[str], optional: Sequence[str]
) -> tuple[str, ...]:
    columns = tuple(name.strip() for name in names)
    missing = [c for c in required if c not in columns]
    unknown = [c for c in columns if c not in required and c not in optional]
    repeated = sorted({c for c in columns if columns.count(c) > 1})
    if missing or unknown or repeated:
        told = [
            *([f"missing {', '.join(missing)}"] if missing else []),
            *([f"unknown {', '.join(unknown)}"] if unknown else []),
            *([f"repeated {', '.join(repeated)}"] if repeated else []),
        ]
        expected = ",".join(required) + "".join(f"[,{c}]" for c in optional)
        raise FileRefused(f"the header's columns are {'; '.join(told)} (expected {expected}).", 1)
    return columns


def _cells_read(
    binary: IO[bytes], required: Sequence[str], optional: Sequence[str]
) -> Iterator[tuple[tuple[str, ...], int, list[str]]]:
    """Each data row's cells, as wide as the header, with the header's columns and the line
    the row starts on; blank lines skipped."""
    reader = csv.reader(_lines(binary), strict=True)
    try:
        names = next(reader, None)
        if names is None:
            raise FileRefused("the file is empty: it needs a header row.")
        columns = _header(names, required, optional)
        width = len(columns)
        while True:
            start = reader.line_num + 1
            cells = next(reader, None)
            if cells is None:
                return
            if not cells:
                continue
            if len(cells) != width:
                raise FileRefused(f"{len(cells)} values where the header has {width}.", start)
            yield columns, start, cells
    except csv.Error as error:
        raise FileRefused(f"not CSV ({error}).", reader.line_num) from error


def rows_read(
    binary: IO[bytes], required: Sequence[str], optional: Sequence[str] = ()
) -> Iterator[tuple[int, dict[str, str]]]:
    """Each data row with the line it starts on, as ``{column: text}``; blank lines skipped."""
    for columns, start, cells in _cells_read(binary, required, optional):
        yield start, dict(zip(columns, cells, strict=True))


def rows_counted(binary: IO[bytes], required: Sequence[str], optional: Sequence[str] = ()) -> int:
    """Read the file through, answering ``FileRefused`` if it is malformed; its data rows
    (counted from their cells: a million rows' dicts cost a second)."""
    return sum(1 for _ in _cells_read(binary, required, optional))


@dataclass
class Summary:
    """What an import did: rows read, and how many ended in each status (they add up)."""

    rows: int = 0
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RowStatus.values, 0))

    def add(self, status: str) -> None:
        self.rows += 1
        self.counts[status] += 1

    def added(self, results: Sequence) -> None:
        """Count a batch of results (each with a ``status``)."""
        counts = self.counts
        for result in results:
            counts[result.status] += 1
        self.rows += len(results)

    def as_dict(self) -> dict:
        return {"rows": self.rows, **{status.lower(): n for status, n in self.counts.items()}}


class Report:
    """The per-row report: a CSV of each row's line, status, code, field, message and the id
    of what it made or met (the issuance, the badge)."""

    def __init__(self, text: IO[str]):
        self._writer = csv.writer(text, lineterminator="\n")
        self._writer.writerow(REPORT_COLUMNS)

    def write(self, line: int, status: str, code="", field="", message="", id="") -> None:
        self._writer.writerow((line, status, code, field, message, id or ""))

    def results(self, results: Sequence) -> None:
        """Write a batch of row results (``line, status, code, field, message, issual_id``)
        in one call: a million rows spent a second in ``write``'s calls alone."""
        self._writer.writerows(
            (r.line, r.status, r.code, r.field, r.message, r.issual_id or "") for r in results
        )
