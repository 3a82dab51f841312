"""Every write to a map. Each change appends to the map's event log in the same transaction.

These functions know nothing of workshops or roles: the caller (workshops.ops) checks who may
do what, and broadcasts the returned `Change` after commit.
"""

from __future__ import annotations

import copy
import functools
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import connection, transaction
from django.forms import ModelChoiceField
from django.utils import timezone
from django.utils.translation import gettext as _

from maps import events, exports, layout, rows
from maps.models import (
    EmotionRating,
    Insight,
    JourneyMap,
    Lane,
    MapEvent,
    MapKind,
    Persona,
    ShareLink,
    Stage,
    StageMetric,
    Sticky,
    Vote,
    VoteDot,
)

Cell = tuple[int, int]  # (stage id, lane id)
MAX_STAGES = 20
BACKSTORY_FIELDS = ("trigger", "needs", "outcome", "narrative")
STYLE_FIELDS = (
    "colour",
    "is_question",
    "is_decision",
    "is_aha",
    "is_micro_moment",
    "evidence",
    "channel",
    # pain points and opportunities
    "severity",
    "reach_count",
    "reach_share",
    "reach_source",
    "owner",
    "status",
)


class MapRefused(Exception):
    """A change that cannot be made; `field`, when the reason is one of its arguments."""

    def __init__(self, message: str, *, code: str = "refused", field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


@dataclass(frozen=True)
class NoteSwap:
    """A change to one note that everyone may see, drawn without redrawing its cell.

    The room applies it as it stands (docs/protocol.md, "One note"): "replace" the note where it
    is, "append" it to the end of its cell, "move" it: out of where it was, and in before
    the note `before` (None: at the end of its new cell), or "remove" it (deleted). Only for
    a note nobody has hidden from anyone, beside notes nobody has hidden: otherwise what each
    viewer has differs, and the cells are drawn again as each may see them.
    """

    kind: str
    sticky: Sticky
    before: int | None = None


@dataclass
class Change:
    """What a write changed, so the caller re-renders just that."""

    event: MapEvent
    cells: set[Cell] = field(default_factory=set)
    board: bool = False
    backstory: bool = False
    emotion: bool = False
    vote: bool = False
    insights: bool = False
    sticky: Sticky | None = None
    swap: NoteSwap | None = None  # the change, when one note says it all (NoteSwap)


def _log(
    journey_map: JourneyMap,
    author: AbstractBaseUser | None,
    kind: str,
    op_id: str | None,
    payload: dict[str, Any],
) -> MapEvent:
    return events.append(
        journey_map_id=journey_map.pk, author=author, kind=kind, op_id=op_id, payload=payload
    )


@transaction.atomic
def map_create(*, owner: AbstractBaseUser, title: str, kind: str = MapKind.CURRENT_STATE) -> JourneyMap:
    journey_map = JourneyMap.objects.create(owner=owner, title=title, kind=kind)
    Stage.objects.bulk_create(
        Stage(journey_map=journey_map, name=str(name), position=i)
        for i, name in enumerate(layout.STAGES[kind])
    )
    Lane.objects.bulk_create(
        Lane(journey_map=journey_map, key=spec.key, name=str(spec.name), zone=spec.zone, position=i)
        for i, spec in enumerate(layout.LANES[kind])
    )
    return journey_map


# -- sticky notes ------------------------------------------------------------------------


def _renumbered(stickies: list[Sticky]) -> list[Sticky]:
    """Number the notes of a cell 0, 1, 2… in this order; return those whose number changed."""
    moved = [sticky for position, sticky in enumerate(stickies) if sticky.position != position]
    for position, sticky in enumerate(stickies):
        sticky.position = position
    return moved


def _renumber(stickies: list[Sticky]) -> None:
    if moved := _renumbered(stickies):
        Sticky.objects.bulk_update(moved, ["position"])


def _cell_notes(
    journey_map: JourneyMap, stage_id: int, lane_id: int, *, exclude: int | None = None
) -> list[Sticky]:
    notes = Sticky.objects.filter(
        journey_map=journey_map, stage_id=stage_id, lane_id=lane_id, deleted_at=None
    )
    if exclude is not None:
        notes = notes.exclude(pk=exclude)
    return list(notes.order_by("position", "pk"))


def _alive(sticky: Sticky) -> Sticky:
    """The note as saved now, locked; a deleted one is gone (a delete beats a concurrent edit)."""
    fresh = Sticky.objects.select_for_update().filter(pk=sticky.pk).first()
    if fresh is None or fresh.deleted_at is not None:
        raise MapRefused(_("Someone deleted this note."), code="gone")
    return fresh


def _drawn(sticky: Sticky, links: list[int]) -> Sticky:
    """A copy of the note to draw, with its links as if prefetched (by id, as
    `maps.selectors.board` orders them); the caller's note still reads its links afresh."""
    linked = Sticky.objects.none()
    linked._result_cache = [Sticky(pk=pk) for pk in sorted(links)]
    linked._prefetch_done = True
    drawn = copy.copy(sticky)
    drawn._prefetched_objects_cache = {"links": linked}
    return drawn


def _extras(alias: str) -> str:
    """Three more columns for a note's row (`alias`): its author's first name and login, and its
    links (ids joined by spaces), so that a note read or written with them can be drawn."""
    quote = connection.ops.quote_name
    users = quote(get_user_model()._meta.db_table)
    username = quote(get_user_model().USERNAME_FIELD)
    through = quote(Sticky.links.through._meta.db_table)
    joined = (
        "string_agg(CAST(to_sticky_id AS text), ' ')"
        if connection.vendor == "postgresql"
        else "group_concat(to_sticky_id, ' ')"
    )
    return (
        f"(SELECT first_name FROM {users} WHERE id = {alias}.author_id) AS author_first_name, "
        f"(SELECT {username} FROM {users} WHERE id = {alias}.author_id) AS author_username, "
        f"(SELECT {joined} FROM {through} WHERE from_sticky_id = {alias}.id) AS note_links"
    )


def _with_extras(row: tuple[Any, ...]) -> tuple[Sticky, Sticky]:
    """A note from a row of `rows.columns(Sticky)` and `_extras`, and a copy of it to draw."""
    *values, first_name, username, links = row
    sticky = rows.instance(Sticky, values)
    drawn = _drawn(sticky, [int(pk) for pk in (links or "").split()])
    # The author as drawing shows them (names only), on the copy: the caller's note is untouched.
    user = get_user_model()
    drawn.author = (
        user(pk=sticky.author_id, first_name=first_name or "", **{user.USERNAME_FIELD: username})
        if sticky.author_id
        else None
    )
    return sticky, drawn


@functools.cache
def _update_statement(vendor: str, names: tuple[str, ...]) -> str:
    """`_save_alive`'s UPDATE of these fields, built once per process and set of fields."""
    quote = connection.ops.quote_name
    table = quote(Sticky._meta.db_table)
    columns = [quote(Sticky._meta.get_field(name).column) for name in names]
    return (
        f"UPDATE {table} SET {', '.join(f'{column} = %s' for column in columns)} "
        f"WHERE id = %s AND deleted_at IS NULL RETURNING {', '.join(rows.columns(Sticky))}, {_extras(table)}"
    )


@functools.cache
def _insert_statement(vendor: str) -> tuple[str, tuple[Any, ...]]:
    """`sticky_create`'s INSERT, built once per process, and the fields it takes values for."""
    quote = connection.ops.quote_name
    table = quote(Sticky._meta.db_table)
    fields = tuple(f for f in Sticky._meta.concrete_fields if not f.primary_key and f.name != "position")
    return (
        f"INSERT INTO {table} ({', '.join(quote(f.column) for f in fields)}, position) "
        f"SELECT {', '.join(['%s'] * len(fields))}, COALESCE(MAX(position) + 1, 0) FROM {table} "
        "WHERE stage_id = %s AND lane_id = %s AND deleted_at IS NULL RETURNING id, position"
    ), fields


def _save_alive(
    journey_map: JourneyMap,
    author: AbstractBaseUser,
    kind: str,
    op_id: str | None,
    sticky: Sticky,
    payload: dict[str, Any],
    **values: Any,
) -> tuple[MapEvent, Sticky, Sticky]:
    """Save these fields of a note unless it is deleted (a delete beats an edit), and log it.

    One statement (`events.append_after`) that also returns the note as it is now (it may have
    just moved, or changed in other fields), its author's names and its links: all the room
    needs to draw it. Returns the event, the note, and a copy of it to draw (`_drawn`).
    """
    values["updated_at"] = timezone.now()
    fields = [Sticky._meta.get_field(name) for name in values]
    write = _update_statement(connection.vendor, tuple(values))
    params = [f.get_db_prep_save(values[f.name], connection) for f in fields]
    event, returned = events.append_after(
        write,
        [*params, sticky.pk],
        journey_map_id=journey_map.pk,
        author=author,
        kind=kind,
        op_id=op_id,
        payload={"sticky": sticky.pk, **payload},
    )
    if event is None:
        raise MapRefused(_("Someone deleted this note."), code="gone")
    sticky, drawn = _with_extras(returned[0])
    return event, sticky, drawn


def sticky_create(
    *,
    journey_map: JourneyMap,
    author: AbstractBaseUser,
    stage: Stage,
    lane: Lane,
    text: str,
    colour: str = "yellow",
    hidden: bool = False,
    op_id: str | None = None,
    **style: Any,
) -> Change:
    """A note at the end of its cell: its position is taken in the statement that adds it and
    logs it (`events.append_after`)."""
    sticky = Sticky(
        journey_map=journey_map,
        stage=stage,
        lane=lane,
        text=text,
        colour=colour,
        author=author,
        hidden=hidden,
        **{k: v for k, v in style.items() if k in STYLE_FIELDS},
    )
    write, fields = _insert_statement(connection.vendor)
    values = [f.get_db_prep_save(f.pre_save(sticky, add=True), connection) for f in fields]
    event, [(sticky.pk, sticky.position)] = events.append_after(
        write,
        [*values, stage.pk, lane.pk],
        journey_map_id=journey_map.pk,
        author=author,
        kind="sticky.create",
        op_id=op_id,
        payload={"stage": stage.pk, "lane": lane.pk, "hidden": hidden},
        id_key="sticky",
    )
    sticky._state.adding, sticky._state.db = False, connection.alias
    swap = None if hidden else NoteSwap("append", _drawn(sticky, []))
    return Change(event, cells={(stage.pk, lane.pk)}, sticky=sticky, swap=swap)


def _changed(event: MapEvent, sticky: Sticky, drawn: Sticky) -> Change:
    """A note changed in place: everyone who sees it gets it drawn anew where it is."""
    swap = None if sticky.hidden else NoteSwap("replace", drawn)
    return Change(event, cells={(sticky.stage_id, sticky.lane_id)}, sticky=sticky, swap=swap)


def sticky_edit(
    *, journey_map: JourneyMap, author: AbstractBaseUser, sticky: Sticky, text: str, op_id: str | None = None
) -> Change:
    event, sticky, drawn = _save_alive(journey_map, author, "sticky.edit", op_id, sticky, {}, text=text)
    return _changed(event, sticky, drawn)


def sticky_style(
    *,
    journey_map: JourneyMap,
    author: AbstractBaseUser,
    sticky: Sticky,
    op_id: str | None = None,
    **style: Any,
) -> Change:
    """Colour, marks, evidence and channel; only the fields given change (last write wins per field)."""
    changed = [k for k in STYLE_FIELDS if k in style]
    event, sticky, drawn = _save_alive(
        journey_map,
        author,
        "sticky.style",
        op_id,
        sticky,
        {"fields": changed},
        **{k: style[k] for k in changed},
    )
    return _changed(event, sticky, drawn)


# PostgreSQL advisory locks of this app: (this class, a map's id).
MOVES_LOCK = 7301


def _one_mover_at_a_time(journey_map: JourneyMap) -> None:
    """Until commit, no other move (or restore) of this map: they renumber whole cells."""
    if connection.vendor == "postgresql":  # SQLite has one writer at a time anyway
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [MOVES_LOCK, journey_map.pk])


def _pk(row: Any) -> int:
    return row if isinstance(row, int) else row.pk


@functools.cache
def _move_statements(vendor: str) -> tuple[str, str]:
    """The move's two reads, built once per process: (the movers' lock with the target cell's
    stage and lane; the note and every note of both its cells, locked)."""
    quote = connection.ops.quote_name
    notes, stages, lanes = (quote(model._meta.db_table) for model in (Sticky, Stage, Lane))
    postgresql = vendor == "postgresql"
    lock = "pg_advisory_xact_lock(%s, %s)" if postgresql else "%s + %s"
    cell = (
        f"SELECT {lock}, {', '.join(rows.columns(Stage, 's'))}, {', '.join(rows.columns(Lane, 'l'))} "
        f"FROM (SELECT 1 AS one) o "
        f"LEFT JOIN {stages} s ON s.id = %s AND s.journey_map_id = %s "
        f"LEFT JOIN {lanes} l ON l.id = %s AND l.journey_map_id = %s"
    )
    locked = (
        f"SELECT {', '.join(rows.columns(Sticky, 'n'))}, {_extras('n')} FROM {notes} n "
        "WHERE n.journey_map_id = %s AND (n.id = %s OR (n.deleted_at IS NULL AND ("
        "(n.stage_id = %s AND n.lane_id = %s) "
        f"OR (n.stage_id, n.lane_id) = (SELECT stage_id, lane_id FROM {notes} WHERE id = %s)))) "
        "ORDER BY n.id" + (" FOR UPDATE OF n" if postgresql else "")
    )
    return cell, locked


@functools.cache
def _fields(model: type[Any], *names: str) -> tuple[int, ...]:
    """Where these fields are in a row of `rows.columns(model)` (worked out once per process)."""
    attnames = [f.attname for f in model._meta.concrete_fields]
    return tuple(attnames.index(name) for name in names)


def _not_here(field_name: str) -> MapRefused:
    """A note, stage or lane that is not on this map (or is someone else's hidden note)."""
    return MapRefused(
        ModelChoiceField.default_error_messages["invalid_choice"], code="invalid", field=field_name
    )


@transaction.atomic
def sticky_move(
    *,
    journey_map: JourneyMap,
    author: AbstractBaseUser,
    sticky: Sticky | int,
    stage: Stage | int,
    lane: Lane | int,
    position: int,
    op_id: str | None = None,
) -> Change:
    """Put a note at `position` (0 = first) in a cell, its own or another.

    Four statements with the sender's place (issue 4's target). First, moves of one map queue
    for each other (`MOVES_LOCK`): a move renumbers whole cells, and two moves locking
    them in different orders would deadlock; the same statement checks the target cell. Then
    the note and the notes of both its cells are locked in id order, read after the lock, so
    what they say is current. Last, every changed row is written and the event logged, in one
    statement. Edits lock one row and every write takes the map's row (the log) last, so they
    cannot close a circle with a move. The note, stage and lane may be given as ids: they are
    checked here (someone else's note hidden by private writing is not there for `author`).
    """
    note_id, stage_id, lane_id = _pk(sticky), _pk(stage), _pk(lane)
    cell_sql, locked_sql = _move_statements(connection.vendor)
    stage_width = len(Stage._meta.concrete_fields)
    with connection.cursor() as cursor:
        cursor.execute(
            cell_sql, [MOVES_LOCK, journey_map.pk, stage_id, journey_map.pk, lane_id, journey_map.pk]
        )
        _lock, *cell = cursor.fetchone()
        if cell[0] is None:
            raise _not_here("stage")
        if cell[stage_width] is None:
            raise _not_here("lane")
        stage, lane = rows.instance(Stage, cell[:stage_width]), rows.instance(Lane, cell[stage_width:])
        cursor.execute(locked_sql, [journey_map.pk, note_id, stage_id, lane_id, note_id])
        locked = cursor.fetchall()
    at_id, at_stage, at_lane, at_position, at_hidden, at_author, at_deleted = _fields(
        Sticky, "id", "stage_id", "lane_id", "position", "hidden", "author_id", "deleted_at"
    )
    row = next((row for row in locked if row[at_id] == note_id), None)
    if row is None or (row[at_hidden] and row[at_author] != author.pk):
        raise _not_here("sticky")
    if row[at_deleted] is not None:
        raise MapRefused(_("Someone deleted this note."), code="gone")
    source, target_cell = (row[at_stage], row[at_lane]), (stage_id, lane_id)
    target, left = [], []  # the others, in the order they show: (position, id)
    for other in sorted(locked, key=lambda other: (other[at_position], other[at_id])):
        if other is not row:
            (target if (other[at_stage], other[at_lane]) == target_cell else left).append(other)
    at = max(0, min(position, len(target)))
    in_target = [other[at_id] for other in target]
    in_target.insert(at, note_id)
    positions = {pk: n for n, pk in enumerate(in_target)}
    positions |= {other[at_id]: n for n, other in enumerate(left)}
    old = {other[at_id]: other[at_position] for other in locked}
    changed = [pk for pk, n in positions.items() if pk == note_id or old[pk] != n]
    sticky, drawn = _with_extras(row)
    sticky.stage, sticky.lane, sticky.position = stage, lane, positions[note_id]
    sticky.updated_at = timezone.now()
    drawn.stage_id, drawn.lane_id, drawn.position = stage_id, lane_id, sticky.position
    drawn.updated_at = sticky.updated_at
    table = connection.ops.quote_name(Sticky._meta.db_table)
    when = " ".join("WHEN %s THEN %s" for _pk in changed)
    write = (
        f"UPDATE {table} SET stage_id = CASE WHEN id = %s THEN %s ELSE stage_id END, "
        "lane_id = CASE WHEN id = %s THEN %s ELSE lane_id END, "
        "updated_at = CASE WHEN id = %s THEN %s ELSE updated_at END, "
        f"position = CASE id {when} END WHERE id IN ({', '.join(['%s'] * len(changed))}) RETURNING id"
    )
    updated_at = Sticky._meta.get_field("updated_at").get_db_prep_save(sticky.updated_at, connection)
    params = [note_id, stage_id, note_id, lane_id, note_id, updated_at]
    params += [value for pk in changed for value in (pk, positions[pk])] + changed
    payload = {
        "sticky": note_id,
        "stage": stage_id,
        "lane": lane_id,
        "position": position,
        "from": list(source),
    }
    event, _written = events.append_after(
        write,
        params,
        journey_map_id=journey_map.pk,
        author=author,
        kind="sticky.move",
        op_id=op_id,
        payload=payload,
    )
    swap = None
    # Into a lane the room does not show, the note must leave every page: its cells say so.
    if lane.visible and not any(other[at_hidden] for other in target):
        swap = NoteSwap("move", drawn, before=in_target[at + 1] if at + 1 < len(in_target) else None)
    return Change(event, cells={source, target_cell}, sticky=sticky, swap=swap)


def sticky_delete(
    *, journey_map: JourneyMap, author: AbstractBaseUser, sticky: Sticky, op_id: str | None = None
) -> Change:
    """The note leaves the board (it is kept, for undo: `sticky_restore`) and its links go,
    in the statement that logs it. Everyone who saw it has it taken off their page."""
    now = timezone.now()
    table = connection.ops.quote_name(Sticky._meta.db_table)
    at = Sticky._meta.get_field("deleted_at").get_db_prep_save(now, connection)
    write = (
        f"UPDATE {table} SET deleted_at = %s, updated_at = %s WHERE id = %s AND deleted_at IS NULL "
        f"RETURNING {', '.join(rows.columns(Sticky))}"
    )
    through = connection.ops.quote_name(Sticky.links.through._meta.db_table)
    links = f"DELETE FROM {through} WHERE from_sticky_id = %s"
    event, returned = events.append_after(
        write,
        [at, at, sticky.pk],
        journey_map_id=journey_map.pk,
        author=author,
        kind="sticky.delete",
        op_id=op_id,
        payload={"sticky": sticky.pk},
        also=[(links, [sticky.pk])],
    )
    if event is None:
        raise MapRefused(_("Someone deleted this note."), code="gone")
    sticky = rows.instance(Sticky, returned[0])
    swap = None if sticky.hidden else NoteSwap("remove", sticky)
    return Change(event, cells={(sticky.stage_id, sticky.lane_id)}, sticky=sticky, swap=swap)


@transaction.atomic
def sticky_restore(
    *, journey_map: JourneyMap, author: AbstractBaseUser, sticky: Sticky, op_id: str | None = None
) -> Change:
    """Undo a delete: the note comes back where it was."""
    _one_mover_at_a_time(journey_map)
    sticky = Sticky.objects.select_for_update().get(pk=sticky.pk)
    if sticky.deleted_at is None:
        raise MapRefused(_("This note is not deleted."), code="noop")
    if not Stage.objects.filter(pk=sticky.stage_id).exists():
        raise MapRefused(_("Its stage is gone, so the note cannot come back."), code="gone")
    sticky.deleted_at = None
    sticky.save(update_fields=["deleted_at", "updated_at"])
    cell = _cell_notes(journey_map, sticky.stage_id, sticky.lane_id, exclude=sticky.pk)
    cell.insert(min(sticky.position, len(cell)), sticky)
    _renumber(cell)
    event = _log(journey_map, author, "sticky.restore", op_id, {"sticky": sticky.pk})
    return Change(event, cells={(sticky.stage_id, sticky.lane_id)}, sticky=sticky)


@transaction.atomic
def sticky_link(
    *,
    journey_map: JourneyMap,
    author: AbstractBaseUser,
    sticky: Sticky,
    to: Sticky,
    linked: bool,
    op_id: str | None = None,
) -> Change:
    """Link a note to another (a pain to the action where it happens, backstage to frontstage)."""
    sticky = _alive(sticky)
    to = _alive(to)
    if sticky.pk == to.pk:
        raise MapRefused(_("A note cannot be linked to itself."), code="invalid")
    if linked:
        sticky.links.add(to)
    else:
        sticky.links.remove(to)
    event = _log(
        journey_map, author, "sticky.link", op_id, {"sticky": sticky.pk, "to": to.pk, "linked": linked}
    )
    return Change(event, cells={(sticky.stage_id, sticky.lane_id)}, sticky=sticky)


@transaction.atomic
def stickies_reveal(*, journey_map: JourneyMap, author: AbstractBaseUser, op_id: str | None = None) -> Change:
    """End private writing: every hidden note becomes visible to everyone at once."""
    count = Sticky.objects.filter(journey_map=journey_map, hidden=True).update(hidden=False)
    event = _log(journey_map, author, "sticky.reveal", op_id, {"count": count})
    return Change(event, board=True)


# -- stages and lanes --------------------------------------------------------------------


@transaction.atomic
def stage_create(
    *,
    journey_map: JourneyMap,
    author: AbstractBaseUser,
    name: str,
    position: int | None = None,
    op_id: str | None = None,
) -> Change:
    stages = list(journey_map.stages.all())
    if len(stages) >= MAX_STAGES:
        raise MapRefused(_("A map has at most %(max)d stages.") % {"max": MAX_STAGES}, code="invalid")
    stage = Stage(journey_map=journey_map, name=name, position=0)
    stage.save()
    at = len(stages) if position is None else max(0, min(position, len(stages)))
    stages.insert(at, stage)
    _restage(stages)
    event = _log(journey_map, author, "stage.create", op_id, {"stage": stage.pk, "name": name})
    return Change(event, board=True)


def _restage(stages: list[Stage]) -> None:
    for position, stage in enumerate(stages):
        stage.position = position
    Stage.objects.bulk_update(stages, ["position"])


@transaction.atomic
def stage_rename(
    *, journey_map: JourneyMap, author: AbstractBaseUser, stage: Stage, name: str, op_id: str | None = None
) -> Change:
    stage.name = name
    stage.save(update_fields=["name"])
    event = _log(journey_map, author, "stage.rename", op_id, {"stage": stage.pk, "name": name})
    return Change(event, board=True)


@transaction.atomic
def stage_move(
    *,
    journey_map: JourneyMap,
    author: AbstractBaseUser,
    stage: Stage,
    position: int,
    op_id: str | None = None,
) -> Change:
    stages = [s for s in journey_map.stages.all() if s.pk != stage.pk]
    stages.insert(max(0, min(position, len(stages))), stage)
    _restage(stages)
    event = _log(journey_map, author, "stage.move", op_id, {"stage": stage.pk, "position": position})
    return Change(event, board=True)


@transaction.atomic
def stage_delete(
    *,
    journey_map: JourneyMap,
    author: AbstractBaseUser,
    stage: Stage,
    confirm: bool = False,
    op_id: str | None = None,
) -> Change:
    """Remove a stage. One that holds notes is removed only with `confirm` (the client asks first)."""
    held = Sticky.objects.filter(stage=stage, deleted_at=None).count()
    if held and not confirm:
        raise MapRefused(
            _("This stage holds %(count)d notes. Remove it and its notes?") % {"count": held}, code="confirm"
        )
    if journey_map.stages.count() <= 1:
        raise MapRefused(_("A map needs at least one stage."), code="invalid")
    stage.delete()
    _restage(list(journey_map.stages.all()))
    event = _log(journey_map, author, "stage.delete", op_id, {"stage": stage.pk, "notes": held})
    return Change(event, board=True)


@transaction.atomic
def lane_set_visible(
    *, journey_map: JourneyMap, author: AbstractBaseUser, lane: Lane, visible: bool, op_id: str | None = None
) -> Change:
    lane.visible = visible
    lane.save(update_fields=["visible"])
    event = _log(journey_map, author, "lane.visible", op_id, {"lane": lane.key, "visible": visible})
    return Change(event, board=True)


# -- scope and backstory -----------------------------------------------------------------


@transaction.atomic
def backstory_edit(
    *, journey_map: JourneyMap, author: AbstractBaseUser, part: str, text: str, op_id: str | None = None
) -> Change:
    if part not in BACKSTORY_FIELDS:
        raise MapRefused(_("Unknown part of the backstory."), code="invalid")
    JourneyMap.objects.filter(pk=journey_map.pk).update(**{part: text})
    setattr(journey_map, part, text)
    event = _log(journey_map, author, "backstory.edit", op_id, {"part": part})
    return Change(event, backstory=True)


@transaction.atomic
def scope_update(
    *, journey_map: JourneyMap, author: AbstractBaseUser, data: dict[str, Any], op_id: str | None = None
) -> Change:
    """The facilitator's preparation form: persona, scope and backstory in one save."""
    for key, value in data.items():
        setattr(journey_map, key, value)
    journey_map.save(update_fields=list(data))
    event = _log(journey_map, author, "scope.update", op_id, {"fields": sorted(data)})
    return Change(event, board=True, backstory=True)


# -- the emotion line --------------------------------------------------------------------


@transaction.atomic
def emotion_rate(
    *,
    journey_map: JourneyMap,
    author: AbstractBaseUser,
    stage: Stage,
    value: int,
    hidden: bool = False,
    op_id: str | None = None,
) -> Change:
    """Say how the persona feels at a stage; rating again replaces one's own rating."""
    EmotionRating.objects.update_or_create(
        stage=stage, author=author, defaults={"journey_map": journey_map, "value": value, "hidden": hidden}
    )
    # The value is not logged: while ratings are private it must not leave the server.
    event = _log(journey_map, author, "emotion.rate", op_id, {"stage": stage.pk})
    return Change(event, emotion=True)


@transaction.atomic
def emotion_reveal(*, journey_map: JourneyMap, author: AbstractBaseUser, op_id: str | None = None) -> Change:
    count = EmotionRating.objects.filter(journey_map=journey_map, hidden=True).update(hidden=False)
    event = _log(journey_map, author, "emotion.reveal", op_id, {"count": count})
    return Change(event, emotion=True)


@transaction.atomic
def stage_annotate(
    *, journey_map: JourneyMap, author: AbstractBaseUser, stage: Stage, text: str, op_id: str | None = None
) -> Change:
    stage.emotion_note = text
    stage.save(update_fields=["emotion_note"])
    event = _log(journey_map, author, "stage.annotate", op_id, {"stage": stage.pk})
    return Change(event, emotion=True)


# -- dot voting --------------------------------------------------------------------------

VOTE_LANES = ("pains", "opportunities")


def open_vote(journey_map: JourneyMap) -> Vote | None:
    return Vote.objects.filter(journey_map=journey_map, closed_at=None).first()


@transaction.atomic
def vote_start(
    *,
    journey_map: JourneyMap,
    author: AbstractBaseUser,
    lane: Lane,
    budget: int = 3,
    stacking: bool = False,
    minutes: int | None = None,
    op_id: str | None = None,
) -> Change:
    if lane.key not in VOTE_LANES:
        raise MapRefused(_("Votes are on pain points or opportunities."), code="invalid")
    if open_vote(journey_map) is not None:
        raise MapRefused(_("A vote is already open: close it first."), code="invalid")
    ends_at = timezone.now() + timedelta(minutes=minutes) if minutes else None
    vote = Vote.objects.create(
        journey_map=journey_map, lane=lane, budget=budget, stacking=stacking, ends_at=ends_at
    )
    event = _log(
        journey_map, author, "vote.start", op_id, {"vote": vote.pk, "lane": lane.key, "budget": budget}
    )
    return Change(event, vote=True)


@transaction.atomic
def vote_cast(
    *, journey_map: JourneyMap, author: AbstractBaseUser, sticky: Sticky, add: bool, op_id: str | None = None
) -> Change:
    """Put a dot on a note, or take one back. The rules hold whatever a client sends."""
    vote = Vote.objects.select_for_update().filter(journey_map=journey_map, closed_at=None).first()
    if vote is None or not vote.accepts_dots(timezone.now()):
        raise MapRefused(_("Voting is closed."), code="closed")
    if sticky.lane_id != vote.lane_id or sticky.deleted_at is not None:
        raise MapRefused(_("This vote is on another lane's notes."), code="invalid")
    mine = VoteDot.objects.filter(vote=vote, voter=author)
    if add:
        used = mine.count()
        if used >= vote.budget:
            raise MapRefused(
                _("You have used all %(budget)d of your dots.") % {"budget": vote.budget}, code="budget"
            )
        if not vote.stacking and mine.filter(sticky=sticky).exists():
            raise MapRefused(_("In this vote a note takes one dot from each person."), code="once")
        VoteDot.objects.create(vote=vote, voter=author, sticky=sticky)
    else:
        dot = mine.filter(sticky=sticky).first()
        if dot is None:
            raise MapRefused(_("You have no dot on this note."), code="noop")
        dot.delete()
    # Which note got a dot is not logged: while the vote is open, it must not leave the server.
    event = _log(journey_map, author, "vote.cast", op_id, {"vote": vote.pk})
    return Change(event, vote=True)


@transaction.atomic
def vote_close(*, journey_map: JourneyMap, author: AbstractBaseUser, op_id: str | None = None) -> Change:
    vote = Vote.objects.select_for_update().filter(journey_map=journey_map, closed_at=None).first()
    if vote is None:
        raise MapRefused(_("There is no open vote."), code="noop")
    vote.closed_at = timezone.now()
    vote.save(update_fields=["closed_at"])
    event = _log(journey_map, author, "vote.close", op_id, {"vote": vote.pk})
    return Change(event, vote=True)


# -- the big picture: figures per stage and answers to the four questions ----------------


@transaction.atomic
def metric_add(
    *,
    journey_map: JourneyMap,
    author: AbstractBaseUser,
    stage: Stage,
    op_id: str | None = None,
    **fields: Any,
) -> Change:
    metric = StageMetric.objects.create(stage=stage, **fields)
    event = _log(journey_map, author, "metric.add", op_id, {"stage": stage.pk, "metric": metric.pk})
    return Change(event, board=True)


@transaction.atomic
def metric_remove(
    *, journey_map: JourneyMap, author: AbstractBaseUser, metric: StageMetric, op_id: str | None = None
) -> Change:
    metric_id = metric.pk
    metric.delete()
    event = _log(journey_map, author, "metric.remove", op_id, {"metric": metric_id})
    return Change(event, board=True)


@transaction.atomic
def insight_add(
    *, journey_map: JourneyMap, author: AbstractBaseUser, question: str, text: str, op_id: str | None = None
) -> Change:
    insight = Insight.objects.create(journey_map=journey_map, question=question, text=text, author=author)
    event = _log(journey_map, author, "insight.add", op_id, {"insight": insight.pk, "question": question})
    return Change(event, insights=True)


@transaction.atomic
def insight_remove(
    *, journey_map: JourneyMap, author: AbstractBaseUser, insight: Insight, op_id: str | None = None
) -> Change:
    insight_id = insight.pk
    insight.delete()
    event = _log(journey_map, author, "insight.remove", op_id, {"insight": insight_id})
    return Change(event, insights=True)


# -- sharing -----------------------------------------------------------------------------
# Share links control who may read, they change nothing on the map: they are not in the map's
# event log (docs/sharing.md). Each row keeps who made it and when it was revoked.


@transaction.atomic
def share_link_create(
    *,
    journey_map: JourneyMap,
    created_by: AbstractBaseUser,
    label: str = "",
    expires_at: datetime | None = None,
) -> ShareLink:
    if expires_at is not None and expires_at <= timezone.now():
        raise MapRefused(_("The expiry must be in the future."), code="invalid")
    return ShareLink.objects.create(
        journey_map=journey_map, created_by=created_by, label=label, expires_at=expires_at
    )


@transaction.atomic
def share_link_revoke(*, share_link: ShareLink) -> ShareLink:
    """The link stops working at once; revoking twice keeps the first time."""
    share_link = ShareLink.objects.select_for_update().get(pk=share_link.pk)
    if share_link.revoked_at is None:
        share_link.revoked_at = timezone.now()
        share_link.save(update_fields=["revoked_at"])
    return share_link


# -- the map's life after the workshop: import, copy, review, archive ----------------------


def _nameholder(name: str) -> AbstractBaseUser:
    """An account that only carries a name from an imported file: no password, never logs in."""
    user_model = get_user_model()
    user = user_model(username=f"imported-{secrets.token_hex(8)}", first_name=name)
    user.set_unusable_password()
    user.save()
    return user


def _persona_for(owner: AbstractBaseUser, fields: dict[str, str] | None) -> Persona | None:
    """The owner's persona with exactly these fields, or a new one in their library."""
    if fields is None:
        return None
    return Persona.objects.filter(owner=owner, **fields).order_by("pk").first() or Persona.objects.create(
        owner=owner, **fields
    )


@transaction.atomic
def map_import(
    *,
    owner: AbstractBaseUser,
    data: dict[str, Any],
    title: str | None = None,
    authors: dict[str, AbstractBaseUser] | None = None,
    copied_from: JourneyMap | None = None,
) -> JourneyMap:
    """A new map from an export (maps/exports.py); nothing is written unless the whole file is valid.

    Raises exports.InvalidExport. Names of authors become accounts that carry only the name,
    unless `authors` maps a name to a user (a copy keeps its authors). Revealed ratings and dots
    are recorded under anonymous accounts, one per rater, as the file says how many, not who.
    """
    doc = exports.validate(data)
    journey_map = JourneyMap.objects.create(
        owner=owner,
        title=title or doc["title"],
        kind=doc["kind"],
        persona=_persona_for(owner, doc["persona"]),
        copied_from=copied_from,
        **doc["scope"],
        **doc["backstory"],
    )
    stages = Stage.objects.bulk_create(
        Stage(journey_map=journey_map, name=s["name"], emotion_note=s["emotion_note"], position=i)
        for i, s in enumerate(doc["stages"])
    )
    stage_by_ref = {s["ref"]: stage for s, stage in zip(doc["stages"], stages, strict=True)}
    lanes_in_order = sorted(enumerate(doc["lanes"]), key=lambda item: (item[1]["position"], item[0]))
    lanes = Lane.objects.bulk_create(
        Lane(
            journey_map=journey_map,
            key=lane["key"],
            name=lane["name"],
            zone=lane["zone"],
            visible=lane["visible"],
            position=position,
        )
        for position, (_i, lane) in enumerate(lanes_in_order)
    )
    lane_by_key = {lane.key: lane for lane in lanes}
    StageMetric.objects.bulk_create(
        StageMetric(stage=stage_by_ref[s["ref"]], **metric) for s in doc["stages"] for metric in s["metrics"]
    )

    people = dict(authors or {})

    def person(name: str | None) -> AbstractBaseUser | None:
        if name is None:
            return None
        if name not in people:
            people[name] = _nameholder(name)
        return people[name]

    notes = _import_notes(journey_map, doc, stage_by_ref, lane_by_key, person)
    raters = [_nameholder("") for _i in range(max((len(s["ratings"]) for s in doc["stages"]), default=0))]
    EmotionRating.objects.bulk_create(
        EmotionRating(journey_map=journey_map, stage=stage_by_ref[s["ref"]], author=rater, value=value)
        for s in doc["stages"]
        for rater, value in zip(raters, s["ratings"], strict=False)
    )
    now = timezone.now()
    voter = _nameholder("") if any(vote["dots"] for vote in doc["votes"]) else None
    for vote_doc in doc["votes"]:
        vote = Vote.objects.create(
            journey_map=journey_map,
            lane=lane_by_key[vote_doc["lane"]],
            budget=vote_doc["budget"],
            stacking=vote_doc["stacking"],
            closed_at=now,
        )
        VoteDot.objects.bulk_create(
            VoteDot(vote=vote, voter=voter, sticky=notes[dot["note"]])
            for dot in vote_doc["dots"]
            for _count in range(dot["count"])
        )
    Insight.objects.bulk_create(
        Insight(journey_map=journey_map, question=i["question"], text=i["text"], author=person(i["author"]))
        for i in doc["insights"]
    )
    kind = "map.copy" if copied_from is not None else "map.import"
    event = _log(
        journey_map, owner, kind, None, {"notes": len(notes), "from": getattr(copied_from, "pk", None)}
    )
    journey_map.seq = event.seq
    return journey_map


def _import_notes(
    journey_map: JourneyMap,
    doc: dict[str, Any],
    stage_by_ref: dict[str, Stage],
    lane_by_key: dict[str, Lane],
    person: Any,
) -> dict[str, Sticky]:
    cells: dict[tuple[str, str], list[tuple[int, int, dict[str, Any]]]] = {}
    for index, note in enumerate(doc["notes"]):
        cells.setdefault((note["stage"], note["lane"]), []).append((note["position"], index, note))
    new: list[tuple[str, Sticky]] = []
    for (stage_ref, key), entries in cells.items():
        for position, (_p, _i, note) in enumerate(sorted(entries, key=lambda e: (e[0], e[1]))):
            sticky = Sticky(
                journey_map=journey_map,
                stage=stage_by_ref[stage_ref],
                lane=lane_by_key[key],
                position=position,
                text=note["text"],
                colour=note["colour"],
                author=person(note["author"]),
                evidence=note["evidence"],
                channel=note["channel"],
                severity=note["severity"],
                reach_count=note["reach_count"],
                reach_share=None if note["reach_share"] is None else Decimal(note["reach_share"]),
                reach_source=note["reach_source"],
                owner=note["owner"],
                status=note["status"],
                **{attr: mark in note["marks"] for mark, attr in exports.MARKS.items()},
            )
            new.append((note["ref"], sticky))
    Sticky.objects.bulk_create([sticky for _ref, sticky in new])
    by_ref = dict(new)
    Link = Sticky.links.through
    Link.objects.bulk_create(
        Link(from_sticky_id=by_ref[note["ref"]].pk, to_sticky_id=by_ref[link].pk)
        for note in doc["notes"]
        for link in note["links"]
    )
    return by_ref


@transaction.atomic
def map_copy(
    *, journey_map: JourneyMap, owner: AbstractBaseUser, kind: str, title: str | None = None
) -> JourneyMap:
    """A new map from this one, for `kind` (e.g. the future state of a current-state map).

    Goes through the export and the import, so a copy holds exactly what an export would carry,
    laid out for the new kind (exports.for_kind). The notes keep their authors.
    """
    doc = exports.for_kind(exports.export_data(journey_map), kind)
    authors = {}
    for sticky in Sticky.objects.filter(journey_map=journey_map).select_related("author").order_by("pk"):
        name = exports.author_name(sticky.author)
        if name is not None:
            authors.setdefault(name, sticky.author)
    return map_import(owner=owner, data=doc, title=title, authors=authors, copied_from=journey_map)


@transaction.atomic
def map_mark_reviewed(*, journey_map: JourneyMap, now: datetime | None = None) -> JourneyMap:
    journey_map.last_reviewed_at = now or timezone.now()
    journey_map.save(update_fields=["last_reviewed_at"])
    return journey_map


@transaction.atomic
def map_archive(*, journey_map: JourneyMap, archived: bool, now: datetime | None = None) -> JourneyMap:
    """Archive a map (it leaves the main list) or bring it back."""
    journey_map.archived_at = (now or timezone.now()) if archived else None
    journey_map.save(update_fields=["archived_at"])
    return journey_map
