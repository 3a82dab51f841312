"""Several personas on one map.

The play maps one persona at a time, and most maps name one. Some journeys are shared by two or
three people (who buys and who uses, a patient and a carer), so a map may name a few more
(`JourneyMap.more_personas`, at most `MAX_MORE`) beside its main one (`JourneyMap.persona`).
Then:

- a note may concern one of them (`Sticky.persona`); a note that names none concerns every
  persona, so it shows whichever persona the board or the summary is showing;
- each persona has an emotion line of its own: a rating names whose feeling it is
  (`EmotionRating.persona`; None is the main persona's, as every rating was before a map could
  name more), and the board draws one line per persona;
- the board's "Show the board for" picker is each person's own view (static/js/personas.js):
  it hides the notes of the other personas and their lines, and changes nobody else's board;
  the summary takes `?persona=` and reads only what concerns that persona.

A persona taken off the map leaves its notes concerning everyone (the tag goes, the note
stays); its ratings stay stored but undrawn, and come back if it is named again.
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
    """What a rating for `persona` stores: None for the main persona (or a map without one)."""
    if persona is None or persona.pk == journey_map.persona_id:
        return None
    return persona.pk


def shows(note_persona_id: int | None, persona_id: int | None) -> bool:
    """Whether a note belongs on a view of one persona (None: the view of every persona)."""
    return persona_id is None or note_persona_id is None or note_persona_id == persona_id
