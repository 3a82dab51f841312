"""Similar notes in the room: the facilitator's suggestions, and what a folded note holds.

Both are read over HTTP (htmx), not the socket: a suggestion is the facilitator's alone until
accepted, and accepting, folding by hand, unfolding and dismissing are ops like any other
(workshops/ops.py). The sentence model runs here, in the request's worker thread. Both only
read, so a POST reads as a GET does, after the same check: an outsider learns nothing from the
method either.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from maps.folds import folded_under
from maps.similar import SCOPES
from maps.suggestions import suggestions
from workshops.op_forms import as_id
from workshops.selectors import note, participant_for


def similar_notes(request: HttpRequest, slug: str) -> HttpResponse:
    """The facilitator's suggestions: groups of notes that say the same thing."""
    participant = participant_for(user=request.user, slug=slug)
    if not participant.is_facilitator:
        raise Http404
    journey_map = participant.workshop.journey_map
    scope = request.GET.get("scope", "cell")
    error = None
    if scope not in SCOPES:
        scope, error = "cell", True
    lane_id, stage_id = _row(request, "lane", journey_map.lanes), _row(request, "stage", journey_map.stages)
    if lane_id is False or stage_id is False:  # named, but not a lane or stage of this map
        lane_id, stage_id, error = None, None, True
    found = suggestions(journey_map, scope=scope, lane_id=lane_id, stage_id=stage_id)
    context = {
        "suggestions": found,
        "scope": scope,
        "bad_request": error,
        "workshop": participant.workshop,
        "op_url": reverse("room_op", args=[slug]),
    }
    # Into the room's dialog (static/js/folding.js); without JavaScript, a page of its own.
    template = "maps/similar.html#suggestions" if request.htmx else "workshops/similar.html"
    return render(request, template, context)


def _row(request: HttpRequest, name: str, rows) -> int | None | bool:
    """The id of the lane or stage a search is narrowed to: None when not named, False when
    named but not one of this map's."""
    value = request.GET.get(name) or None
    if value is None:
        return None
    pk = as_id(value)
    return pk if pk is not None and rows.filter(pk=pk).exists() else False


def folded_notes(request: HttpRequest, slug: str) -> HttpResponse:
    """The notes folded into one, each with its author: for anyone in the room."""
    participant = participant_for(user=request.user, slug=slug)
    pk = as_id(request.GET.get("note", ""))
    head = (
        note(journey_map_id=participant.workshop.journey_map_id, pk=pk, viewer_id=request.user.pk)
        if pk is not None
        else None
    )
    if head is None:
        raise Http404
    context = {"head": head, "folded": folded_under(head), "can_write": participant.can_write}
    return render(request, "maps/similar.html#folded", context)
