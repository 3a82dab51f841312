"""Folding notes that say the same thing, unfolding them, and the facilitator's suggestions:
ops on the live path (roles, bad input, votes, the log) and the room's two HTTP reads."""

from __future__ import annotations

from typing import Any

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from django.urls import reverse

from maps import services as maps_services
from maps.models import MapEvent, Sticky, VoteDot
from maps.suggestions import kept_apart
from tests.workshops.test_consumer import join, next_message, send
from workshops import ops
from workshops.models import Participant, Workshop
from workshops.services import Invalid, Refused


def lane(workshop: Workshop, key: str):
    return workshop.journey_map.lanes.get(key=key)


def write(workshop: Workshop, by: Participant, text: str, *, stage: int = 0, key: str = "pains") -> Sticky:
    stages = list(workshop.journey_map.stages.all())
    data = {"stage": stages[stage].pk, "lane": lane(workshop, key).pk, "text": text}
    ops.run(participant_id=by.pk, name="sticky.create", data=data)
    return Sticky.objects.filter(journey_map=workshop.journey_map).latest("pk")


@pytest.fixture
def wall(workshop: Workshop, facilitator, member, member2) -> list[Sticky]:
    return [
        write(workshop, member, "Shipping is way too slow"),
        write(workshop, member2, "配送太慢了"),
        write(workshop, facilitator, "Delivery took far too long", stage=1),
        write(workshop, member, "I can't find the return policy"),
    ]


@pytest.mark.django_db
def test_a_fold_keeps_every_note_under_one_and_an_unfold_puts_them_back(workshop, member, wall) -> None:
    head, chinese, later, other = wall
    ops.run(
        participant_id=member.pk,
        name="sticky.fold",
        data={"sticky": head.pk, "notes": [chinese.pk, later.pk]},
    )
    head.refresh_from_db()
    assert (head.folded_notes, head.folded_people) == (2, 3)
    folded = Sticky.objects.filter(folded_into=head)
    assert {note.text for note in folded} == {"配送太慢了", "Delivery took far too long"}
    assert all(note.deleted_at is not None for note in folded)  # off the board, kept
    on_board = Sticky.objects.filter(journey_map=workshop.journey_map, deleted_at=None)
    assert set(on_board.values_list("pk", flat=True)) == {head.pk, other.pk}
    # A fold of a fold is one fold: the folded notes come along.
    ops.run(participant_id=member.pk, name="sticky.fold", data={"sticky": other.pk, "notes": f"{head.pk}"})
    other.refresh_from_db()
    assert other.folded_notes == 3 and not Sticky.objects.filter(folded_into=head).exists()

    ops.run(participant_id=member.pk, name="sticky.unfold", data={"sticky": other.pk})
    other.refresh_from_db()
    assert (other.folded_notes, other.folded_people) == (0, 0)
    assert Sticky.objects.filter(journey_map=workshop.journey_map, deleted_at=None).count() == 4
    # Each back in its own cell, after what is there: positions in a cell stay distinct.
    for note in Sticky.objects.filter(deleted_at=None):
        same = Sticky.objects.filter(
            stage=note.stage, lane=note.lane, deleted_at=None, position=note.position
        )
        assert same.count() == 1
    kinds = list(MapEvent.objects.filter(kind__startswith="sticky.").values_list("kind", flat=True))
    assert kinds[-3:] == ["sticky.fold", "sticky.fold", "sticky.unfold"]


@pytest.mark.django_db
def test_folds_that_cannot_be_are_refused_and_change_nothing(
    workshop, facilitator, member, observer, wall
) -> None:
    head, chinese, _later, _other = wall
    action = write(workshop, member, "Phones the campsite", key="actions")
    cases = [
        (member, {"sticky": head.pk, "notes": [action.pk]}, Invalid),  # another lane
        (member, {"sticky": head.pk, "notes": [head.pk]}, Refused),  # nothing else to fold
        (member, {"sticky": head.pk, "notes": "12,abc"}, Invalid),
        (member, {"sticky": head.pk, "notes": {"a": 1}}, Invalid),
        (member, {"sticky": head.pk, "notes": list(range(1, 60))}, Invalid),  # too many
        (member, {"sticky": head.pk, "notes": [None]}, Invalid),  # an empty item names no note
        (member, {"sticky": head.pk, "notes": [chinese.pk, ""]}, Invalid),
        (observer, {"sticky": head.pk, "notes": [chinese.pk]}, Refused),
    ]
    for by, data, error in cases:
        with pytest.raises(error):
            ops.run(participant_id=by.pk, name="sticky.fold", data=data)
    assert not Sticky.objects.filter(folded_into__isnull=False).exists()
    with pytest.raises(Refused):
        ops.run(participant_id=member.pk, name="sticky.unfold", data={"sticky": head.pk})
    # A folded note cannot be brought back by "undo delete": it is unfolded from its note.
    ops.run(participant_id=member.pk, name="sticky.fold", data={"sticky": head.pk, "notes": [chinese.pk]})
    with pytest.raises((Refused, Invalid)):
        ops.run(participant_id=member.pk, name="sticky.restore", data={"sticky": chinese.pk})
    for notes in ([None], [head.pk, None], [""]):  # found by the frame fuzzer: refused, not a fault
        with pytest.raises(Invalid):
            ops.run(participant_id=facilitator.pk, name="similar.dismiss", data={"notes": notes})
    # A member may not dismiss suggestions: that is the facilitator's.
    with pytest.raises(Refused):
        ops.run(participant_id=member.pk, name="similar.dismiss", data={"notes": [head.pk, _later.pk]})


@pytest.mark.django_db
def test_an_open_vote_counts_a_folded_point_once_with_all_its_dots(
    workshop, facilitator, member, wall
) -> None:
    head, chinese, later, _other = wall
    ops.run(participant_id=facilitator.pk, name="vote.start", data={"lane": lane(workshop, "pains").pk})
    for note in (head, chinese, later):
        ops.run(participant_id=member.pk, name="vote.cast", data={"sticky": note.pk, "add": True})
    ops.run(
        participant_id=facilitator.pk,
        name="sticky.fold",
        data={"sticky": head.pk, "notes": [chinese.pk, later.pk]},
    )
    assert VoteDot.objects.filter(sticky=head).count() == 3
    panel = maps_services.open_vote(workshop.journey_map)
    assert panel is not None


@pytest.mark.django_db
def test_a_dismissed_suggestion_is_logged_and_kept_apart(workshop, facilitator, wall) -> None:
    head, chinese, *_ = wall
    ops.run(participant_id=facilitator.pk, name="similar.dismiss", data={"notes": [chinese.pk, head.pk]})
    assert kept_apart(workshop.journey_map) == [[head.pk, chinese.pk]]
    with pytest.raises(Invalid):
        ops.run(participant_id=facilitator.pk, name="similar.dismiss", data={"notes": [999999]})


def logged_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_facilitator_is_offered_the_notes_that_say_the_same(
    workshop, facilitator, member, outsider, wall
) -> None:
    head, chinese, later, other = wall
    url = reverse("similar_notes", args=[workshop.slug])
    page = logged_in(facilitator.user).get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-suggestion="{head.pk},{chinese.pk}"' in html  # within the cell, across languages
    assert str(other.pk) not in html.split("data-suggestion=")[1].split(">")[0]
    lane_wide = logged_in(facilitator.user).get(url, {"scope": "lane"}).content.decode()
    assert f'data-suggestion="{head.pk},{chinese.pk},{later.pk}"' in lane_wide
    # One cell: its lane and its stage.
    one_cell = {"lane": head.lane_id, "stage": later.stage_id}
    assert "data-suggestion=" not in logged_in(facilitator.user).get(url, one_cell).content.decode()
    one_cell["stage"] = head.stage_id
    assert (
        f'data-suggestion="{head.pk},{chinese.pk}"'
        in logged_in(facilitator.user).get(url, one_cell).content.decode()
    )
    # Dismissed: not offered together again.
    ops.run(participant_id=facilitator.pk, name="similar.dismiss", data={"notes": [head.pk, chinese.pk]})
    assert (
        f'data-suggestion="{head.pk},{chinese.pk}"'
        not in logged_in(facilitator.user).get(url).content.decode()
    )
    # Bad input is told, not a 500; members and outsiders learn nothing.
    bad = logged_in(facilitator.user).get(url, {"scope": "board", "lane": "x", "stage": "999999"})
    assert bad.status_code == 200 and 'role="alert"' in bad.content.decode()
    assert logged_in(member.user).get(url).status_code == 404
    assert logged_in(outsider).get(url).status_code == 404


@pytest.mark.django_db
def test_anyone_in_the_room_reads_what_a_folded_note_holds(
    workshop, member, observer, outsider, wall
) -> None:
    head, chinese, *_ = wall
    ops.run(participant_id=member.pk, name="sticky.fold", data={"sticky": head.pk, "notes": [chinese.pk]})
    url = reverse("folded_notes", args=[workshop.slug])
    html = logged_in(observer.user).get(url, {"note": head.pk}).content.decode()
    assert "配送太慢了" in html and "Ravi" in html
    assert "data-unfold" not in html  # an observer reads, never unfolds
    assert "data-unfold" in logged_in(member.user).get(url, {"note": head.pk}).content.decode()
    room = logged_in(member.user).get(reverse("room", args=[workshop.slug])).content.decode()
    assert "2 people wrote this" in room and "配送太慢了" not in room
    for params in ({"note": "x"}, {"note": chinese.pk}, {}):
        assert logged_in(member.user).get(url, params).status_code == 404
    assert logged_in(outsider).get(url, {"note": head.pk}).status_code == 404


@database_sync_to_async
def fold_wall(workshop, member, member2):
    return [write(workshop, member, "Shipping is way too slow"), write(workshop, member2, "配送太慢了")]


@pytest.mark.django_db(transaction=True)
async def test_everyone_sees_a_fold_at_once(workshop, facilitator, member, member2) -> None:
    head, chinese = await fold_wall(workshop, member, member2)
    fac, mem = await join(facilitator.user, workshop), await join(member.user, workshop)
    await send(fac, "sticky.fold", {"sticky": head.pk, "notes": [chinese.pk]}, op_id="f1")
    await next_message(fac, "ack", id="f1")
    for ws in (fac, mem):
        event = await next_message(ws, "event", op_id="f1")
        assert "2 people wrote this" in event["html"] and "配送太慢了" not in event["html"]
    await send(mem, "sticky.unfold", {"sticky": head.pk}, op_id="u1")
    await next_message(mem, "ack", id="u1")
    event = await next_message(fac, "event", op_id="u1")
    assert "配送太慢了" in event["html"] and "people wrote this" not in event["html"]
    await send(mem, "sticky.unfold", {"sticky": head.pk}, op_id="u2")
    error = await next_message(mem, "error", id="u2")
    assert error["code"] == "noop"
    for ws in (fac, mem):
        await ws.disconnect()


@pytest.mark.django_db
def test_the_summary_and_the_exports_show_who_wrote_a_folded_point(
    workshop, facilitator, member, wall
) -> None:
    head, chinese, later, _other = wall
    ops.run(
        participant_id=member.pk,
        name="sticky.fold",
        data={"sticky": head.pk, "notes": [chinese.pk, later.pk]},
    )
    client = logged_in(facilitator.user)
    summary = client.get(reverse("summary", args=[workshop.slug])).content.decode()
    assert "3 people wrote this" in summary and "“配送太慢了”" in summary
    ranked = summary[summary.index('id="pains-title"') : summary.index('id="plan-title"')]
    assert "3 people wrote this" in ranked  # the pain ranking says how many raised it
    markdown = client.get(reverse("map_export", args=[workshop.slug, "md"])).content.decode()
    assert (
        "Shipping is way too slow _(3 people wrote this: “配送太慢了”, “Delivery took far too long”)_"
        in markdown
    )
    table = client.get(reverse("map_export", args=[workshop.slug, "csv"])).content.decode("utf-8-sig")
    assert '"3 people wrote this: “配送太慢了”, “Delivery took far too long”"' in table
    # Each folded note is shown once, under its note, never as a note of its own.
    assert markdown.count("配送太慢了") == 1 and table.count("配送太慢了") == 1
