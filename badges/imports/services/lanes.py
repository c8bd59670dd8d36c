"""Lanes: a file's batches written over parallel connections (PostgreSQL).

A batch's rows are dealt to lanes by their customer, so a customer's rows always go to the
same lane, and a lane takes its parts in file order, each in a transaction of its own on its
own connection. Lanes never meet on a customer: each locks only its own (no lane waits for
another), and every (badge, customer) is decided among the same rows and after the same
earlier batches as by one connection. The database's share of an import (the issuance
indexes, above all the no-overlap constraint) then runs on as many cores as there are lanes.
"""

import zlib
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

from django.db import connection


def lane_of(customer_id: str, lanes: int) -> int:
    """The same lane for a customer in every batch (a stable hash: ``hash()`` of a str is
    salted per process)."""
    return zlib.crc32(customer_id.encode()) % lanes


def parts(candidates: Sequence, lanes: int) -> list[list]:
    """``(row, badge)`` candidates dealt to ``lanes`` lists, each in file order."""
    dealt: list[list] = [[] for _ in range(lanes)]
    for candidate in candidates:
        dealt[lane_of(candidate[0].customer_id, lanes)].append(candidate)
    return dealt


class LaneStopped(Exception):
    """A part not run: an earlier part of its lane failed (were it run, a customer's later
    rows would be written without its earlier ones, and a re-run would decide those apart)."""


class Lane:
    """A thread of its own (and so a connection of its own) running parts in the order given,
    none after one has failed."""

    def __init__(self, number: int):
        self.number = number
        self.executor = ThreadPoolExecutor(
            max_workers=1, thread_name_prefix=f"import-lane-{number}"
        )
        self.failed = False  # read and written by the lane's thread alone

    def submit(self, work: Callable, *args) -> Future:
        return self.executor.submit(self._run, work, args)

    def _run(self, work: Callable, args: tuple):
        if self.failed:
            raise LaneStopped
        try:
            return work(*args)
        except BaseException:
            self.failed = True
            raise

    def close(self) -> None:
        """Once the parts already given have run (cancel those no longer wanted)."""
        self.executor.submit(_connection_closed)
        self.executor.shutdown(wait=True)


def _connection_closed() -> None:
    connection.close()


@contextmanager
def lanes_opened(count: int) -> Iterator[list[Lane]]:
    """``count`` lanes, closed at the end."""
    opened = [Lane(number) for number in range(count)]
    try:
        yield opened
    finally:
        for lane in opened:
            lane.close()
