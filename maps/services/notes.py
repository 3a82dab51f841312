"""Sticky notes: add, edit, restyle, move, delete and restore them, link and reveal them.

The hot ones (create, edit, style, move, delete) are each one statement with their event on
PostgreSQL, built in `maps.sql` (docs/decisions.md, "A note's write is one statement").
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maps import events, sql
from maps.models import JourneyMap, Lane, MapEvent, Stage, Sticky
from maps.services.change import Change, MapRefused, NoteSwap, log, not_here

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
    "due_on",
    # on a map of several personas (maps.personas)
    "persona",
)


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

    One statement (`sql.note_update` in `events.append_after`) that also returns the note as
    it is now (it may have just moved, or changed in other fields), its author's names and its
    links: all the room needs to draw it. Returns the event, the note, and a copy of it to draw.
    """
    values["updated_at"] = timezone.now()
    event, returned = events.append_after(
        sql.note_update(sticky.pk, values),
        journey_map_id=journey_map.pk,
        author=author,
        kind=kind,
        op_id=op_id,
        payload={"sticky": sticky.pk, **payload},
    )
    if event is None:
        raise MapRefused(_("Someone deleted this note."), code="gone")
    sticky, drawn = sql.note_with_extras(returned[0])
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
    logs it (`events.append_after`), right after the cell's lock (`sql.cell_lock`), in the same
    round trip: two notes added to one cell at once take one position each."""
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
    event, [(sticky.pk, sticky.position)] = events.append_after(
        sql.note_insert(sticky),
        first=sql.cell_lock(stage.pk, lane.pk),
        journey_map_id=journey_map.pk,
        author=author,
        kind="sticky.create",
        op_id=op_id,
        payload={"stage": stage.pk, "lane": lane.pk, "hidden": hidden},
        id_key="sticky",
    )
    sql.saved(sticky)
    swap = None if hidden else NoteSwap("append", sql.drawn(sticky, []))
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


def sticky_settle(
    *,
    journey_map: JourneyMap,
    author: AbstractBaseUser,
    sticky: Sticky,
    evidence: str,
    source: str,
    note: str = "",
    op_id: str | None = None,
) -> Change:
    """An assumption checked: the evidence that settled it (a source, a short note) sets the level
    the note rests on. Logged as `sticky.settle`, so the map's history says who checked what."""
    event, sticky, drawn = _save_alive(
        journey_map,
        author,
        "sticky.settle",
        op_id,
        sticky,
        {"evidence": evidence},
        evidence=evidence,
        evidence_source=source,
        evidence_note=note,
        settled_at=timezone.now(),
    )
    return _changed(event, sticky, drawn)


def _pk(row: Any) -> int:
    return row if isinstance(row, int) else row.pk


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

    Four statements with the sender's place (docs/decisions.md, "Moves queue on an advisory
    lock"). First, moves of one map queue for each other (`sql.MOVES_LOCK`): a move renumbers
    whole cells, and two moves locking them in different orders would deadlock; then it takes
    the target cell's lock (`sql.cell_lock`, as a new note there does) and checks the target
    cell, all in one statement (`sql.move_target`). Then the note and the notes of both its
    cells are locked in id order, read after the locks, so what they say is current
    (`sql.move_notes`). Last, every changed row is written and the event logged, in one
    statement (`sql.notes_place`). Edits lock one row and every write takes the map's row (the
    log) last, so they cannot close a circle with a move. The note, stage and lane may be given
    as ids: they are checked here (someone else's note hidden by private writing is not there
    for `author`). A note leaving a cell leaves a gap a new note there may skip, never a clash.
    """
    note_id, stage_id, lane_id = _pk(sticky), _pk(stage), _pk(lane)
    stage, lane = sql.move_target(journey_map.pk, stage_id, lane_id)
    if stage is None:
        raise not_here("stage")
    if lane is None:
        raise not_here("lane")
    locked = sql.move_notes(journey_map.pk, note_id, stage_id, lane_id)
    at_id, at_stage, at_lane, at_position, at_hidden, at_author, at_deleted = sql.field_indexes(
        Sticky, "id", "stage_id", "lane_id", "position", "hidden", "author_id", "deleted_at"
    )
    row = next((row for row in locked if row[at_id] == note_id), None)
    if row is None or (row[at_hidden] and row[at_author] != author.pk):
        raise not_here("sticky")
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
    changed = {pk: n for pk, n in positions.items() if pk == note_id or old[pk] != n}
    sticky, drawn = sql.note_with_extras(row)
    sticky.stage, sticky.lane, sticky.position = stage, lane, positions[note_id]
    sticky.updated_at = timezone.now()
    drawn.stage_id, drawn.lane_id, drawn.position = stage_id, lane_id, sticky.position
    drawn.updated_at = sticky.updated_at
    payload = {
        "sticky": note_id,
        "stage": stage_id,
        "lane": lane_id,
        "position": position,
        "from": list(source),
    }
    event, _written = events.append_after(
        sql.notes_place(note_id, stage_id, lane_id, sticky.updated_at, changed),
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
    event, returned = events.append_after(
        sql.note_delete(sticky.pk, timezone.now()),
        journey_map_id=journey_map.pk,
        author=author,
        kind="sticky.delete",
        op_id=op_id,
        payload={"sticky": sticky.pk},
        also=[sql.note_links_delete(sticky.pk)],
    )
    if event is None:
        raise MapRefused(_("Someone deleted this note."), code="gone")
    sticky = sql.instance(Sticky, returned[0])
    swap = None if sticky.hidden else NoteSwap("remove", sticky)
    return Change(event, cells={(sticky.stage_id, sticky.lane_id)}, sticky=sticky, swap=swap)


@transaction.atomic
def sticky_restore(
    *, journey_map: JourneyMap, author: AbstractBaseUser, sticky: Sticky, op_id: str | None = None
) -> Change:
    """Undo a delete: the note comes back where it was. It renumbers its cell as a move does,
    so it queues behind moves (`sql.moves_lock`) and takes its cell's lock (`sql.cell_lock`)
    before it reads the cell."""
    sql.lock(sql.moves_lock(journey_map.pk))
    sticky = Sticky.objects.select_for_update().get(pk=sticky.pk)
    if sticky.deleted_at is None:
        raise MapRefused(_("This note is not deleted."), code="noop")
    if sticky.folded_into_id is not None:
        raise MapRefused(_("This note is folded into another: unfold that one."), code="invalid")
    if not Stage.objects.filter(pk=sticky.stage_id).exists():
        raise MapRefused(_("Its stage is gone, so the note cannot come back."), code="gone")
    sql.lock(sql.cell_lock(sticky.stage_id, sticky.lane_id))
    sticky.deleted_at = None
    sticky.save(update_fields=["deleted_at", "updated_at"])
    cell = _cell_notes(journey_map, sticky.stage_id, sticky.lane_id, exclude=sticky.pk)
    cell.insert(min(sticky.position, len(cell)), sticky)
    _renumber(cell)
    event = log(journey_map, author, "sticky.restore", op_id, {"sticky": sticky.pk})
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
    event = log(
        journey_map, author, "sticky.link", op_id, {"sticky": sticky.pk, "to": to.pk, "linked": linked}
    )
    return Change(event, cells={(sticky.stage_id, sticky.lane_id)}, sticky=sticky)


@transaction.atomic
def stickies_reveal(*, journey_map: JourneyMap, author: AbstractBaseUser, op_id: str | None = None) -> Change:
    """End private writing: every hidden note becomes visible to everyone at once."""
    count = Sticky.objects.filter(journey_map=journey_map, hidden=True).update(hidden=False)
    event = log(journey_map, author, "sticky.reveal", op_id, {"count": count})
    return Change(event)
