"""Every write to a map. Each change appends to the map's event log in the same transaction.

These functions know nothing of workshops or roles: the caller (workshops.ops) checks who may
do what, and broadcasts the returned `Change` after commit. By what they change:

- `change.py`: what a write returns (`Change`, `NoteSwap`) or raises (`MapRefused`);
- `notes.py`: sticky notes (create, edit, style, settle, move, delete, restore, link, reveal);
- `folding.py`: notes that say the same folded into one, and unfolded; suggestions dismissed;
- `board.py`: stages, lanes, the scope and the backstory;
- `analysis.py`: the emotion line, figures per stage and insights;
- `votes.py`: dot voting;
- `life.py`: a map made, imported, copied, shared, reviewed and archived.

Callers import from here: `from maps import services; services.sticky_create(...)`. The
statements written by hand are in `maps.sql`.
"""

from __future__ import annotations

from maps.services.analysis import (
    emotion_rate,
    emotion_reason_add,
    emotion_reveal,
    insight_add,
    insight_remove,
    metric_add,
    metric_remove,
    stage_annotate,
)
from maps.services.board import (
    BACKSTORY_FIELDS,
    MAX_STAGES,
    backstory_edit,
    lane_set_visible,
    scope_update,
    stage_create,
    stage_delete,
    stage_move,
    stage_rename,
)
from maps.services.change import Cell, Change, MapRefused, NoteSwap
from maps.services.folding import similar_dismiss, sticky_fold, sticky_unfold
from maps.services.life import (
    map_archive,
    map_copy,
    map_create,
    map_import,
    map_mark_reviewed,
    share_link_create,
    share_link_revoke,
)
from maps.services.notes import (
    STYLE_FIELDS,
    stickies_reveal,
    sticky_create,
    sticky_delete,
    sticky_edit,
    sticky_link,
    sticky_move,
    sticky_restore,
    sticky_settle,
    sticky_style,
)
from maps.services.votes import VOTE_LANES, open_vote, vote_cast, vote_close, vote_start

__all__ = [
    "BACKSTORY_FIELDS",
    "MAX_STAGES",
    "STYLE_FIELDS",
    "VOTE_LANES",
    "Cell",
    "Change",
    "MapRefused",
    "NoteSwap",
    "backstory_edit",
    "emotion_rate",
    "emotion_reason_add",
    "emotion_reveal",
    "insight_add",
    "insight_remove",
    "lane_set_visible",
    "map_archive",
    "map_copy",
    "map_create",
    "map_import",
    "map_mark_reviewed",
    "metric_add",
    "metric_remove",
    "open_vote",
    "scope_update",
    "share_link_create",
    "share_link_revoke",
    "stage_annotate",
    "stage_create",
    "stage_delete",
    "stage_move",
    "stage_rename",
    "stickies_reveal",
    "sticky_create",
    "sticky_delete",
    "sticky_edit",
    "sticky_link",
    "sticky_move",
    "sticky_restore",
    "sticky_settle",
    "sticky_fold",
    "sticky_unfold",
    "similar_dismiss",
    "sticky_style",
    "vote_cast",
    "vote_close",
    "vote_start",
]
