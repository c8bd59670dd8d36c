"""Model instances read by statements written once.

On the hot reads, building a queryset (its filters, joins and SQL) costs several times what the
database takes to run it: a prefetch of one part of 50 badges spends 2.5 ms in Python for 0.5 ms
of SQL on the reference machine. These reads write their statement from the model's metadata
once, and turn its rows into instances as a queryset does: the backend's converters, then
``Model.from_db``. Shared by the apps' selectors (``customfields`` may use it, as it uses
``badges.exceptions``).

``LoadedFromRows`` builds the instances every read makes (through a queryset or these
statements) without ``Model.__init__``, which sets each field through its descriptor: a page of
200 issuances with their badges spent 4 ms of its 17 ms there."""

import functools
from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from typing import NamedTuple, Protocol

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init


class LoadedFromRows:
    """A model mixin: instances read from the database hold the values read as
    ``Model.__init__`` would leave them, set in one step. Its fields' descriptors only write
    the value to the instance's ``__dict__`` on a new instance; a model whose instances some
    receiver of ``pre_init`` or ``post_init`` watches (an ``ImageField`` with dimension fields,
    say) is built by ``Model.__init__``, as it must see them."""

    @classmethod
    def from_db(cls, db, field_names, values):
        if pre_init.receivers or post_init.receivers:
            return super().from_db(db, field_names, values)
        new = cls.__new__(cls)
        new.__dict__.update(zip(field_names, values, strict=True))
        state = new._state = ModelState()
        state.adding = False
        state.db = db
        return new


def related_known(instance: models.Model, name: str, related: models.Model) -> None:
    """Cache ``related`` as ``instance``'s ``name``, whose key already holds ``related``'s:
    what the foreign key's descriptor would store, without its checks (a page of badges sets
    some two hundred)."""
    instance._state.fields_cache[name] = related


@functools.cache
def model_shape(model: type[models.Model]) -> tuple[list[str], list[str], list[tuple]]:
    """The model's columns (quoted, unqualified), their attribute names, and per column the
    expression and converters a queryset would apply to its values."""
    quote = connection.ops.quote_name
    fields = model._meta.concrete_fields
    converters = []
    for field in fields:
        column = field.get_col(model._meta.db_table)
        converters.append(
            (
                column,
                connection.ops.get_db_converters(column) + column.get_db_converters(connection),
            )
        )
    return [quote(f.column) for f in fields], [f.attname for f in fields], converters


def converted_rows(rows: Iterable[Sequence], converters: Sequence[tuple]) -> Iterator[list]:
    """Each row as a list of the values a queryset reads: ``converters`` holds, per column,
    its expression and the backend's and field's converters, in the rows' column order."""
    database = connections[DEFAULT_DB_ALIAS]  # the thread's own, not the proxy, once
    steps = [(index, column, each) for index, (column, each) in enumerate(converters) if each]
    for row in rows:
        values = list(row)
        for index, column, each in steps:
            for step in each:
                values[index] = step(values[index], column, database)
        yield values


def instances_from(model: type[models.Model], rows: Iterable[Sequence]) -> list[models.Model]:
    """Instances of ``model`` from rows holding its concrete fields' columns, in
    ``model_shape`` order."""
    _, names, converters = model_shape(model)
    alias, from_db = connections[DEFAULT_DB_ALIAS].alias, model.from_db
    return [from_db(alias, names, values) for values in converted_rows(rows, converters)]


def instances_read(model: type[models.Model], sql: str, params: Sequence) -> list[models.Model]:
    """Instances of ``model`` from a statement selecting its concrete fields' columns, in
    ``model_shape`` order (a ``RawQuerySet`` works out the same mapping on every call)."""
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        cursor.execute(sql, params)
        return instances_from(model, cursor.fetchall())


def _order_by(model: type[models.Model], ordering: Sequence[str]) -> str:
    """An ordering of plain fields as an ORDER BY clause."""
    terms = []
    for name in ordering:
        field = model._meta.get_field(name.lstrip("-"))
        direction = " DESC" if name.startswith("-") else ""
        terms.append(connection.ops.quote_name(field.column) + direction)
    return f" ORDER BY {', '.join(terms)}" if terms else ""


@functools.cache
def _where_in_sql(
    model: type[models.Model],
    field_name: str,
    names: tuple,
    ordering: tuple,
    array_type: str | None,
) -> str:
    """With an ``array_type`` (PostgreSQL), the keys go as one array parameter: the statement
    is the same for any number of keys, so the driver converts it once and the server
    prepares it, where a list of placeholders (over 50, psycopg converts it anew on every
    call) makes a new statement for every count."""
    quote = connection.ops.quote_name
    columns = ", ".join(quote(model._meta.get_field(name).column) for name in names)
    column = quote(model._meta.get_field(field_name).column)
    keys = f"= ANY(%s::{array_type}[])" if array_type else "IN ({keys})"
    return (
        f"SELECT {columns} FROM {quote(model._meta.db_table)} "
        f"WHERE {column} {keys}{_order_by(model, ordering)}"
    )


# Keys whose text needs no quoting in an array literal; psycopg writes a list of keys as one in
# Python, element by element (a millisecond for 200 UUIDs on the reference machine).
ARRAY_TEXT_TYPES = {"uuid", "integer", "bigint"}


@functools.cache
def _key_shape(model: type[models.Model], field_name: str, vendor: str) -> tuple:
    """The field a key of ``field_name`` is a value of, and the type of an array of keys
    written as text (None: a list of placeholders)."""
    field = model._meta.get_field(field_name)
    target = field.target_field if field.is_relation else field
    array_type = target.db_type(connection) if vendor == "postgresql" else None
    return target, array_type if array_type in ARRAY_TEXT_TYPES else None


@functools.lru_cache(maxsize=64)
def _array_text(target: models.Field, keys: tuple) -> str:
    """``keys`` (of ``target``'s type) as an array literal, written once for the several parts
    of a page read by the same keys (``str`` of a UUID is Python, a microsecond each)."""
    database = connections[DEFAULT_DB_ALIAS]
    prepared = (target.get_db_prep_value(key, database) for key in dict.fromkeys(keys))
    return "{" + ",".join(map(str, prepared)) + "}"


def _where_in_statement(
    model: type[models.Model], field_name: str, keys: Iterable, names: tuple, ordering: tuple
) -> tuple[str, list] | None:
    """The statement reading ``names`` of the ``model`` rows whose ``field_name`` is one of
    ``keys``, with its parameters; None for no keys."""
    database = connections[DEFAULT_DB_ALIAS]
    target, array_type = _key_shape(model, field_name, database.vendor)
    keys = tuple(keys)
    if not keys:
        return None
    sql = _where_in_sql(model, field_name, names, ordering, array_type)
    if array_type:
        return sql, [_array_text(target, keys)]
    keys = [target.get_db_prep_value(key, database) for key in dict.fromkeys(keys)]
    return sql.format(keys=", ".join(["%s"] * len(keys))), keys


def _rows_of(statements: list[tuple[str, list] | None]) -> list[list[tuple]]:
    """The rows of each statement (none for None). On PostgreSQL several go in one pipeline:
    sent together, and their rows waited for once rather than one round trip each."""
    database = connections[DEFAULT_DB_ALIAS]
    sent = [each for each in statements if each is not None]
    if len(sent) > 1 and database.vendor == "postgresql":
        database.ensure_connection()
        with database.connection.pipeline(), ExitStack() as open_cursors:
            cursors = [open_cursors.enter_context(database.cursor()) for _ in sent]
            for cursor, (sql, params) in zip(cursors, sent, strict=True):
                cursor.execute(sql, params)
            read = [cursor.fetchall() for cursor in cursors]
    else:
        read = []
        for sql, params in sent:
            with database.cursor() as cursor:
                cursor.execute(sql, params)
                read.append(cursor.fetchall())
    found = iter(read)
    return [[] if each is None else next(found) for each in statements]


class RowsWhereIn(NamedTuple):
    """The ``model`` rows whose ``field_name`` is one of ``keys``, as instances, in
    ``ordering`` (plain fields), else in the model's default ordering."""

    model: type[models.Model]
    field_name: str
    keys: Iterable
    ordering: Sequence[str] = ()

    def statement(self) -> tuple[str, list] | None:
        names = tuple(model_shape(self.model)[1])
        ordering = tuple(self.ordering or self.model._meta.ordering)
        return _where_in_statement(self.model, self.field_name, self.keys, names, ordering)

    def found(self, rows: list[tuple]) -> list:
        return instances_from(self.model, rows)


class ValuesWhereIn(NamedTuple):
    """The ``names`` fields of the ``model`` rows whose ``field_name`` is one of ``keys``, as
    tuples of the values a queryset reads, unordered: where a read needs a few of a part's
    values, not instances (a page of 200 badges' custom field values spent more time building
    instances than the database took to send them)."""

    model: type[models.Model]
    field_name: str
    keys: Iterable
    names: Sequence[str]

    def statement(self) -> tuple[str, list] | None:
        return _where_in_statement(self.model, self.field_name, self.keys, tuple(self.names), ())

    def found(self, rows: list[tuple]) -> list[tuple]:
        _, attnames, converters = model_shape(self.model)
        shape = dict(zip(attnames, converters, strict=True))
        wanted = [shape[self.model._meta.get_field(name).attname] for name in self.names]
        return [tuple(values) for values in converted_rows(rows, wanted)]


def _key_prepared(model: type[models.Model], field_name: str, key) -> object:
    """``key``, a value of ``field_name`` (a key of the model it points to, for a foreign
    key), as the database takes it."""
    database = connections[DEFAULT_DB_ALIAS]
    target, _ = _key_shape(model, field_name, database.vendor)
    return target.get_db_prep_value(key, database)


@functools.lru_cache(maxsize=256)
def _page_sql(
    model: type[models.Model], field_name: str, ordering: tuple, offset: int, limit: int
) -> str:
    """Past the first page, the page's keys are picked first, then their rows read, as
    ``badges_project.paging.KeysFirstPaginator`` does: the offset walks an index of keys."""
    quote = connection.ops.quote_name
    table, order_by = quote(model._meta.db_table), _order_by(model, ordering)
    columns = ", ".join(model_shape(model)[0])
    pk, column = quote(model._meta.pk.column), quote(model._meta.get_field(field_name).column)
    window = f"{order_by} LIMIT {limit:d}" + (f" OFFSET {offset:d}" if offset else "")
    if not offset:
        return f"SELECT {columns} FROM {table} WHERE {column} = %s{window}"
    keys = f"SELECT {pk} FROM {table} WHERE {column} = %s{window}"
    return f"SELECT {columns} FROM {table} WHERE {pk} IN ({keys}){order_by}"


class RowsPage(NamedTuple):
    """The ``model`` rows whose ``field_name`` is ``key``, as instances: ``limit`` of them
    from ``offset``, in ``ordering`` (plain fields, the last one unique)."""

    model: type[models.Model]
    field_name: str
    key: object
    ordering: Sequence[str]
    offset: int
    limit: int

    def statement(self) -> tuple[str, list]:
        sql = _page_sql(self.model, self.field_name, tuple(self.ordering), self.offset, self.limit)
        return sql, [_key_prepared(self.model, self.field_name, self.key)]

    def found(self, rows: list[tuple]) -> list:
        return instances_from(self.model, rows)


class RowsCounted(NamedTuple):
    """How many ``model`` rows have ``key`` as their ``field_name``."""

    model: type[models.Model]
    field_name: str
    key: object

    def statement(self) -> tuple[str, list]:
        quote = connection.ops.quote_name
        column = quote(self.model._meta.get_field(self.field_name).column)
        sql = f"SELECT COUNT(*) FROM {quote(self.model._meta.db_table)} WHERE {column} = %s"
        return sql, [_key_prepared(self.model, self.field_name, self.key)]

    def found(self, rows: list[tuple]) -> int:
        return rows[0][0]


class Read(Protocol):
    """A read by a statement written once: ``RowsWhereIn``, ``ValuesWhereIn``, ``RowsPage``,
    ``RowsCounted``, or a selector's own."""

    def statement(self) -> tuple[str, list] | None: ...

    def found(self, rows: list[tuple]): ...


def read_together(reads: Sequence[Read]) -> list:
    """What each of ``reads`` finds, their statements sent together (``_rows_of``); no
    statement for a read with no keys."""
    rows = _rows_of([read.statement() for read in reads])
    return [read.found(found) for read, found in zip(reads, rows, strict=True)]
