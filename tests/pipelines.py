"""What the tests of reads sent together share: which statements went in a pipeline."""

from contextlib import contextmanager
from typing import NamedTuple

import pytest
from django.db import connection


class Sent(NamedTuple):
    """A statement run: whether it went in a pipeline, and its second word (what a SELECT
    reads first)."""

    piped: bool
    word: str


@contextmanager
def statements_sent():
    """The statements run inside, as ``Sent``, in order; skips the test off PostgreSQL, the
    one database whose reads go in pipelines."""
    if connection.vendor != "postgresql":
        pytest.skip("pipelines are PostgreSQL's")
    sent: list[Sent] = []

    def watched(execute, sql, params, many, context):
        sent.append(Sent(connection.connection.pgconn.pipeline_status != 0, sql.split()[1]))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watched):
        yield sent
