"""Several personas on one map.

The play maps one persona at a time, and most maps name one. Some journeys are shared by two or
three people (who buys and who uses, a patient and a carer), so a map may name a few more
(`JourneyMap.more_personas`, at most `MAX_MORE`) beside its main one (`JourneyMap.persona`).
Then:

- a note may concern one of them (`Sticky.persona`); a note that names none concerns every
  persona, so it shows whichever persona the board or the summary is showing;
- each persona has an emotion line of its own: a rating names whose feeling it is
  (`EmotionRating.persona`, always the persona's own id, so that making another persona the
  main one moves no rating to another line; None only on a map without a persona, and such a
  rating counts on the main persona's line once one is chosen), and the board draws one line
  per persona;
- the board's "Show the board for" picker is each person's own view (static/js/personas.js):
  it hides the notes of the other personas and their lines, and changes nobody else's board;
  the summary takes `?persona=` and reads only what concerns that persona.

A persona taken off the map leaves its notes concerning everyone (the tag goes, the note
stays); its ratings stay stored but undrawn, and come back if it is named again. A persona
deleted from the library takes its ratings with it.
"""

from __future__ import annotations

from maps.models import JourneyMap, Persona

# Beside the main persona. A map for more people than this maps nobody in particular.
MAX_MORE = 5


def of_map(journey_map: JourneyMap) -> list[Persona]:
    """The map's personas, the main one first, then the others by name (one query for the others)."""
    more = list(journey_map.more_personas.order_by("name", "pk")) if journey_map.pk else []
    main = journey_map.persona
    return ([main] if main is not None else []) + [p for p in more if main is None or p.pk != main.pk]


def rating_key(journey_map: JourneyMap, persona: Persona | None) -> int | None:
    """What a rating for `persona` stores: its id; for None, the main persona's (None on a map
    without one)."""
    return persona.pk if persona is not None else journey_map.persona_id


def shows(note_persona_id: int | None, persona_id: int | None) -> bool:
    """Whether a note belongs on a view of one persona (None: the view of every persona)."""
    return persona_id is None or note_persona_id is None or note_persona_id == persona_id
