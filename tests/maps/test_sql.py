"""Each statement of `maps.sql` returns and does what the ORM query it names does.

On a map holding every kind of content (tests/maps/fullmap.py), the hand-written statement and
its ORM version each run from the same start (the other's changes rolled back), and what they
return and what they leave in the tables are compared.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import F, Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from maps import sql
from maps.models import (
    EmotionRating,
    Insight,
    JourneyMap,
    Lane,
    MapEvent,
    Stage,
    StageMetric,
    Sticky,
    Vote,
    VoteDot,
)
from tests.maps import fullmap

pytestmark = pytest.mark.django_db

postgresql_only = pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="a statement SQLite cannot run (INSERT inside WITH)"
)
Link = Sticky.links.through


@pytest.fixture
def journey_map(owner, member, member2) -> JourneyMap:
    return fullmap.build(owner, member.user, member2.user)


@pytest.fixture
def other_map(workshop) -> JourneyMap:
    return workshop.journey_map


def note(journey_map: JourneyMap, text: str) -> Sticky:
    return Sticky.objects.get(journey_map=journey_map, text=text)


def rows(model: type[Any], *, without: tuple[str, ...] = (), **where: Any) -> list[tuple[Any, ...]]:
    names = [f.attname for f in model._meta.concrete_fields if f.attname not in without]
    return list(model.objects.filter(**where).order_by(*names).values_list(*names))


def fields(instance: Any) -> list[Any]:
    return [getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields]


def both(hand: Callable[[], Any], orm: Callable[[], Any], read: Callable[[], Any]) -> list[tuple[Any, Any]]:
    """(what it returned, `read()` after it) for the hand statement and for the ORM, each run
    from the same start: the changes of each are rolled back before the next runs."""
    out = []
    for do in (hand, orm):
        with transaction.atomic():
            result = do()
            out.append((result, read()))
            transaction.set_rollback(True)
    return out


def test_rows_are_converted_as_the_orm_converts_them(journey_map):
    for model in (
        JourneyMap,
        Stage,
        Lane,
        Sticky,
        MapEvent,
        StageMetric,
        EmotionRating,
        Vote,
        VoteDot,
        Insight,
    ):
        table = connection.ops.quote_name(model._meta.db_table)
        found = sql.execute((f"SELECT {', '.join(sql.columns(model))} FROM {table} ORDER BY id", []))
        expected = list(model.objects.order_by("pk"))
        assert found and len(found) == len(expected), model
        assert [fields(sql.instance(model, row)) for row in found] == [fields(e) for e in expected], model
        names = [f.attname for f in model._meta.concrete_fields]
        converted = [tuple(sql.converted(model, row)) for row in found]
        assert converted == list(model.objects.order_by("pk").values_list(*names)), model
    user = get_user_model()
    table = connection.ops.quote_name(user._meta.db_table)
    found = sql.execute((f"SELECT {', '.join(sql.columns(user, 'u'))} FROM {table} u ORDER BY u.id", []))
    assert [fields(sql.instance(user, row)) for row in found] == [
        fields(u) for u in user.objects.order_by("pk")
    ]
    # A converter really ran: the decimal comes back as the model's Decimal, not as text or float.
    jam = note(journey_map, f"An hour in a traffic jam {fullmap.FORMULA}")
    notes = connection.ops.quote_name(Sticky._meta.db_table)
    [row] = sql.execute((f"SELECT {', '.join(sql.columns(Sticky))} FROM {notes} WHERE id = %s", [jam.pk]))
    assert sql.converted(Sticky, row)[sql.field_indexes(Sticky, "reach_share")[0]] == Decimal("42.50")


def test_a_number_is_taken_as_the_orm_takes_it(journey_map):
    start = JourneyMap.objects.values_list("seq", flat=True).get(pk=journey_map.pk)

    def orm():
        JourneyMap.objects.filter(pk=journey_map.pk).update(seq=F("seq") + 1)
        return JourneyMap.objects.values_list("seq", "languages").get(pk=journey_map.pk)

    hand, by_orm = both(lambda: sql.seq_take(journey_map.pk), orm, lambda: rows(JourneyMap))
    assert hand == by_orm
    assert hand[0][0] == start + 1
    assert sql.seq_take(10**9) is None


@pytest.mark.parametrize(
    ("languages", "language"),
    [("", "en"), ("en", "zh-hans"), ("en zh-hans", "zh-hans"), ("zh-hans", "zh"), ("en zh-hans", "en")],
)
def test_a_language_is_added_as_the_orm_adds_it(journey_map, languages, language):
    JourneyMap.objects.filter(pk=journey_map.pk).update(languages=languages)

    def orm():
        saved = JourneyMap.objects.get(pk=journey_map.pk)
        if language not in saved.languages.split():
            saved.languages = " ".join([*saved.languages.split(), language])
            saved.save(update_fields=["languages"])

    hand, by_orm = both(lambda: sql.language_add(journey_map.pk, language), orm, lambda: rows(JourneyMap))
    assert hand == by_orm


def new_event(journey_map: JourneyMap, author: Any, **payload: Any) -> MapEvent:
    return MapEvent(
        journey_map=journey_map,
        author=author,
        op_id="op-1",
        kind="test",
        payload=payload,
        created_at=timezone.now(),
    )


@postgresql_only
def test_an_event_is_numbered_as_the_orm_numbers_it(journey_map, owner):
    event = new_event(journey_map, owner, note=1)

    def hand():
        _pk, seq, languages = sql.event_numbered(event)
        return seq, languages

    def orm():
        JourneyMap.objects.filter(pk=journey_map.pk).update(seq=F("seq") + 1)
        seq, languages = JourneyMap.objects.values_list("seq", "languages").get(pk=journey_map.pk)
        MapEvent.objects.create(
            journey_map=journey_map, author=owner, op_id="op-1", kind="test", payload={"note": 1}, seq=seq
        )
        return seq, languages

    hand_result, orm_result = both(
        hand, orm, lambda: (rows(JourneyMap), rows(MapEvent, without=("id", "created_at")))
    )
    assert hand_result == orm_result
    missing = new_event(journey_map, owner)
    missing.journey_map_id = 10**9
    assert sql.event_numbered(missing) is None


@postgresql_only
@pytest.mark.parametrize("deleted", [False, True])
def test_a_write_is_logged_as_the_orm_logs_it(journey_map, owner, deleted):
    """`logged`: the write, the map's next number and the event, with `id_key`, `also` and
    `first`; nothing logged and no number taken when the write touches no row."""
    kit = note(journey_map, f"Starter kit at check-in {fullmap.SCRIPT}")
    if deleted:  # as `sticky_delete` leaves it: `also` must change nothing when `write` touches no row
        Sticky.objects.filter(pk=kit.pk).update(deleted_at=timezone.now())
        kit.links.clear()
    at = timezone.now()
    event = new_event(journey_map, owner, was="here")

    def hand():
        write = sql.note_update(kit.pk, {"text": "Renamed", "updated_at": at})
        statement = sql.logged(
            write,
            event,
            id_key="sticky",
            also=(sql.note_links_delete(kit.pk),),
            first=sql.cell_lock(kit.stage_id, kit.lane_id),
        )
        with connection.cursor() as cursor:
            cursor.execute(*statement)
            cursor.nextset()
            found = cursor.fetchall()
        return [(seq, languages, row[0]) for _id, seq, languages, *row in found]

    def orm():
        if not Sticky.objects.filter(pk=kit.pk, deleted_at=None).update(text="Renamed", updated_at=at):
            return []
        Link.objects.filter(from_sticky_id=kit.pk).delete()
        JourneyMap.objects.filter(pk=journey_map.pk).update(seq=F("seq") + 1)
        seq, languages = JourneyMap.objects.values_list("seq", "languages").get(pk=journey_map.pk)
        MapEvent.objects.create(
            journey_map=journey_map,
            author=owner,
            op_id="op-1",
            kind="test",
            payload={"was": "here", "sticky": kit.pk},
            seq=seq,
        )
        return [(seq, languages, kit.pk)]

    def read():
        return rows(JourneyMap), rows(MapEvent, without=("id", "created_at")), rows(Sticky), rows(Link)

    hand_result, orm_result = both(hand, orm, read)
    assert hand_result == orm_result
    assert (hand_result[0] == []) == deleted


@pytest.mark.parametrize(
    ("stage_position", "lane_key", "position"),
    [(2, "pains", 2), (0, "pains", 0), (4, "thoughts", 0)],  # after a deleted note; empty; only a deleted one
)
def test_a_note_is_inserted_as_the_orm_inserts_it(journey_map, owner, stage_position, lane_key, position):
    """At the end of its cell, after the notes left in it: a deleted note's place is not counted."""
    stage, lane = journey_map.stages.get(position=stage_position), journey_map.lanes.get(key=lane_key)
    toilets = note(journey_map, f"Toilets far from the pitch {fullmap.CJK}")  # last in (2, pains)
    Sticky.objects.filter(pk=toilets.pk).update(deleted_at=timezone.now())

    def unsaved() -> Sticky:
        return Sticky(journey_map=journey_map, stage=stage, lane=lane, text="New", author=owner)

    def hand():
        [(_pk, taken)] = sql.execute(sql.note_insert(unsaved()))
        return taken

    def orm():
        sticky = unsaved()
        left = Sticky.objects.filter(stage=stage, lane=lane, deleted_at=None)
        sticky.position = left.aggregate(n=Coalesce(Max("position") + 1, 0))["n"]
        sticky.save()
        return sticky.position

    hand_result, orm_result = both(
        hand, orm, lambda: rows(Sticky, without=("id", "created_at", "updated_at"))
    )
    assert hand_result == orm_result
    assert hand_result[0] == position


@pytest.mark.parametrize("text", [f"Starter kit at check-in {fullmap.SCRIPT}", fullmap.SECRETS[1]])
def test_a_note_is_updated_as_the_orm_updates_it(journey_map, text):
    """With its author's names and links, all its drawing reads; a deleted note is not saved."""
    sticky = note(journey_map, text)
    at = timezone.now()

    def drawn(pair: tuple[Sticky, Sticky]) -> tuple[Any, ...]:
        saved, out = pair
        return (
            fields(saved),
            out.author.first_name,
            out.author.get_username(),
            [s.pk for s in out.links.all()],
        )

    def hand():
        return [
            drawn(sql.note_with_extras(row))
            for row in sql.execute(sql.note_update(sticky.pk, {"colour": "pink", "updated_at": at}))
        ]

    def orm():
        if not Sticky.objects.filter(pk=sticky.pk, deleted_at=None).update(colour="pink", updated_at=at):
            return []
        saved = Sticky.objects.select_related("author").prefetch_related("links").get(pk=sticky.pk)
        return [
            (
                fields(saved),
                saved.author.first_name,
                saved.author.get_username(),
                sorted(s.pk for s in saved.links.all()),
            )
        ]

    hand_result, orm_result = both(hand, orm, lambda: rows(Sticky))
    assert hand_result == orm_result
    assert (hand_result[0] == []) == (text in fullmap.SECRETS)
    if hand_result[0]:
        assert len(hand_result[0][0][3]) == 2  # the starter kit is linked to two pains


@pytest.mark.parametrize("text", [f"Starter kit at check-in {fullmap.SCRIPT}", fullmap.SECRETS[1]])
def test_a_note_is_deleted_as_the_orm_deletes_it(journey_map, text):
    sticky = note(journey_map, text)
    at = timezone.now()

    def hand():
        found = sql.execute(sql.note_delete(sticky.pk, at))
        sql.execute(sql.note_links_delete(sticky.pk))
        return [fields(sql.instance(Sticky, row)) for row in found]

    def orm():
        changed = Sticky.objects.filter(pk=sticky.pk, deleted_at=None).update(deleted_at=at, updated_at=at)
        Sticky.objects.get(pk=sticky.pk).links.clear()
        return [fields(Sticky.objects.get(pk=sticky.pk))] if changed else []

    hand_result, orm_result = both(hand, orm, lambda: (rows(Sticky), rows(Link)))
    assert hand_result == orm_result
    assert (hand_result[0] == []) == (text in fullmap.SECRETS)


def test_a_moves_target_is_found_as_the_orm_finds_it(journey_map, other_map):
    stage, lane = journey_map.stages.first(), journey_map.lanes.first()
    for stage_id, lane_id in [
        (stage.pk, lane.pk),
        (other_map.stages.first().pk, lane.pk),
        (stage.pk, other_map.lanes.first().pk),
        (10**9, 10**9),
    ]:
        with transaction.atomic():
            found = sql.move_target(journey_map.pk, stage_id, lane_id)
        expected = (
            Stage.objects.filter(pk=stage_id, journey_map=journey_map).first(),
            Lane.objects.filter(pk=lane_id, journey_map=journey_map).first(),
        )
        assert [None if f is None else fields(f) for f in found] == [
            None if e is None else fields(e) for e in expected
        ]


def test_a_moves_notes_are_read_as_the_orm_reads_them(journey_map, other_map):
    """The note, deleted or not, and the notes left in its cell and the target cell."""
    pains, thoughts = journey_map.lanes.get(key="pains"), journey_map.lanes.get(key="thoughts")
    stages = list(journey_map.stages.all())
    foreign = other_map.stages.first(), other_map.lanes.first()
    jam = note(journey_map, f"An hour in a traffic jam {fullmap.FORMULA}")
    gone = note(journey_map, fullmap.SECRETS[1])
    for moved, stage, lane in [
        (jam, stages[2], pains),  # within its cell
        (jam, stages[4], thoughts),  # into a cell that holds a deleted note
        (gone, stages[2], pains),
        (jam, *foreign),
        (10**9, stages[2], pains),
    ]:
        pk = getattr(moved, "pk", moved)
        with transaction.atomic():
            found = sql.move_notes(journey_map.pk, pk, stage.pk, lane.pk)
        own = Sticky.objects.filter(pk=pk).values("stage", "lane").first()
        alive = Q(stage=stage, lane=lane)
        if own:
            alive |= Q(stage=own["stage"], lane=own["lane"])
        expected = (
            Sticky.objects.select_for_update(of=("self",))
            .select_related("author")
            .prefetch_related("links")
            .filter(Q(pk=pk) | Q(deleted_at=None) & alive, journey_map=journey_map)
            .order_by("pk")
        )
        with transaction.atomic():
            expected = list(expected)
        assert [fields(sql.note_with_extras(row)[0]) for row in found] == [fields(e) for e in expected]
        drawn = [sql.note_with_extras(row)[1] for row in found]
        assert [(d.author and d.author.first_name, [s.pk for s in d.links.all()]) for d in drawn] == [
            (e.author and e.author.first_name, [s.pk for s in e.links.all()]) for e in expected
        ]


def test_notes_are_placed_as_bulk_update_places_them(journey_map):
    pains, opportunities = journey_map.lanes.get(key="pains"), journey_map.lanes.get(key="opportunities")
    stage = journey_map.stages.get(position=2)
    jam = note(journey_map, f"An hour in a traffic jam {fullmap.FORMULA}")
    others = list(Sticky.objects.filter(stage=stage, lane=pains, deleted_at=None).exclude(pk=jam.pk))
    kit = note(journey_map, f"Starter kit at check-in {fullmap.SCRIPT}")
    at = timezone.now()
    positions = {kit.pk: 1, jam.pk: 0, **{o.pk: n for n, o in enumerate(others)}}

    def hand():
        return sorted(
            row[0] for row in sql.execute(sql.notes_place(jam.pk, stage.pk, opportunities.pk, at, positions))
        )

    def orm():
        notes = {n.pk: n for n in Sticky.objects.filter(pk__in=positions)}
        notes[jam.pk].stage_id, notes[jam.pk].lane_id, notes[jam.pk].updated_at = (
            stage.pk,
            opportunities.pk,
            at,
        )
        for pk, n in positions.items():
            notes[pk].position = n
        Sticky.objects.bulk_update([notes[jam.pk]], ["stage", "lane", "updated_at"])
        Sticky.objects.bulk_update(list(notes.values()), ["position"])
        return sorted(positions)

    hand_result, orm_result = both(hand, orm, lambda: rows(Sticky))
    assert hand_result == orm_result
    assert hand_result[1] != rows(Sticky)  # it did change something
