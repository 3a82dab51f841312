"""What each logged event redraws in the room: one table, read by the broadcast and the replay.

A region is a part of the room page with an id of its own, drawn by the template fragments
named in `FRAGMENTS` (the same ones that draw the page) and swapped in out of band. An event's
kind names the regions it changes in `REGIONS`; a note's event (`sticky.*`, but the reveal)
names none: it redraws the cells it touched, or only the note (docs/protocol.md, "One note").
Adding an op that redraws something new adds one row here.
"""

from __future__ import annotations

NOW = "now"
GUIDANCE = "guidance"
AGENDA_LIST = "agenda"
PEOPLE_LIST = "people"
JOINING_INFO = "joining"
BOARD_BAR = "boardbar"
BOARD_GRID = "board"
BACKSTORY = "backstory"
EMOTION = "emotion"
VOTE = "vote"
INSIGHTS = "insights"
WHY = "why"

# region → the fragments that draw it, in order. The emotion line is two places on the page
# (the line sits in the grid's table, its readings under the grid, out of its sideways scroll).
FRAGMENTS: dict[str, tuple[str, ...]] = {
    NOW: ("workshops/room.html#now",),
    GUIDANCE: ("workshops/room.html#guidance",),
    AGENDA_LIST: ("workshops/room.html#agenda",),
    PEOPLE_LIST: ("workshops/room.html#people",),
    JOINING_INFO: ("workshops/room.html#joining",),
    BOARD_BAR: ("workshops/room.html#boardbar",),
    BACKSTORY: ("maps/panels.html#backstory",),
    VOTE: ("maps/panels.html#vote",),
    INSIGHTS: ("maps/panels.html#insights",),
    WHY: ("maps/panels.html#why",),
    BOARD_GRID: ("maps/board.html#board",),
    EMOTION: ("maps/board.html#emotion", "maps/board.html#readings"),
}
# Regions that draw the map's personas (maps.personas): the board bar's picker, the lines.
WITH_PERSONAS = frozenset({BOARD_BAR, BOARD_GRID, EMOTION})
# Fragments whose root is a table's part (a <tfoot>, a <td>): sent inside a table of their own
# (live.in_table says why).
IN_TABLE = frozenset({"maps/board.html#emotion"})
CELL_FRAGMENT = "maps/board.html#cell"
NOTE_FRAGMENT = "maps/board.html#swap"

# Every region, as a fresh snapshot draws them (the board's grid holds the emotion line).
ALL: tuple[str, ...] = (
    INSIGHTS,
    WHY,
    VOTE,
    NOW,
    GUIDANCE,
    AGENDA_LIST,
    PEOPLE_LIST,
    JOINING_INFO,
    BOARD_BAR,
    BOARD_GRID,
    BACKSTORY,
)

_TIMER = (NOW,)
_STEP = (NOW, GUIDANCE, AGENDA_LIST, PEOPLE_LIST)
_BOARD = (BOARD_BAR, BOARD_GRID)

# kind → the regions it redraws.
REGIONS: dict[str, tuple[str, ...]] = {
    # the room (workshops.services)
    "timer.start": _TIMER,
    "timer.pause": _TIMER,
    "timer.add": _TIMER,
    "timer.reset": _TIMER,
    "step.go": _STEP,
    "agenda.update": (NOW, GUIDANCE, AGENDA_LIST),
    "step.done": (PEOPLE_LIST,),
    "participant.join": (PEOPLE_LIST,),
    "participant.rename": (PEOPLE_LIST,),
    "participant.role": (PEOPLE_LIST,),
    "participant.remove": (PEOPLE_LIST, JOINING_INFO),
    "participant.readmit": (JOINING_INFO,),
    "presence.online": (PEOPLE_LIST,),
    "presence.offline": (PEOPLE_LIST,),
    "joining.set": (JOINING_INFO,),
    "joining.rotate": (JOINING_INFO,),
    "joining.guard": (JOINING_INFO,),
    "board.lock": (BOARD_BAR,),
    "spotlight.set": (BOARD_BAR,),  # the bar says what is in the spotlight; the page goes there
    "writing.private": (BOARD_BAR,),
    "emotion.private": (BOARD_BAR,),
    # the map (maps.services)
    "sticky.create": (),
    "sticky.edit": (),
    "sticky.style": (),
    "sticky.settle": (),
    "sticky.move": (),
    "sticky.link": (),
    "sticky.delete": (),
    "sticky.restore": (),
    "sticky.fold": (),  # its cells: the folded notes leave theirs, the note they join says so
    "sticky.unfold": (),
    "similar.dismiss": (),  # the facilitator's own suggestions only
    "sticky.reveal": _BOARD,
    "stage.create": _BOARD,
    "stage.rename": _BOARD,
    "stage.move": _BOARD,
    "stage.delete": _BOARD,
    "lane.visible": _BOARD,
    "metric.add": _BOARD,
    "metric.remove": _BOARD,
    "scope.update": _BOARD + (BACKSTORY,),
    "backstory.edit": (BACKSTORY,),
    "emotion.rate": (EMOTION,),
    "emotion.reveal": (BOARD_BAR, EMOTION),  # the bar's "ratings are private" switch goes too
    "stage.annotate": (EMOTION,),
    "why.start": (WHY,),
    "why.end": (WHY,),
    "emotion.why": (WHY,),
    "insight.add": (INSIGHTS,),
    "insight.remove": (INSIGHTS,),
    "vote.start": (VOTE,),
    "vote.cast": (VOTE,),
    "vote.close": (VOTE,),
    # outside a session: nothing on a room's page to redraw
    "map.copy": (),
    "map.import": (),
}


def regions_of(kind: str) -> tuple[str, ...]:
    """The regions an event of `kind` redraws (KeyError for a kind nobody listed: a test walks
    every kind the services log)."""
    return REGIONS[kind]


def regions_of_all(kinds: list[str]) -> list[str]:
    """The regions a run of events redraws, each once, in the order they first appear."""
    out: list[str] = []
    for kind in kinds:
        out += [region for region in REGIONS.get(kind, ()) if region not in out]
    if BOARD_GRID in out and EMOTION in out:  # the grid draws the line
        out.remove(EMOTION)
    return out
