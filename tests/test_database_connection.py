"""On PostgreSQL, parameters are bound by the server and a statement a connection has run
twice is prepared from then on: the hot paths' statements skip parsing and planning
(docs/deploy.md)."""

import pytest
from django.db import connection

from badges.models import Badge
from tests.factories import BadgeFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

BY_ID = '"badges_badge"."id" = $1'


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
