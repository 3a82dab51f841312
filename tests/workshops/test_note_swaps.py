"""One note's change is drawn alone (maps.services.NoteSwap), and draws exactly what the board does.

The live path sends a created, edited, restyled or moved note by itself instead of redrawing
its cells (docs/protocol.md, "One note"). These tests hold the two drawings together: the
note in the swap must be the note as the board draws it, and the swap must fall back to whole
cells whenever viewers see different things (private writing).
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import translation

from maps import services
from maps.models import Sticky
from workshops import live

pytestmark = pytest.mark.django_db

LI = re.compile(r'<li id="sticky-(\d+)".*?</li>', re.S)


@pytest.fixture
def places(workshop) -> dict[str, Any]:
    journey_map = workshop.journey_map
    stages = list(journey_map.stages.all())
    lanes = {lane.key: lane for lane in journey_map.lanes.all()}
    return {"map": journey_map, "stages": stages, "lanes": lanes}


def add(places, author, text, stage=0, lane="pains", **kw) -> services.Change:
    return services.sticky_create(
        journey_map=places["map"],
        author=author,
        stage=places["stages"][stage],
        lane=places["lanes"][lane],
        text=text,
        **kw,
    )


def note_in_board(workshop, sticky: Sticky) -> str:
    """The note as the board draws it, in its cell."""
    html = live.render(workshop_id=workshop.pk, cells=[(sticky.stage_id, sticky.lane_id)])
    return next(m[0] for m in LI.finditer(html) if int(m[1]) == sticky.pk)


def note_in_swap(workshop, change: services.Change) -> str:
    event = live.Event(workshop.pk, change.event.seq, None, swaps=(change.swap,))
    [(_group, message), *_] = live.messages(event)
    html = message["text"]
    import json

    html = json.loads(html)["html"]
    li = next(m[0] for m in LI.finditer(html) if 'hx-swap-oob="delete"' not in m[0])
    return li.replace(' hx-swap-oob="morph"', "")


def test_an_edited_note_is_drawn_as_the_board_draws_it(workshop, member, places):
    user = member.user
    action = add(places, user, "Pays by transfer", lane="actions").sticky
    pain = add(places, user, "No confirmation", severity=3, reach_share="12.5", owner="Ana").sticky
    services.sticky_link(journey_map=places["map"], author=user, sticky=pain, to=action, linked=True)
    change = services.sticky_style(
        journey_map=places["map"], author=user, sticky=pain, is_aha=True, channel="email", evidence="research"
    )
    change = services.sticky_edit(
        journey_map=places["map"], author=user, sticky=change.sticky, text="None <sent>"
    )
    assert change.swap.kind == "replace"
    with translation.override("en"):
        assert note_in_swap(workshop, change) == note_in_board(workshop, change.sticky)
    assert "None &lt;sent&gt;" in note_in_board(workshop, change.sticky)
    # The caller's note still reads its links from the database, not from the drawing.
    assert list(change.sticky.links.all()) == [action]


def test_a_new_note_goes_to_the_end_of_its_cell(workshop, member, places):
    add(places, member.user, "First")
    change = add(places, member.user, "Second")
    assert (change.swap.kind, change.sticky.position) == ("append", 1)
    assert note_in_swap(workshop, change) == note_in_board(workshop, change.sticky)


def test_a_moved_note_goes_before_the_note_that_follows_it(workshop, member, places):
    user = member.user
    first, second = add(places, user, "First").sticky, add(places, user, "Second").sticky
    mover = add(places, user, "Mover", stage=1).sticky
    change = services.sticky_move(
        journey_map=places["map"],
        author=user,
        sticky=mover,
        stage=places["stages"][0],
        lane=places["lanes"]["pains"],
        position=1,
    )
    assert (change.swap.kind, change.swap.before) == ("move", second.pk)
    assert note_in_swap(workshop, change) == note_in_board(workshop, Sticky.objects.get(pk=mover.pk))
    order = Sticky.objects.filter(stage=places["stages"][0], lane=places["lanes"]["pains"]).order_by(
        "position"
    )
    assert [n.pk for n in order] == [first.pk, mover.pk, second.pk]


def test_hidden_notes_are_never_swapped_alone(workshop, member, member2, places):
    hidden = add(places, member2.user, "Secret", hidden=True)
    assert hidden.swap is None  # drawn per viewer, as cells
    edited = services.sticky_edit(
        journey_map=places["map"], author=member2.user, sticky=hidden.sticky, text="S"
    )
    assert edited.swap is None
    # A visible note moved beside a hidden one: who sees what differs, so its cells are drawn.
    note = add(places, member.user, "Open", stage=1).sticky
    moved = services.sticky_move(
        journey_map=places["map"],
        author=member.user,
        sticky=note,
        stage=places["stages"][0],
        lane=places["lanes"]["pains"],
        position=0,
    )
    assert moved.swap is None


def test_the_room_gets_one_note_not_its_cell(workshop, member, places):
    """Drawn from what the op has: rendering the broadcast reads nothing."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    change = add(places, member.user, "Quick")
    event = live.Event(workshop.pk, change.event.seq, "op", swaps=(change.swap,))
    with CaptureQueriesContext(connection) as queries:
        sent = live.messages(event)
    assert len(queries) == 0
    import json

    for _group, message in sent:
        html = json.loads(message["text"])["html"].strip()
        # Only markup goes out: the note, in its out-of-band wrapper, and nothing of the template.
        assert html.startswith('<ol data-put hx-swap-oob="beforeend:#cell-') and html.endswith("</ol>")
        assert "{#" not in html and "{%" not in html
    assert [group for group, _message in sent] == [
        live.group_name(workshop.pk, "en"),
        live.group_name(workshop.pk, "zh-hans"),
    ]


def test_the_senders_place_reads_what_the_orm_reads(workshop, member):
    """`selectors.place` (a statement built once) gives the rows select_related gives."""
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from workshops import selectors
    from workshops.models import Participant, Workshop

    Workshop.objects.filter(pk=workshop.pk).update(
        timer_remaining=timedelta(minutes=7, seconds=3), timer_deadline=timezone.now(), private_writing=True
    )
    orm = Participant.objects.select_related("workshop__journey_map", "user").get(pk=member.pk)
    with CaptureQueriesContext(connection) as queries:
        fast = selectors.place(participant_id=member.pk)
    assert len(queries) == 1
    for a, b in [
        (orm, fast),
        (orm.workshop, fast.workshop),
        (orm.workshop.journey_map, fast.workshop.journey_map),
        (orm.user, fast.user),
    ]:
        fields = [f.attname for f in type(a)._meta.concrete_fields]
        assert [getattr(b, f) for f in fields] == [getattr(a, f) for f in fields]
    assert fast.workshop.time_left(timezone.now()) <= timedelta(0) or fast.workshop.timer_remaining
    assert selectors.place(participant_id=10**9) is None


def test_a_note_moved_into_a_hidden_lane_redraws_its_cells(workshop, member, places):
    """The room does not draw hidden lanes, so there is nowhere to put the note: the cells go."""
    places["lanes"]["touchpoints"].visible = False
    places["lanes"]["touchpoints"].save(update_fields=["visible"])
    note = add(places, member.user, "Calls").sticky
    moved = services.sticky_move(
        journey_map=places["map"],
        author=member.user,
        sticky=note,
        stage=places["stages"][0],
        lane=places["lanes"]["touchpoints"],
        position=0,
    )
    assert moved.swap is None


def test_an_op_rolled_back_as_a_deadlock_victim_runs_again(member, monkeypatch):
    """PostgreSQL rolls a deadlock victim back whole (sqlstate 40P01): ops.run runs it again."""
    from django.db import OperationalError

    from workshops import ops

    class Victim(Exception):
        sqlstate = "40P01"

    calls = []

    def once(participant_id, name, data, op_id):
        calls.append(name)
        if len(calls) == 1:
            raise OperationalError("deadlock detected") from Victim()
        return ops.Done(7, [])

    monkeypatch.setattr(ops, "_run_once", once)
    assert ops.run(participant_id=member.pk, name="sticky.edit", data={}, op_id="x") == (7, [])
    assert calls == ["sticky.edit", "sticky.edit"]

    # Anything else, or a victim every time, still fails: nothing is hidden.
    calls.clear()
    monkeypatch.setattr(ops, "RETRIES", 2)

    def always(participant_id, name, data, op_id):
        calls.append(name)
        raise OperationalError("deadlock detected") from Victim()

    monkeypatch.setattr(ops, "_run_once", always)
    with pytest.raises(OperationalError):
        ops.run(participant_id=member.pk, name="sticky.edit", data={}, op_id="x")
    assert len(calls) == 2


def test_a_note_named_in_an_op_is_found_as_the_orm_finds_it(
    workshop, member, member2, other_workshop, places
):
    """`selectors.note` (a statement built once): what OpForm.rows allows, nothing else."""
    from django.utils import timezone

    from workshops import selectors
    from workshops.op_forms import OpForm

    mine = add(places, member.user, "mine").sticky
    hidden = add(places, member2.user, "theirs, hidden", hidden=True).sticky
    gone = add(places, member.user, "gone").sticky
    Sticky.objects.filter(pk=gone.pk).update(deleted_at=timezone.now())
    foreign_map = other_workshop.journey_map
    foreign = services.sticky_create(
        journey_map=foreign_map,
        author=other_workshop.owner,
        stage=foreign_map.stages.first(),
        lane=foreign_map.lanes.first(),
        text="another map's",
    ).sticky
    for deleted in (False, True):
        form = OpForm({}, workshop=workshop, by=member)
        form.deleted_notes = deleted
        orm = set(form.rows("sticky").values_list("pk", flat=True))
        for note in (mine, hidden, gone, foreign):
            found = selectors.note(
                journey_map_id=workshop.journey_map_id, pk=note.pk, viewer_id=member.user_id, deleted=deleted
            )
            assert (found is not None) == (note.pk in orm), (note.text, deleted)
            if found is not None:
                expected = Sticky.objects.get(pk=note.pk)
                fields = [f.attname for f in Sticky._meta.concrete_fields]
                assert [getattr(found, f) for f in fields] == [getattr(expected, f) for f in fields]
    assert orm == {mine.pk, gone.pk}  # with deleted notes: all but the hidden and the foreign
    # The hidden note is there for its author.
    assert selectors.note(journey_map_id=workshop.journey_map_id, pk=hidden.pk, viewer_id=member2.user_id)


def test_a_deleted_note_is_taken_off_the_page_alone_and_its_links_go(workshop, member, places):
    user = member.user
    first, second = add(places, user, "First").sticky, add(places, user, "Second").sticky
    services.sticky_link(journey_map=places["map"], author=user, sticky=first, to=second, linked=True)
    change = services.sticky_delete(journey_map=places["map"], author=user, sticky=first)
    assert (change.swap.kind, change.event.kind, change.event.payload) == (
        "remove",
        "sticky.delete",
        {"sticky": first.pk},
    )
    event = live.Event(workshop.pk, change.event.seq, None, swaps=(change.swap,))
    for _group, message in live.messages(event):
        import json

        assert (
            json.loads(message["text"])["html"].strip()
            == f'<li id="sticky-{first.pk}" hx-swap-oob="delete"></li>'
        )
    first.refresh_from_db()
    assert first.deleted_at is not None and not first.links.exists()
    with pytest.raises(services.MapRefused) as refused:
        services.sticky_delete(journey_map=places["map"], author=user, sticky=first)
    assert refused.value.code == "gone"
    assert Sticky.objects.get(pk=second.pk).deleted_at is None
    # A note hidden by private writing: others never saw it, and their cells say how many are
    # being written, so the cells are drawn again for each viewer.
    hidden = add(places, user, "Secret", hidden=True).sticky
    assert services.sticky_delete(journey_map=places["map"], author=user, sticky=hidden).swap is None
