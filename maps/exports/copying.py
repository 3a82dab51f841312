"""A copy of a map (e.g. its future state) starts as its export, re-laid for the new kind.

`maps.services.map_copy` exports the map, passes the document through `for_kind` and imports
the result, so a copy holds exactly what an export carries (docs/export-format.md, "Copies").
"""

from __future__ import annotations

from typing import Any

from maps import layout


def for_kind(doc: dict[str, Any], kind: str) -> dict[str, Any]:
    """The map's journey re-laid for another kind: the start of a copy (e.g. a future state).

    Keeps the personas, scope, backstory, stages and the notes in the lanes the new kind has;
    leaves out what the team judged about the old journey (ratings and the reasons given for
    them, figures, the emotion notes, votes and the big-picture answers), which the new map's
    workshop works out afresh.
    """
    old_lanes = {lane["key"]: lane for lane in doc["lanes"]}
    lanes = []
    for position, spec in enumerate(layout.LANES[kind]):
        kept = old_lanes.get(spec.key)
        lanes.append(
            {
                "key": spec.key,
                "name": kept["name"] if kept else str(spec.name),
                "zone": spec.zone,
                "visible": kept["visible"] if kept else True,
                "position": position,
            }
        )
    keys = {lane["key"] for lane in lanes}
    notes = [note for note in doc["notes"] if note["lane"] in keys]
    refs = {note["ref"] for note in notes}
    return {
        **doc,
        "kind": kind,
        "stages": [
            {**stage, "emotion_note": "", "ratings": [], "more_ratings": [], "metrics": [], "reasons": []}
            for stage in doc["stages"]
        ],
        "lanes": lanes,
        "notes": [{**note, "links": [ref for ref in note["links"] if ref in refs]} for note in notes],
        "votes": [],
        "insights": [],
    }
