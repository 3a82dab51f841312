"""What a note others are folded into holds (maps/services/folding.py), for the pages and the
exports that show it: read in one query, and only where there are folds."""

from __future__ import annotations

from django.db.models import Prefetch, prefetch_related_objects
from django.utils.translation import ngettext

from maps.models import Sticky


def with_folds(notes: list[Sticky]) -> None:
    """Read the notes folded into these (oldest first) in one query, and only when a note has
    some (maps/services/folding.py): a map nobody folded costs no query more."""
    if heads := [note for note in notes if note.folded_notes]:
        prefetch_related_objects(heads, Prefetch("folded", queryset=Sticky.objects.order_by("pk")))


def folds_display(note: Sticky) -> str:
    """ "3 people wrote this: “…”, “…”" for a note others are folded into; "" otherwise."""
    if not note.folded_notes:
        return ""
    people = ngettext("%(count)d person wrote this", "%(count)d people wrote this", note.folded_people)
    texts = ", ".join(f"“{folded.text}”" for folded in note.folded.all())
    return f"{people % {'count': note.folded_people}}: {texts}"


def folded_under(note: Sticky) -> list[Sticky]:
    """The notes folded into `note`, oldest first, with their authors."""
    return list(Sticky.objects.filter(folded_into=note).select_related("author", "stage").order_by("pk"))
