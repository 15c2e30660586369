"""Composing several writes into one PostgreSQL statement (data-modifying `WITH`), for hot paths
where each round trip counts (the publisher's claim and outcome: scheduling/claims.py, outcomes.py).

The pieces are still built by the ORM (`update_sql` compiles `queryset.update(**values)` without
running it), so their conditions stay written once, in Python; only their execution is merged.
`instance_from_row` turns the columns a statement returned into a model instance exactly as a
query would (each field's database converters applied: JSON, encrypted fields, ...).

A few one-line statements that run on every publish are written by hand instead (`names`,
`db_values`): compiling a queryset costs more CPU than the statement's round trip, and a worker
thread publishing at 100 posts a second spends it under the GIL.
"""
from __future__ import annotations

from functools import cache

from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.sql import UpdateQuery


def composable(using: str = "default") -> bool:
    """Can writes be merged into one statement here? (PostgreSQL: yes; SQLite has no DML in WITH.)"""
    return connections[using].vendor == "postgresql"


def update_sql(queryset: QuerySet, **values) -> tuple[str, tuple]:
    """The SQL and parameters of `queryset.update(**values)`, not executed."""
    query = queryset.query.chain(UpdateQuery)
    query.add_update_values(values)
    query.annotations = {}
    sql, params = query.get_compiler(queryset.db).as_sql()
    return sql, tuple(params)


@cache
def columns(model: type[Model], alias: str | None = None) -> str:
    """The model's concrete columns, quoted, in field order (for RETURNING / SELECT lists)."""
    quote = connections["default"].ops.quote_name
    prefix = f"{quote(alias)}." if alias else ""
    return ", ".join(prefix + quote(field.column) for field in model._meta.concrete_fields)


def _field_converters(model: type[Model], field, connection) -> tuple:
    """A field's column and the database converters a query applies to its values."""
    column = field.get_col(model._meta.db_table)
    return column, tuple(connection.ops.get_db_converters(column) + column.get_db_converters(connection))


@cache
def _converters(model: type[Model], using: str) -> tuple[tuple[str, ...], tuple]:
    """The model's attnames, and per concrete field its column and database converters (fixed per
    model and database: found once per process, as a query's compiler finds them once per query)."""
    fields = model._meta.concrete_fields
    steps = tuple(_field_converters(model, field, connections[using]) for field in fields)
    return tuple(field.attname for field in fields), steps


def instance_from_row(model: type[Model], values, using: str = "default") -> Model:
    """A model instance from its concrete columns (in `columns` order), converted as a query would."""
    connection = connections[using]
    attnames, steps = _converters(model, using)
    converted = []
    for (column, converters), value in zip(steps, values):
        for converter in converters:
            value = converter(value, column, connection)
        converted.append(value)
    return model.from_db(using, list(attnames), converted)


@cache
def names(model: type[Model], *fields: str) -> tuple[str, ...]:
    """The model's quoted table name, then the quoted column of each field (for hand-written SQL)."""
    quote = connections["default"].ops.quote_name
    return (quote(model._meta.db_table), *(quote(model._meta.get_field(name).column) for name in fields))


def db_values(model: type[Model], using: str = "default", **values) -> tuple:
    """Statement parameters: each value as its field stores it on this database (a datetime or a
    UUID as SQLite keeps it, for instance)."""
    connection = connections[using]
    return tuple(model._meta.get_field(name).get_db_prep_value(value, connection) for name, value in values.items())


def value_from_db(model: type[Model], field: str, value, using: str = "default"):
    """A value a hand-written statement read from `field`'s column, converted as a query would."""
    connection = connections[using]
    column, converters = _field_converters(model, model._meta.get_field(field), connection)
    for converter in converters:
        value = converter(value, column, connection)
    return value
