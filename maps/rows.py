"""Rows read by hand-written SQL, turned into values and instances as the ORM would.

The live path's hottest statements are written once as SQL instead of compiled by the ORM for
every op (`workshops.selectors.place`, `maps.services._save_alive`; docs/benchmarks.md, round
3). What they return is converted here, column by column, with the converters a query's
columns would get; those are worked out once per model and process.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import connection
from django.db.models import Field, Model


@functools.cache
def _converters(model: type[Model], vendor: str) -> tuple[tuple[Field, tuple[Any, ...]], ...]:
    out = []
    for f in model._meta.concrete_fields:
        col = f.get_col(model._meta.db_table)
        out.append((f, tuple(connection.ops.get_db_converters(col) + col.get_db_converters(connection))))
    return tuple(out)


def columns(model: type[Model], alias: str | None = None) -> list[str]:
    """The model's concrete columns, quoted, in the order `converted` expects them."""
    quote = connection.ops.quote_name
    prefix = f"{alias}." if alias else ""
    return [f"{prefix}{quote(f.column)}" for f in model._meta.concrete_fields]


def converted(model: type[Model], values: Any) -> list[Any]:
    """A row of every concrete field of `model`, in order, as Python values."""
    out = []
    for (f, converters), value in zip(_converters(model, connection.vendor), values, strict=True):
        for converter in converters:
            value = converter(value, f.cached_col, connection)
        out.append(value)
    return out


def instance(model: type[Model], values: Any) -> Model:
    """A model instance from a row of `columns(model)`, as a query would make it."""
    names = [f.attname for f in model._meta.concrete_fields]
    return model.from_db(connection.alias, names, converted(model, values))
