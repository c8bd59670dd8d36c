"""On PostgreSQL, parameters are bound by the server and a statement a connection has run
twice is prepared from then on: the hot paths' statements skip parsing and planning
(docs/deploy.md). Instants are read by the standard library's ISO parser, exactly as Django's
own loader reads them."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import DataError, connection
from django.db.backends.postgresql.psycopg_any import BaseTzLoader
from hypothesis import given, settings
from hypothesis.strategies import datetimes, just
from psycopg.postgres import types
from psycopg.pq import Format

from badges.models import Badge
from badges_project.postgresql.base import InstantLoader
from tests.factories import BadgeFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

BY_ID = '"badges_badge"."id" = $1'
TIMESTAMPTZ = types["timestamptz"].oid


def prepared_statements_holding(text: str) -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE strpos(statement, %s) > 0",
            [text],
        )
        return [row[0] for row in cursor.fetchall()]


def test_a_statement_run_twice_on_a_connection_is_prepared_with_server_bound_parameters():
    badge = BadgeFactory()
    for _ in range(2):
        Badge.objects.filter(pk=badge.pk).first()
    assert prepared_statements_holding(BY_ID) == []
    Badge.objects.filter(pk=badge.pk).first()
    assert len(prepared_statements_holding(BY_ID)) == 1


def django_loader_reading(text: str):
    """What Django's own loader reads from the text the session sends for ``text``."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz::text", [text])
        shown = cursor.fetchone()[0]
    loader = type("Django", (BaseTzLoader,), {"timezone": connection.timezone})
    return loader(TIMESTAMPTZ, connection.connection).load(shown.encode())


def read_back(text: str):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::timestamptz", [text])
        return cursor.fetchone()[0]


def test_instants_are_read_by_the_iso_parser_as_djangos_loader_reads_them():
    connection.ensure_connection()
    loader = connection.connection.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
    assert issubclass(loader, InstantLoader)
    for text in (
        "2026-09-10 06:30:00+00",
        "2026-09-10 06:30:00.000001+00",
        "0002-01-01 00:00:00+00",
        "9999-12-31 23:59:59.999999+00",
        "2026-03-29 01:30:00+02",
    ):
        assert read_back(text) == django_loader_reading(text)
        assert read_back(text).tzinfo is UTC


def test_an_hour_a_zones_clocks_repeat_reads_as_the_instant_djangos_loader_reads():
    """Under a session zone with daylight saving, both 02:30 of the night clocks go back read
    as the two instants they are."""
    paris = ZoneInfo("Europe/Paris")
    with connection.cursor() as cursor:
        cursor.execute("SET TIME ZONE 'Europe/Paris'")
        try:
            read = []
            for text in ("2026-10-25 00:30:00+00", "2026-10-25 01:30:00+00"):
                cursor.execute("SELECT %s::timestamptz::text", [text])
                shown = cursor.fetchone()[0].encode()
                django, ours = (
                    type("Zoned", (base,), {"timezone": paris})(TIMESTAMPTZ, connection.connection)
                    for base in (BaseTzLoader, InstantLoader)
                )
                assert ours.load(shown).timestamp() == django.load(shown).timestamp()
                assert ours.load(shown).utcoffset() == django.load(shown).utcoffset()
                read.append(ours.load(shown))
        finally:
            cursor.execute("SET TIME ZONE 'UTC'")
    assert [r.timestamp() for r in read] == [
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC).timestamp(),
        datetime(2026, 10, 25, 1, 30, tzinfo=UTC).timestamp(),
    ]


def test_instants_the_iso_parser_cannot_read_go_to_djangos_loader():
    with pytest.raises(DataError):
        read_back("infinity")


@given(datetimes(min_value=datetime(2, 1, 1), timezones=just(UTC)))
@settings(max_examples=60, deadline=None)
def test_every_instant_reads_back_as_it_was_written(instant):
    assert read_back(instant.isoformat()) == instant
