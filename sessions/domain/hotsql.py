"""Plain SQL for the join storm's path, built once from the models' own metadata.

When a thousand people join at once, a few reads and one insert run a thousand times each
within seconds, and the ORM takes several times longer to build their SQL than the database
takes to run it. Here each statement's SQL is built once per model and shape, from the
models' own table and column names, and rows become model instances with Django's own value
conversions (the ones the ORM's compiler applies). Only simple single-table statements: the
ORM stays the way to write everything else.
"""

from __future__ import annotations

import functools

from django.db import connection


@functools.cache
def _select(model, fields: tuple[str, ...] | None, omit: tuple[str, ...], vendor: str):
    chosen = [
        f
        for f in model._meta.concrete_fields
        if (fields is None or f.name in fields or f.primary_key) and f.name not in omit
    ]
    quote = connection.ops.quote_name
    table = model._meta.db_table
    sql = f"SELECT {', '.join(quote(f.column) for f in chosen)} FROM {quote(table)}"
    converters = []
    for index, model_field in enumerate(chosen):
        column = model_field.get_col(table)
        found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
        if found:
            converters.append((index, found, column))
    return sql, [f.attname for f in chosen], converters


def fetch(model, where: str, params: list, *, fields=None, omit=(), for_update=False):
    """The first `model` row matching `where` (SQL with %s placeholders for `params`), with
    only `fields` (or all but `omit`) loaded; None if there is none. `for_update` locks the
    row, where the database can, until the transaction ends."""
    sql, attnames, converters = _select(model, fields, omit, connection.vendor)
    sql = f"{sql} WHERE {where}"
    if for_update and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    values = list(row)
    for index, functions, column in converters:
        for function in functions:
            values[index] = function(values[index], column, connection)
    return model.from_db(connection.alias, attnames, values)


@functools.cache
def _insert(model, vendor: str):
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(f.column) for f in fields)})"
        f" VALUES ({', '.join(['%s'] * len(fields))})"
    )
    returning = connection.features.can_return_columns_from_insert
    if returning:
        sql += f" RETURNING {quote(model._meta.pk.column)}"
    return sql, fields, returning


def insert(instance):
    """Save a new `instance` (its primary key chosen by the database) and return it: what
    `save()` does for a new row, without model signals (the join path's models have none)."""
    sql, fields, returning = _insert(type(instance), connection.vendor)
    params = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        instance.pk = cursor.fetchone()[0] if returning else cursor.lastrowid
    instance._state.adding = False
    instance._state.db = connection.alias
    return instance
