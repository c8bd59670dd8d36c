"""A file's batches written over parallel connections (lanes, PostgreSQL): a customer's rows
always on the same lane, in file order; the same report and the same issuances as one
connection writes; a lane's failure stops the import with what was committed kept; no lane for
a dry run or an import inside the caller's transaction; every lane's connection closed."""

import csv
import io
import random
import threading
from collections import Counter
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction

from badges.choices import IssuanceSource
from badges.imports.rows import EarnedRow
from badges.imports.services import earned, lanes, staging
from badges.imports.services.earned import earned_badges_import_file
from badges.models import Issuance, IssuedCountChange, IssueExpiryType
from badges.services.issuance import IssueOrder, issue
from tests.concurrency import run_concurrently
from tests.factories import BadgeFactory, CustomerFactory, IssuanceFactory, OrganizationFactory

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
START = datetime(2026, 9, 1, tzinfo=UTC)
BADGES = ("old-1", "old-2")
postgres_threads = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _row(line: int, customer: str) -> EarnedRow:
    return EarnedRow(line, "old-1", customer, START, None, "")


def test_a_customers_rows_go_to_one_lane_in_file_order():
    candidates = [(_row(n, f"c-{n % 7}"), None) for n in range(1, 50)]
    dealt = lanes.parts(candidates, 2)
    assert sorted(row.line for part in dealt for row, _ in part) == list(range(1, 50))
    assert all(part for part in dealt)
    for part in dealt:
        assert [row.line for row, _ in part] == sorted(row.line for row, _ in part)
    lane_of_customer = {row.customer_id: n for n, part in enumerate(dealt) for row, _ in part}
    assert len(lane_of_customer) == 7
    assert all(lanes.lane_of(c, 2) == n for c, n in lane_of_customer.items())
    assert lanes.lane_of("c-1", 2) == lanes.lane_of("c-1", 2)
    assert lanes.parts(candidates, 1) == [candidates]


def _file(seed: int) -> str:
    """Rows of two badges for a few customers, meeting each other within and across batches:
    repeats (DUPLICATE), overlaps, later earns, a row for a customer holding an issuance, an
    unknown badge and an invalid row."""
    rng = random.Random(seed)
    lines = ["badge,customer_id,earn_event_date,expires_on,external_id"]
    for n in range(160):
        day = rng.randrange(0, 25)
        length = rng.choice([None, 2, 5, 9])
        earn = START + timedelta(days=day)
        expires = (earn + timedelta(days=length)).date().isoformat() if length else ""
        badge = rng.choice((*BADGES, "old-x") if n % 40 == 0 else BADGES)
        customer = "" if n % 53 == 0 else f"c-{rng.randrange(12)}"
        lines.append(f"{badge},{customer},{earn.date().isoformat()},{expires},e-{n}")
    return "\n".join(lines)


def _org_with_history():
    org = OrganizationFactory(timezone="UTC")
    badges = [
        BadgeFactory(org=org, start_on=START, expires_on=START + timedelta(days=40), external_id=e)
        for e in BADGES
    ]
    holder = CustomerFactory(org=org, customer_id="c-3")
    IssuanceFactory(
        org=org,
        badge=badges[0],
        customer=holder,
        issued_on=START + timedelta(days=6),
        expires_on=START + timedelta(days=9),
    )
    return org


def _imported(org, text: str, settings, count: int):
    settings.IMPORTS_LANES = count
    report = io.StringIO()
    summary = earned_badges_import_file(
        org=org, binary=io.BytesIO(text.encode()), report=report, now=NOW, batch_rows=17
    )
    rows = list(csv.DictReader(io.StringIO(report.getvalue())))
    kept = Issuance.objects.filter(org=org)
    by_id = {
        str(i): (b, c, e)
        for i, b, c, e in kept.values_list(
            "issual_id", "badge__external_id", "customer__customer_id", "event_date"
        )
    }
    shown = [(r["line"], r["status"], r["code"], r["field"], by_id.get(r["id"])) for r in rows]
    written = Counter(
        kept.filter(source=IssuanceSource.IMPORT).values_list(
            "badge__external_id", "customer__customer_id", "event_date", "expires_on", "status"
        )
    )
    counted = Counter()
    for badge, change in IssuedCountChange.objects.filter(badge__org=org).values_list(
        "badge__external_id", "change"
    ):
        counted[badge] += change
    return summary.as_dict(), shown, written, counted


def _lane_threads(monkeypatch) -> tuple[set, list]:
    """The threads lanes wrote from, and their connections."""
    threads, raws = set(), []
    part = earned._lane_part

    def spied(*args):
        threads.add(threading.current_thread().name)
        decided = part(*args)
        raws.append(connection.connection)
        return decided

    monkeypatch.setattr(earned, "_lane_part", spied)
    return threads, raws


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_two_lanes_report_and_write_what_one_connection_does(seed, settings, monkeypatch):
    threads, raws = _lane_threads(monkeypatch)
    text = _file(seed)
    one = _imported(_org_with_history(), text, settings, 1)
    assert not threads
    two = _imported(_org_with_history(), text, settings, 2)
    assert threads == {"import-lane-0_0", "import-lane-1_0"}
    assert one == two
    statuses = {status for _, status, *_ in one[1]}
    assert {"IMPORTED", "DUPLICATE", "OVERLAPPING", "BADGE_NOT_FOUND", "INVALID"} <= statuses
    assert raws and all(raw.closed for raw in raws)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_failing_lane_stops_the_import_keeping_what_the_lanes_committed(settings, monkeypatch):
    _, raws = _lane_threads(monkeypatch)
    org = _org_with_history()
    imported, submit = staging.imported, lanes.Lane.submit
    calls, given, next_given = Counter(), Counter(), threading.Event()

    def counted(lane, work, *args):
        given[lane.number] += 1
        if given[1] == 4:
            next_given.set()
        return submit(lane, work, *args)

    def failing(*, org, candidates, now):
        name = threading.current_thread().name
        calls[name] += 1
        if name == "import-lane-1_0" and calls[name] == 3:
            next_given.wait(10)  # lane 1's next part is queued behind this one
            raise RuntimeError("lane 1 lost its connection")
        return imported(org=org, candidates=candidates, now=now)

    monkeypatch.setattr(lanes.Lane, "submit", counted)
    monkeypatch.setattr(staging, "imported", failing)
    with pytest.raises(RuntimeError, match="lane 1 lost"):
        _imported(org, _file(4), settings, 2)
    kept = Issuance.objects.filter(org=org, source=IssuanceSource.IMPORT)
    lanes_of_kept = {
        lanes.lane_of(c, 2) for c in kept.values_list("customer__customer_id", flat=True)
    }
    assert lanes_of_kept == {0, 1}
    changes = IssuedCountChange.objects.filter(badge__org=org).values_list("change", flat=True)
    assert sum(changes) == Issuance.objects.filter(org=org).count()
    assert raws and all(raw.closed for raw in raws)
    assert not [t for t in threading.enumerate() if t.name.startswith("import-lane-")]
    assert next_given.is_set()
    monkeypatch.setattr(staging, "imported", imported)
    finished = _imported(org, _file(4), settings, 2)
    assert finished[2] == _imported(_org_with_history(), _file(4), settings, 1)[2]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("how", ["dry run", "in a transaction"])
def test_a_dry_run_or_an_import_in_a_transaction_uses_its_own_connection(
    how, settings, monkeypatch
):
    threads, _ = _lane_threads(monkeypatch)
    settings.IMPORTS_LANES = 2
    org = _org_with_history()
    text = _file(5).encode()
    dry_run = how == "dry run"
    with nullcontext() if dry_run else transaction.atomic():
        summary = earned_badges_import_file(
            org=org,
            binary=io.BytesIO(text),
            report=io.StringIO(),
            now=NOW,
            dry_run=dry_run,
            batch_rows=17,
        )
    assert summary.counts["IMPORTED"] > 0
    assert not threads
    assert Issuance.objects.filter(source=IssuanceSource.IMPORT).exists() is not dry_run


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_laned_import_racing_issues_to_its_customers_never_overlaps(settings):
    """Issues of several customers at once lock customers of both lanes, in their order: the
    import and the issues all end, and each customer holds each badge once, imported or
    issued, never both."""
    settings.IMPORTS_LANES = 2
    org = OrganizationFactory(timezone="UTC")
    badges = [
        BadgeFactory(
            org=org,
            start_on=START,
            expires_on=START + timedelta(days=90),
            issue_expiry_type=IssueExpiryType.RELATIVE,
            issue_expiry_value=2,
            issue_expiry_unit="WEEKS",
            external_id=f"old-{n}",
        )
        for n in range(6)
    ]
    customers = [f"c-{n}" for n in range(8)]
    earn, expires = (NOW - timedelta(days=2)).isoformat(), (NOW + timedelta(days=5)).isoformat()
    text = "\n".join(
        ["badge,customer_id,earn_event_date,expires_on"]
        + [f"old-{n},{c},{earn},{expires}" for n in range(6) for c in customers]
    )

    def work(i: int):
        if i == 0:
            return earned_badges_import_file(
                org=org,
                binary=io.BytesIO(text.encode()),
                report=io.StringIO(),
                now=NOW,
                batch_rows=5,
            )
        rng = random.Random(i)
        issued = Counter()
        for badge in badges:
            for outcome in issue(
                badge=badge,
                customer_ids=rng.sample(customers, 3),
                order=IssueOrder(request_id=f"r-{i}-{badge.pk}"),
                now=NOW,
            ):
                issued[outcome.status] += 1
        return issued

    summary, *issued = run_concurrently(work, 3)
    assert not isinstance(summary, Exception), summary
    assert not [r for r in issued if isinstance(r, Exception)], issued
    held = Counter(Issuance.objects.values_list("badge_id", "customer__customer_id"))
    assert held == Counter({(b.pk, c): 1 for b in badges for c in customers})
    assert summary.counts["IMPORTED"] + sum(r["ISSUED"] for r in issued) == len(held)
    assert (
        summary.counts["IMPORTED"] == Issuance.objects.filter(source=IssuanceSource.IMPORT).count()
    )
