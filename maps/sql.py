"""Every statement of `maps` written by hand, and the conversion of what they return.

The live path's hottest statements are written once as SQL instead of compiled by the ORM for
every op (docs/decisions.md, "Hand-written SQL on the live path"): on PostgreSQL a note's write,
the map's next number and its event are one statement (`logged`). Each function names the ORM
query it stands for; tests/maps/test_sql.py runs both on one map and compares what they return
and do. Statement text is built once per process and backend (`functools.cache` on the
vendor); a function returning a `Statement` leaves running it to its caller, which may fold it
into a larger one (`maps.events.append_after`).
"""

from __future__ import annotations

import copy
import functools
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import Field, Model

from maps.models import JourneyMap, Lane, MapEvent, Persona, Stage, Sticky

Statement = tuple[str, list[Any]]  # SQL with %s placeholders, and its parameters

# PostgreSQL advisory locks of this app. Two-key locks: (this class, a map's id). Single-key
# locks (`cell_key`) live in a space of their own, so they never meet these.
MOVES_LOCK = 7301


def _quote(name: str) -> str:
    return connection.ops.quote_name(name)


def _postgresql() -> bool:
    return connection.vendor == "postgresql"


def execute(statement: Statement) -> list[tuple[Any, ...]]:
    """Run a statement; the rows it returns (none for one that returns nothing)."""
    with connection.cursor() as cursor:
        cursor.execute(*statement)
        return [tuple(row) for row in cursor.fetchall()] if cursor.description else []


def lock(statement: Statement | None) -> None:
    """Take a lock (`cell_lock`, `moves_lock`) where the database has one (None on SQLite)."""
    if statement is not None:
        execute(statement)


# -- rows: what a statement returns, as the ORM would convert it ----------------------------


@functools.cache
def _converters(model: type[Model], vendor: str) -> tuple[tuple[Field, tuple[Any, ...]], ...]:
    out = []
    for f in model._meta.concrete_fields:
        col = f.get_col(model._meta.db_table)
        out.append((f, tuple(connection.ops.get_db_converters(col) + col.get_db_converters(connection))))
    return tuple(out)


def columns(model: type[Model], alias: str | None = None) -> list[str]:
    """The model's concrete columns, quoted, in the order `converted` expects them
    (what `Model.objects.values_list(*every concrete field)` selects)."""
    prefix = f"{alias}." if alias else ""
    return [f"{prefix}{_quote(f.column)}" for f in model._meta.concrete_fields]


def converted(model: type[Model], values: Any) -> list[Any]:
    """A row of every concrete field of `model`, in order, as Python values: what
    `values_list` gives for the same row."""
    out = []
    for (f, converters), value in zip(_converters(model, connection.vendor), values, strict=True):
        for converter in converters:
            value = converter(value, f.cached_col, connection)
        out.append(value)
    return out


def instance(model: type[Model], values: Any) -> Model:
    """A model instance from a row of `columns(model)`: what `Model.objects.get` makes of it."""
    names = [f.attname for f in model._meta.concrete_fields]
    return model.from_db(connection.alias, names, converted(model, values))


def saved(instance: Model) -> Model:
    """Mark an instance whose row a hand-written INSERT just made as saved, as `save()` would
    (the ORM's `_state`; docs/decisions.md, "Hand-written SQL")."""
    instance._state.adding, instance._state.db = False, connection.alias
    return instance


@functools.cache
def field_indexes(model: type[Model], *names: str) -> tuple[int, ...]:
    """Where these fields are in a row of `columns(model)` (worked out once per process)."""
    attnames = [f.attname for f in model._meta.concrete_fields]
    return tuple(attnames.index(name) for name in names)


def _prepared(model: type[Model], instance: Model, names: list[str]) -> list[Any]:
    return [
        model._meta.get_field(name).get_db_prep_save(getattr(instance, name), connection) for name in names
    ]


# -- the map's log ------------------------------------------------------------------------


def seq_take(journey_map_id: int) -> tuple[int, str] | None:
    """The map's next number and its languages; the map's row stays locked until commit.

    `JourneyMap.objects.filter(pk=…).update(seq=F("seq") + 1)` and then
    `values_list("seq", "languages")`, in one statement. None if there is no such map."""
    table = _quote(JourneyMap._meta.db_table)
    rows = execute(
        (f"UPDATE {table} SET seq = seq + 1 WHERE id = %s RETURNING seq, languages", [journey_map_id])
    )
    return (int(rows[0][0]), rows[0][1]) if rows else None


def language_add(journey_map_id: int, language: str) -> None:
    """Add a language to the map's (space-separated) languages unless it is there already.

    `journey_map.languages = " ".join([*journey_map.languages.split(), language])` unless it
    is among them, then `journey_map.save(update_fields=["languages"])`: in one statement,
    which writes nothing when the language is there."""
    table = _quote(JourneyMap._meta.db_table)
    execute(
        (
            f"UPDATE {table} SET languages = TRIM(languages || ' ' || %s) "
            "WHERE id = %s AND ' ' || languages || ' ' NOT LIKE %s",
            [language, journey_map_id, f"% {language} %"],
        )
    )


_EVENT_FIELDS = ["journey_map_id", "author_id", "op_id", "kind", "created_at"]


def event_numbered(event: MapEvent) -> tuple[int, int, str] | None:
    """PostgreSQL: take the map's next number and insert `event` under it, in one statement;
    its (id, seq, the map's languages), or None if there is no such map.

    `seq_take`, then `event.save(force_insert=True)` with that seq."""
    table, events = _quote(JourneyMap._meta.db_table), _quote(MapEvent._meta.db_table)
    names = [*_EVENT_FIELDS, "payload"]
    columns_sql = ", ".join(_quote(MapEvent._meta.get_field(f).column) for f in names)
    rows = execute(
        (
            f"WITH s AS (UPDATE {table} SET seq = seq + 1 WHERE id = %s RETURNING seq, languages), "
            f"e AS (INSERT INTO {events} ({columns_sql}, seq) "
            f"SELECT {', '.join(['%s'] * len(names))}, s.seq FROM s RETURNING id, seq) "
            "SELECT e.id, e.seq, s.languages FROM e, s",
            [event.journey_map_id, *_prepared(MapEvent, event, names)],
        )
    )
    return rows[0] if rows else None


def logged(
    write: Statement,
    event: MapEvent,
    *,
    id_key: str | None = None,
    also: tuple[Statement, ...] = (),
    first: Statement | None = None,
) -> Statement:
    """PostgreSQL: `write` (an INSERT or UPDATE … RETURNING), the map's next number and
    `event` under it, one statement; its rows are (event id, seq, languages, *write's row).

    The ORM's: run `write`; if it returned a row, `seq_take` and `event.save()`; all in one
    transaction. The number is taken only if `write` touched a row. `id_key`: the payload also
    gets the first id `write` returns under this key. `also`: more writes, run after `write` in
    the same statement. `first`: a statement (a lock) run before, in the same round trip and
    transaction: the statement after it reads what was committed before the lock was granted
    (PostgreSQL takes a snapshot per statement; Django's psycopg cursor binds parameters on the
    client, so several statements may go in one execute)."""
    table, events = _quote(JourneyMap._meta.db_table), _quote(MapEvent._meta.db_table)
    columns_sql = ", ".join(_quote(MapEvent._meta.get_field(f).column) for f in _EVENT_FIELDS)
    payload_sql = "%s"
    payload_params = [MapEvent._meta.get_field("payload").get_db_prep_save(event.payload, connection)]
    if id_key:
        payload_sql = "%s::jsonb || jsonb_build_object(%s, (SELECT w.id FROM w LIMIT 1))"
        payload_params.append(id_key)
    more = "".join(f"x{n} AS ({statement}), " for n, (statement, _params) in enumerate(also))
    text = (
        f"WITH w AS ({write[0]}), {more}"
        f"s AS (UPDATE {table} SET seq = seq + 1 "
        "WHERE id = %s AND EXISTS (SELECT 1 FROM w) RETURNING seq, languages), "
        f"e AS (INSERT INTO {events} ({columns_sql}, payload, seq) "
        f"SELECT {', '.join(['%s'] * len(_EVENT_FIELDS))}, {payload_sql}, s.seq FROM s RETURNING id, seq) "
        "SELECT e.id, e.seq, s.languages, w.* FROM w LEFT JOIN e ON TRUE LEFT JOIN s ON TRUE"
    )
    params = [*write[1], *(value for _statement, more_params in also for value in more_params)]
    params += [event.journey_map_id, *_prepared(MapEvent, event, _EVENT_FIELDS), *payload_params]
    if first is not None:
        return f"{first[0]}; {text}", [*first[1], *params]
    return text, params


# -- positions: who may number a cell's notes --------------------------------------------


def cell_key(stage_id: int, lane_id: int) -> int:
    """A cell's single advisory-lock key: the stage id in the high half, the lane id in the low
    (as a signed 64-bit integer; ids past 2**32 only make two cells share a key)."""
    key = ((stage_id & 0xFFFFFFFF) << 32) | (lane_id & 0xFFFFFFFF)
    return key - (1 << 64) if key >= 1 << 63 else key


def cell_lock(stage_id: int, lane_id: int) -> Statement | None:
    """PostgreSQL: until commit, no other write numbers this cell's notes (`sticky_create`,
    a move into it, a restore in it). None on SQLite, which has one writer at a time.
    The ORM has no advisory locks; `select_for_update()` on a row per cell would do, if there was one."""
    return ("SELECT pg_advisory_xact_lock(%s)", [cell_key(stage_id, lane_id)]) if _postgresql() else None


def moves_lock(journey_map_id: int) -> Statement | None:
    """PostgreSQL: until commit, no other move or restore of this map: they renumber whole
    cells, and two locking them in different orders would deadlock. None on SQLite."""
    return ("SELECT pg_advisory_xact_lock(%s, %s)", [MOVES_LOCK, journey_map_id]) if _postgresql() else None


# -- notes --------------------------------------------------------------------------------


def note_extras(alias: str) -> str:
    """Four more columns for a note's row (`alias`): its author's first name and login, its
    links (ids joined by spaces) and the name of the persona it concerns, so that a note read or
    written with them can be drawn: `select_related("author", "persona")` and
    `prefetch_related("links")` in the same statement."""
    users = _quote(get_user_model()._meta.db_table)
    username = _quote(get_user_model().USERNAME_FIELD)
    through = _quote(Sticky.links.through._meta.db_table)
    personas = _quote(Persona._meta.db_table)
    joined = (
        "string_agg(CAST(to_sticky_id AS text), ' ')" if _postgresql() else "group_concat(to_sticky_id, ' ')"
    )
    return (
        f"(SELECT first_name FROM {users} WHERE id = {alias}.author_id) AS author_first_name, "
        f"(SELECT {username} FROM {users} WHERE id = {alias}.author_id) AS author_username, "
        f"(SELECT {joined} FROM {through} WHERE from_sticky_id = {alias}.id) AS note_links, "
        f"(SELECT name FROM {personas} WHERE id = {alias}.persona_id) AS persona_name"
    )


def drawn(sticky: Sticky, links: list[int]) -> Sticky:
    """A copy of the note to draw, with its links as `prefetch_related("links")` leaves them
    (by id, as `maps.selectors.board` orders them); the caller's note still reads its links afresh."""
    linked = Sticky.objects.none()
    linked._result_cache = [Sticky(pk=pk) for pk in sorted(links)]
    linked._prefetch_done = True
    out = copy.copy(sticky)
    out._prefetched_objects_cache = {"links": linked}
    return out


def note_with_extras(row: tuple[Any, ...]) -> tuple[Sticky, Sticky]:
    """A note from a row of `columns(Sticky)` and `note_extras`, and a copy of it to draw
    (`drawn`) whose author and persona are what `select_related` gives, as far as drawing reads."""
    *values, first_name, username, links, persona_name = row
    sticky = instance(Sticky, values)
    out = drawn(sticky, [int(pk) for pk in (links or "").split()])
    user = get_user_model()
    out.author = (
        user(pk=sticky.author_id, first_name=first_name or "", **{user.USERNAME_FIELD: username})
        if sticky.author_id
        else None
    )
    out.persona = Persona(pk=sticky.persona_id, name=persona_name) if sticky.persona_id else None
    return sticky, out


@functools.cache
def _insert_statement(vendor: str) -> tuple[str, tuple[Field, ...]]:
    table = _quote(Sticky._meta.db_table)
    fields = tuple(f for f in Sticky._meta.concrete_fields if not f.primary_key and f.name != "position")
    return (
        f"INSERT INTO {table} ({', '.join(_quote(f.column) for f in fields)}, position) "
        f"SELECT {', '.join(['%s'] * len(fields))}, COALESCE(MAX(position) + 1, 0) FROM {table} "
        "WHERE stage_id = %s AND lane_id = %s AND deleted_at IS NULL RETURNING id, position"
    ), fields


def note_insert(sticky: Sticky) -> Statement:
    """Add an unsaved note at the end of its cell; returns (id, position).

    `sticky.position = Sticky.objects.filter(stage=…, lane=…, deleted_at=None)
    .aggregate(n=Coalesce(Max("position") + 1, 0))["n"]; sticky.save()`, in one statement.
    Run it after `cell_lock`, in the same transaction, or two at once may take one position."""
    text, fields = _insert_statement(connection.vendor)
    values = [f.get_db_prep_save(f.pre_save(sticky, add=True), connection) for f in fields]
    return text, [*values, sticky.stage_id, sticky.lane_id]


@functools.cache
def _update_statement(vendor: str, names: tuple[str, ...]) -> str:
    table = _quote(Sticky._meta.db_table)
    assigned = ", ".join(f"{_quote(Sticky._meta.get_field(name).column)} = %s" for name in names)
    return (
        f"UPDATE {table} SET {assigned} WHERE id = %s AND deleted_at IS NULL "
        f"RETURNING {', '.join(columns(Sticky))}, {note_extras(table)}"
    )


def note_update(note_id: int, values: dict[str, Any]) -> Statement:
    """Save these fields of a note unless it is deleted; returns the note as saved now with
    `note_extras` (nothing if it is deleted or gone).

    `Sticky.objects.filter(pk=…, deleted_at=None).update(**values)`, then
    `Sticky.objects.select_related("author", "persona").prefetch_related("links").get(pk=…)`."""
    fields = [Sticky._meta.get_field(name) for name in values]
    raw = [values[f.name].pk if isinstance(values[f.name], Model) else values[f.name] for f in fields]
    params = [f.get_db_prep_save(value, connection) for f, value in zip(fields, raw, strict=True)]
    return _update_statement(connection.vendor, tuple(values)), [*params, note_id]


def note_delete(note_id: int, at: Any) -> Statement:
    """Mark a note deleted, unless it is already; returns its row (`columns(Sticky)`).

    `Sticky.objects.filter(pk=…, deleted_at=None).update(deleted_at=at, updated_at=at)`,
    then `Sticky.objects.get(pk=…)`."""
    table = _quote(Sticky._meta.db_table)
    when = Sticky._meta.get_field("deleted_at").get_db_prep_save(at, connection)
    return (
        f"UPDATE {table} SET deleted_at = %s, updated_at = %s WHERE id = %s AND deleted_at IS NULL "
        f"RETURNING {', '.join(columns(Sticky))}",
        [when, when, note_id],
    )


def note_links_delete(note_id: int) -> Statement:
    """The note's links to others go: `sticky.links.clear()`."""
    through = _quote(Sticky.links.through._meta.db_table)
    return f"DELETE FROM {through} WHERE from_sticky_id = %s", [note_id]


@functools.cache
def _move_statements(vendor: str) -> tuple[str, str]:
    notes, stages, lanes = (_quote(model._meta.db_table) for model in (Sticky, Stage, Lane))
    postgresql = vendor == "postgresql"
    # SQLite, one writer at a time, takes no locks: their places hold plain values.
    locks = "pg_advisory_xact_lock(%s, %s), pg_advisory_xact_lock(%s)" if postgresql else "%s + %s, %s"
    target = (
        f"SELECT {locks}, {', '.join(columns(Stage, 's'))}, {', '.join(columns(Lane, 'l'))} "
        f"FROM (SELECT 1 AS one) o "
        f"LEFT JOIN {stages} s ON s.id = %s AND s.journey_map_id = %s "
        f"LEFT JOIN {lanes} l ON l.id = %s AND l.journey_map_id = %s"
    )
    locked = (
        f"SELECT {', '.join(columns(Sticky, 'n'))}, {note_extras('n')} FROM {notes} n "
        "WHERE n.journey_map_id = %s AND (n.id = %s OR (n.deleted_at IS NULL AND ("
        "(n.stage_id = %s AND n.lane_id = %s) "
        f"OR (n.stage_id, n.lane_id) = (SELECT stage_id, lane_id FROM {notes} WHERE id = %s)))) "
        "ORDER BY n.id" + (" FOR UPDATE OF n" if postgresql else "")
    )
    return target, locked


def move_target(journey_map_id: int, stage_id: int, lane_id: int) -> tuple[Stage | None, Lane | None]:
    """A move's first statement: `moves_lock`, then `cell_lock` of its target cell, and the
    target's stage and lane if they are this map's (else None for each).

    `Stage.objects.filter(pk=…, journey_map=…).first()` and the same of `Lane`, after the locks."""
    target, _locked = _move_statements(connection.vendor)
    params = [MOVES_LOCK, journey_map_id, cell_key(stage_id, lane_id)]
    [(_lock, _cell_lock, *row)] = execute(
        (target, [*params, stage_id, journey_map_id, lane_id, journey_map_id])
    )
    width = len(Stage._meta.concrete_fields)
    stage = instance(Stage, row[:width]) if row[0] is not None else None
    lane = instance(Lane, row[width:]) if row[width] is not None else None
    return stage, lane


def move_notes(journey_map_id: int, note_id: int, stage_id: int, lane_id: int) -> list[tuple[Any, ...]]:
    """A move's second statement: the note (deleted or not) and the notes of its cell and of the
    target cell, in id order, locked (PostgreSQL), rows of `columns(Sticky)` with `note_extras`.

    `Sticky.objects.select_for_update(of=("self",)).filter(Q(pk=note) | Q(deleted_at=None) &
    (Q(stage=…, lane=…) | Q(<the note's cell>)), journey_map=…).order_by("pk")`."""
    _target, locked = _move_statements(connection.vendor)
    return execute((locked, [journey_map_id, note_id, stage_id, lane_id, note_id]))


def notes_place(
    note_id: int, stage_id: int, lane_id: int, updated_at: Any, positions: dict[int, int]
) -> Statement:
    """Put the note in its cell and give each of these notes its position; returns their ids.

    `note.stage_id, note.lane_id, note.updated_at = …` and every note's `position = …`, then
    `Sticky.objects.bulk_update(notes, ["stage", "lane", "updated_at", "position"])` (the note
    gets the first three, the others only their positions)."""
    table = _quote(Sticky._meta.db_table)
    changed = list(positions)
    when = " ".join("WHEN %s THEN %s" for _pk in changed)
    at = Sticky._meta.get_field("updated_at").get_db_prep_save(updated_at, connection)
    params = [note_id, stage_id, note_id, lane_id, note_id, at]
    params += [value for pk in changed for value in (pk, positions[pk])] + changed
    return (
        f"UPDATE {table} SET stage_id = CASE WHEN id = %s THEN %s ELSE stage_id END, "
        "lane_id = CASE WHEN id = %s THEN %s ELSE lane_id END, "
        "updated_at = CASE WHEN id = %s THEN %s ELSE updated_at END, "
        f"position = CASE id {when} END WHERE id IN ({', '.join(['%s'] * len(changed))}) RETURNING id",
        params,
    )
