"""Writing a transaction's new rows in as few round trips as the database allows."""

import functools
from collections.abc import Sequence

from django.db import connection
from django.db.models import AutoField, Model


@functools.cache
def _insert_shape(model: type[Model]) -> tuple[str, list, str]:
    """The INSERT head of a model's rows, the fields it writes, and one row's placeholders."""
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, AutoField)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES ", fields, row


def _insert_sql(objs: Sequence[Model]) -> tuple[str, list]:
    """One multi-row INSERT, its values prepared as the ORM prepares them for a save (the
    compiler's general path cost more than the statement on the issue path)."""
    head, fields, row = _insert_shape(type(objs[0]))
    params = [
        field.get_db_prep_save(field.pre_save(obj, True), connection)
        for obj in objs
        for field in fields
    ]
    return head + ", ".join([row] * len(objs)), params


Statement = tuple[str, list]


def inserted_together(
    first: Sequence[Model], *others: Sequence[Model], then: Statement | None = None
) -> None:
    """Insert new model instances, ``first`` getting its primary keys back, and run ``then``
    (an UPDATE without RETURNING).

    On PostgreSQL this is one statement, each batch and ``then`` a data-modifying CTE (foreign
    keys are checked at commit, so the batches may reference each other); elsewhere
    ``bulk_create`` per batch, in order, then ``then``.
    """
    batches = [batch for batch in (first, *others) if batch]
    if connection.vendor != "postgresql":
        for batch in batches:
            type(batch[0]).objects.bulk_create(batch)
        if then is not None:
            with connection.cursor() as cursor:
                cursor.execute(*then)
        return
    if not batches and then is None:
        return
    parts, params = [], []
    for index, batch in enumerate(batches):
        sql, batch_params = _insert_sql(batch)
        if index == 0 and first:
            pk = connection.ops.quote_name(type(batch[0])._meta.pk.column)
            sql += f" RETURNING {pk}"
        parts.append(f"w{index} AS ({sql})")
        params += batch_params
    if then is not None:
        parts.append(f"w{len(parts)} AS ({then[0]})")
        params += then[1]
    head = "SELECT * FROM w0" if first else "SELECT 1"
    with connection.cursor() as cursor:
        cursor.execute(f"WITH {', '.join(parts)} {head}", params)
        rows = cursor.fetchall() if first else []
    for obj, (pk,) in zip(first, rows, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias
