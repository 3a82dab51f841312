"""Every write of the live session goes through here (DESIGN.md, "One service layer").

Each op locks the workshop row, checks the actor's role, changes state, appends an event to
the map's log under the next sequence number, and - only after commit - broadcasts what the
event's kind redraws (workshops.regions) once to the workshop's group. By noun: `agenda`
(the clock and the steps), `people` (joining, roles, presence), `board` (the map's writes and
the board's switches), `life` (making, importing, duplicating, deleting); `base` holds what
they share.
"""

from workshops.services.agenda import (
    agenda_step_update,
    step_done_set,
    step_go,
    still_working,
    timer_add,
    timer_pause,
    timer_reset,
    timer_start,
)
from workshops.services.base import MAX_TIME_BOX_MINUTES, Applied, Invalid, Refused
from workshops.services.board import (
    board_lock_set,
    emotion_rate,
    emotion_reason_add,
    map_change,
    private_ratings_set,
    private_writing_set,
    spotlight_set,
    sticky_create,
    sticky_editing,
    why_end,
    why_start,
)
from workshops.services.life import (
    follow_up_create,
    journey_map_delete,
    workshop_create,
    workshop_duplicate,
    workshop_import,
)
from workshops.services.people import (
    guest_user_create,
    is_removed,
    join_code_rotate,
    join_guard_tell,
    joining_set,
    participant_join,
    participant_readmit,
    participant_remove,
    participant_role_set,
    presence_connect,
    presence_disconnect,
    presence_heartbeat,
    presence_sweep,
)

__all__ = [
    "Applied",
    "Invalid",
    "MAX_TIME_BOX_MINUTES",
    "Refused",
    "agenda_step_update",
    "follow_up_create",
    "board_lock_set",
    "spotlight_set",
    "why_end",
    "why_start",
    "emotion_rate",
    "emotion_reason_add",
    "guest_user_create",
    "is_removed",
    "join_code_rotate",
    "join_guard_tell",
    "joining_set",
    "journey_map_delete",
    "map_change",
    "participant_join",
    "participant_readmit",
    "participant_remove",
    "participant_role_set",
    "presence_connect",
    "presence_disconnect",
    "presence_heartbeat",
    "presence_sweep",
    "private_ratings_set",
    "private_writing_set",
    "step_done_set",
    "step_go",
    "sticky_create",
    "sticky_editing",
    "still_working",
    "timer_add",
    "timer_pause",
    "timer_reset",
    "timer_start",
    "workshop_create",
    "workshop_duplicate",
    "workshop_import",
]
