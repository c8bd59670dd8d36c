"""Imports (#16): customers' earned badges imported from a CSV file by ``import_customer_badges``,
next to a raw ``COPY`` of the same file measured in the same run, then the same file again.

    make bench-imports    # or: .venv/bin/python bench/imports.py [--rows 1000000]

Needs PostgreSQL on 127.0.0.1:5432 with the right to create a database (or
BENCH_IMPORTS_DATABASE_URL, whose database is made and dropped). No committed data: the bench
makes ``badges_bench_imports`` by ``manage.py migrate``, an org (Asia/Kolkata) and 8 badges by
``badge_create`` with a clock 3 years back (so that their periods are past: half ended, half
still running), half of them named in the file by their id, half by an ``external_id`` (set on
the model, as a badge import leaves it). Then, each step timed on its own:

* **the file**: ``--rows`` rows (1,000,000) written to a temporary file as they are made (never
  held in memory), header ``badge,customer_id,earn_event_date,expires_on,external_id``, seeded
  (the same file every run). Half as many customers as rows, 10-digit card numbers in no
  order, each holding two of the badges; earn dates spread over the badge's period, a fifth
  written as a date alone (midnight in the org's timezone), the rest as datetimes with their
  offset; a tenth with an empty ``expires_on`` (never expires), the rest valid 30 days to a
  year (most already past: stored EXPIRED); four in five with an ``external_id``. One row in
  50 comes back later (the next row, or some 25,000 rows on, in the next batch) for the same
  badge and customer, earned after the first one expired: imported too;
* **raw COPY**: the baseline, the same file streamed by psycopg (``COPY ... FROM STDIN (FORMAT
  csv, HEADER)``) into an unindexed table of five text columns, in one transaction; three
  times, each into a new table, the median kept (a single COPY varied 2x between runs);
* **the import**: ``manage.py import_customer_badges FILE --org <slug> --report PATH`` by
  ``call_command`` in a child process (the dev settings, debug off): its seconds from the call
  to its return (Django's start-up left out), every row expected IMPORTED; rows/s, and its
  ratio to the raw COPY;
* **the re-run**: the same command on the same file, every row expected DUPLICATE; its seconds
  as a share of the first run's;
* **memory**: the child's peak resident set (``VmHWM`` of /proc/self/status, the kernel's high
  water mark, what ``ru_maxrss`` reports) at the end of the import, less its resident set
  (``VmRSS``) just before the call, once Django is set up, the command's modules imported and
  the connection open. What the import allocated and let go in between counts: it is the peak.

Prints one table (docs/performance.md, "Imports (#16)", holds the last one) and the targets
(at least 20,000 rows/s; the re-run at most 60% of the first run; peak growth under 100 MB),
met or not. ``--profile PATH`` runs the first import under cProfile and writes its stats to
PATH (its times are then inflated); ``--keep-database`` leaves the database for EXPLAIN; else it
is dropped at the end, whatever happens.
"""

import argparse
import io
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.jobs import database_created, database_dropped  # noqa: E402
from bench.scale import prepare_environment  # noqa: E402

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/badges_bench_imports"
ORG_NAME = "Imports bench"
ZONE = "Asia/Kolkata"
BADGES = 8
SEED = 16
REPEAT_EVERY = 50  # one row in 50 comes back later, for the same badge and customer
REPEAT_LATER = 25_000  # rows on, for half the repeats: in another batch of the import
HEADER = "badge,customer_id,earn_event_date,expires_on,external_id\n"
RAW_TABLE = "bench_raw_copy"
COPIES = 3  # raw COPYs of the file, each into a new table: the median is the baseline
SIZES = (
    "SELECT pg_table_size('badges_issuance') / 2^20, pg_indexes_size('badges_issuance') / 2^20, "
    "current_setting('shared_buffers')"
)
# Targets of issue #16.
TARGET_RATE = 20_000
TARGET_RERUN = 0.60
TARGET_MEMORY_MB = 100


# The badges and the file -----------------------------------------------------------------


@dataclass(frozen=True)
class BadgeSpan:
    """How the file names a badge, and when its rows may be earned."""

    name: str
    earn_from: datetime
    earn_until: datetime


def badges_made(now: datetime) -> tuple[object, list[BadgeSpan]]:
    """The org and its badges, created through the service with a clock 3 years back."""
    from badges.models import Badge
    from badges.services.definitions import badge_create
    from badges.services.orgs import org_create
    from badges.values import Definition, Expiry

    org, _ = org_create(name=ORG_NAME, timezone=ZONE, username="imports-bench")
    then = now - timedelta(days=3 * 365)
    spans = []
    for k in range(BADGES):
        start = then + timedelta(days=1 + 20 * k)
        # Half ended a month ago, half still running.
        end = now - timedelta(days=30) if k % 2 == 0 else now + timedelta(days=180)
        badge = badge_create(
            org=org,
            actor=None,
            now=then,
            definition=Definition(
                name=f"Legacy badge {k + 1}",
                start_on=start,
                expires_on=end,
                issue_type="ISSUE",
                issue_expiry=Expiry(type="RELATIVE", value=30, unit="DAYS"),
                owners=("LOYALTY",),
            ),
        )
        if k % 2:
            badge.external_id = f"legacy-{k + 1:03d}"
            Badge.objects.filter(pk=badge.pk).update(external_id=badge.external_id)
            name = badge.external_id
        else:
            name = str(badge.pk)
        # Room at the end for a repeat after the first row's expiry (at most 90 + 20 + 1 days).
        # A day's margin at the start: a date alone is midnight of its day, still after it.
        spans.append(
            BadgeSpan(name, start + timedelta(days=1), min(end, now) - timedelta(days=200))
        )
    return org, spans


def card_number(customer: int) -> str:
    """A 10-digit card number per customer, distinct, in no order (a bijection mod 10**10)."""
    return f"{(customer * 104_729 + 3_141_592_653) % 10**10:010d}"


def written_file(path: Path, rows: int, spans: list[BadgeSpan], zone) -> dict:
    """``rows`` data rows written to ``path`` as they are made; what the file holds."""
    rng = random.Random(SEED)
    customers = max(1, (rows + 1) // 2)
    pending: list[tuple[int, str]] = []  # (due at row, line) of repeats still to write
    written = base = repeats = never = date_only = 0

    def when(instant: datetime, alone: bool) -> str:
        local = instant.astimezone(zone)
        return local.date().isoformat() if alone else local.isoformat(timespec="seconds")

    with path.open("w", encoding="utf-8", newline="", buffering=1 << 20) as out:
        out.write(HEADER)
        while written < rows:
            if pending and pending[0][0] <= written:
                out.write(pending.pop(0)[1])
                written += 1
                continue
            customer = base % customers
            span = spans[(customer + 3 * (base // customers)) % len(spans)]
            seconds = (span.earn_until - span.earn_from).total_seconds()
            earn = span.earn_from + timedelta(seconds=rng.randrange(int(seconds)))
            alone = rng.random() < 0.2
            if alone:  # the date alone: midnight in the org's timezone, still in the period
                earn = datetime.combine(earn.astimezone(zone).date(), datetime.min.time(), zone)
            repeat = base % REPEAT_EVERY == REPEAT_EVERY - 1
            if not repeat and rng.random() < 0.1:
                expires = None
            else:
                days = rng.choice((30, 90)) if repeat else rng.choice((30, 90, 180, 365))
                expires = earn + timedelta(days=days)
            external = f"legacy-earn-{base + 1}" if rng.random() < 0.8 else ""
            card = card_number(customer)
            out.write(
                f"{span.name},{card},{when(earn, alone)},"
                f"{when(expires, alone) if expires else ''},{external}\n"
            )
            never += expires is None
            date_only += alone
            written += 1
            base += 1
            if repeat:
                again = expires + timedelta(days=rng.randint(1, 20))
                line = (
                    f"{span.name},{card},{when(again, False)},"
                    f"{when(again + timedelta(days=30), False)},legacy-earn-{base}-again\n"
                )
                later = REPEAT_LATER if (base // REPEAT_EVERY) % 2 else 0
                pending.append((written + later, line))
                pending.sort(key=lambda item: item[0])
                repeats += 1
    written_repeats = repeats - len(pending)
    return {
        "rows": written,
        "customers": min(customers, base),
        "repeats": written_repeats,
        "never": never,
        "date_only": date_only,
        "bytes": path.stat().st_size,
    }


# The baseline ----------------------------------------------------------------------------


def raw_copy(url: str, path: Path, rows: int) -> float:
    """Seconds to stream the file into an unindexed table of text columns by ``COPY``, in one
    transaction (the table made before the clock starts and dropped after)."""
    import psycopg

    with psycopg.connect(url) as conn:
        conn.execute(
            f"CREATE TABLE {RAW_TABLE} (badge text, customer_id text, earn_event_date text, "
            "expires_on text, external_id text)"
        )
        conn.commit()
        checkpoint(url)
        started = time.perf_counter()
        with (
            conn.cursor() as cursor,
            cursor.copy(f"COPY {RAW_TABLE} FROM STDIN (FORMAT csv, HEADER true)") as copy,
            path.open("rb") as binary,
        ):
            while chunk := binary.read(1 << 20):
                copy.write(chunk)
        conn.commit()
        elapsed = time.perf_counter() - started
        [(copied,)] = conn.execute(f"SELECT count(*) FROM {RAW_TABLE}").fetchall()
        assert copied == rows, (copied, rows)
        conn.execute(f"DROP TABLE {RAW_TABLE}")
        conn.commit()
    return elapsed


def checkpoint(url: str) -> None:
    """Write out what earlier steps left dirty, so that a step does not pay for another's."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CHECKPOINT")


# The import, in a child process ----------------------------------------------------------


def resident(field: str) -> float:
    """``field`` of /proc/self/status in MB."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise LookupError(field)


def child(file: str, slug: str, report: str, profile: str | None) -> None:
    """Run the command once in this (child) process; print what it measured as JSON."""
    import cProfile
    import gc

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    import badges.management.commands.import_customer_badges  # noqa: F401  (loaded before)
    from badges.imports.models import ImportRun

    connection.ensure_connection()
    gc.collect()
    before = resident("VmRSS")
    out = io.StringIO()
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    call_command("import_customer_badges", file, "--org", slug, "--report", report, stdout=out)
    if profiler is not None:
        profiler.disable()
    elapsed = time.perf_counter() - started
    peak = resident("VmHWM")
    if profiler is not None:
        profiler.dump_stats(profile)
    run = ImportRun.objects.order_by("-created_on").first()
    print(
        json.dumps(
            {
                "seconds": elapsed,
                "rss_before_mb": before,
                "peak_mb": peak,
                "summary": run.summary,
            }
        )
    )


@dataclass
class Imported:
    seconds: float
    wall: float  # the child process's, Django's start-up included
    growth_mb: float
    rss_before_mb: float
    peak_mb: float
    summary: dict


def imported(path: Path, slug: str, report: Path, profile: str | None = None) -> Imported:
    """``import_customer_badges`` run once by a child process."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", str(path), "--org", slug]
    command += ["--report", str(report)] + (["--profile", profile] if profile else [])
    checkpoint(os.environ["DATABASE_URL"])
    started = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode:
        sys.stderr.write(done.stdout[-5000:] + done.stderr[-5000:])
        raise RuntimeError(f"the import exited with {done.returncode}")
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return Imported(
        seconds=found["seconds"],
        wall=wall,
        growth_mb=found["peak_mb"] - found["rss_before_mb"],
        rss_before_mb=found["rss_before_mb"],
        peak_mb=found["peak_mb"],
        summary=found["summary"],
    )


# The table -------------------------------------------------------------------------------


def outcome(summary: dict, expected: str) -> str:
    """The summary's non-zero counts, and what was expected when it is not all of them."""
    counts = {k: v for k, v in summary.items() if k != "rows" and v}
    told = ", ".join(f"{n:,} {status.upper()}" for status, n in counts.items())
    if counts != {expected: summary["rows"]}:
        told += f" (expected all {expected.upper()})"
    return told


def print_tables(rows: int, copy_seconds: float, first: Imported, again: Imported) -> bool:
    """The step table and the targets; whether every target was met."""
    copy_rate = rows / copy_seconds

    def versus(seconds: float) -> str:
        return (
            f"{seconds / copy_seconds:.1f}x its time ({rows / seconds / copy_rate:.1%} of its rate)"
        )

    print("| step | rows | seconds | rows/s | vs raw COPY | outcome | peak RSS growth |")
    print("|---|---:|---:|---:|---|---|---:|")
    steps = [
        (
            "raw COPY into an unindexed table of 5 text columns (baseline)",
            copy_seconds,
            "",
            "",
            "",
        ),
        (
            "import_customer_badges, first run",
            first.seconds,
            versus(first.seconds),
            outcome(first.summary, "imported"),
            f"{first.growth_mb:,.1f} MB",
        ),
        (
            "import_customer_badges, the same file again",
            again.seconds,
            versus(again.seconds),
            outcome(again.summary, "duplicate"),
            f"{again.growth_mb:,.1f} MB",
        ),
    ]
    for label, seconds, ratio, told, memory in steps:
        print(
            f"| {label} | {rows:,} | {seconds:,.2f} | {rows / seconds:,.0f} | {ratio} | {told} "
            f"| {memory} |"
        )
    rate = rows / first.seconds
    rerun = again.seconds / first.seconds
    growth = max(first.growth_mb, again.growth_mb)
    targets = [
        (f"first run at least {TARGET_RATE:,} rows/s", f"{rate:,.0f} rows/s", rate >= TARGET_RATE),
        (
            f"re-run at most {TARGET_RERUN:.0%} of the first run",
            f"{rerun:.0%}",
            rerun <= TARGET_RERUN,
        ),
        (
            f"peak RSS growth under {TARGET_MEMORY_MB} MB",
            f"{first.growth_mb:,.1f} MB, re-run {again.growth_mb:,.1f} MB",
            growth < TARGET_MEMORY_MB,
        ),
    ]
    print("\n| target (#16) | measured | met |\n|---|---:|---|")
    for label, measured, met in targets:
        print(f"| {label} | {measured} | {'yes' if met else 'NO'} |")
    return all(met for *_, met in targets)


def profile_printed(path: str) -> None:
    import pstats

    print(f"\ncProfile of the first run ({path}), by own time:\n", file=sys.stderr)
    stats = pstats.Stats(path, stream=sys.stderr)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows in the file (1,000,000)")
    parser.add_argument("--profile", metavar="PATH", help="cProfile the first run into PATH")
    parser.add_argument(
        "--keep-database", action="store_true", help="leave the database (for EXPLAIN)"
    )
    parser.add_argument("--child", metavar="FILE", help=argparse.SUPPRESS)
    parser.add_argument("--org", help=argparse.SUPPRESS)
    parser.add_argument("--report", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.org, args.report, args.profile)
        return

    url = os.environ.get("BENCH_IMPORTS_DATABASE_URL", DEFAULT_URL)
    prepare_environment(url)
    database_created(url)
    try:
        import django

        django.setup()
        from django.db import connection, connections
        from django.utils import timezone

        from badges.choices import IssuanceSource
        from badges.models import Customer, Issuance

        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            version = cursor.fetchone()[0]
        org, spans = badges_made(timezone.now())
        with tempfile.TemporaryDirectory(prefix="bench-imports-") as folder:
            path = Path(folder) / "earned.csv"
            started = time.perf_counter()
            made = written_file(path, args.rows, spans, org.tzinfo)
            generated = time.perf_counter() - started
            connections.close_all()
            copies = sorted(raw_copy(url, path, args.rows) for _ in range(COPIES))
            copy_seconds = copies[len(copies) // 2]
            first = imported(path, org.slug, Path(folder) / "first.report.csv", args.profile)
            again = imported(path, org.slug, Path(folder) / "again.report.csv")
        held = Issuance.objects.filter(org=org, source=IssuanceSource.IMPORT).count()
        customers = Customer.objects.filter(org=org).count()
        with connection.cursor() as cursor:
            cursor.execute(SIZES)
            table_mb, indexes_mb, shared_buffers = cursor.fetchone()
            cursor.execute("SELECT count(*) FROM pg_indexes WHERE tablename = 'badges_issuance'")
            [indexes] = cursor.fetchone()
        connections.close_all()
    finally:
        if not args.keep_database:
            database_dropped(url)

    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    cpu = next((line.split(":", 1)[1].strip() for line in cpuinfo if "model name" in line), "")
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2**30
    print(
        f"\n{os.cpu_count()} cores ({cpu}), {memory} GiB, Python {platform.python_version()}, "
        f"PostgreSQL {version}; {made['rows']:,} rows ({made['bytes'] / 2**20:,.1f} MiB, written "
        f"in {generated:,.1f} s): {made['customers']:,} customers, {BADGES} badges, "
        f"{made['repeats']:,} rows a later earn of a badge the customer earned before, "
        f"{made['never']:,} never expiring, {made['date_only']:,} dates alone. After both runs "
        f"the org holds {held:,} imported issuances and {customers:,} customers; the issuance "
        f"table takes {table_mb:,.0f} MB and its {indexes} indexes {indexes_mb:,.0f} MB "
        f"(shared_buffers {shared_buffers}).\n"
    )
    met = print_tables(made["rows"], copy_seconds, first, again)
    print(
        f"\nSeconds: each step's own (a CHECKPOINT before each); raw COPY the median of "
        f"{COPIES} ({', '.join(f'{c:.2f}' for c in copies)} s); the imports' from the call to "
        f"its return in a child process, whose wall time with Django's start-up was "
        f"{first.wall:,.1f} s and {again.wall:,.1f} s. Peak RSS growth: the child's VmHWM "
        f"(its peak resident set, as ru_maxrss) at the end less its VmRSS before the call "
        f"({first.rss_before_mb:,.0f} MB, once Django was set up; peak {first.peak_mb:,.0f} MB)."
    )
    if args.profile:
        profile_printed(args.profile)
    if not met:
        print("\nSome targets of #16 were not met (above).")


if __name__ == "__main__":
    main()
