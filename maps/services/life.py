"""A map's life: made, imported, copied, shared, reviewed, archived."""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from maps import exports, layout
from maps.models import (
    EmotionRating,
    EmotionReason,
    Insight,
    JourneyMap,
    Lane,
    MapKind,
    Persona,
    ShareLink,
    Stage,
    StageMetric,
    Sticky,
    Vote,
    VoteDot,
)
from maps.personas import rating_key
from maps.services.change import MapRefused, log


@transaction.atomic
def map_create(*, owner: AbstractBaseUser, title: str, kind: str = MapKind.CURRENT_STATE) -> JourneyMap:
    journey_map = JourneyMap.objects.create(owner=owner, title=title, kind=kind)
    Stage.objects.bulk_create(
        Stage(journey_map=journey_map, name=str(name), position=i)
        for i, name in enumerate(layout.STAGES[kind])
    )
    Lane.objects.bulk_create(
        Lane(journey_map=journey_map, key=spec.key, name=str(spec.name), zone=spec.zone, position=i)
        for i, spec in enumerate(layout.LANES[kind])
    )
    return journey_map


# -- sharing -----------------------------------------------------------------------------
# Share links control who may read, they change nothing on the map: they are not in the map's
# event log (docs/sharing.md). Each row keeps who made it and when it was revoked.


@transaction.atomic
def share_link_create(
    *,
    journey_map: JourneyMap,
    created_by: AbstractBaseUser,
    label: str = "",
    expires_at: datetime.datetime | None = None,
) -> ShareLink:
    if expires_at is not None and expires_at <= timezone.now():
        raise MapRefused(_("The expiry must be in the future."), code="invalid")
    return ShareLink.objects.create(
        journey_map=journey_map, created_by=created_by, label=label, expires_at=expires_at
    )


@transaction.atomic
def share_link_revoke(*, share_link: ShareLink) -> ShareLink:
    """The link stops working at once; revoking twice keeps the first time."""
    share_link = ShareLink.objects.select_for_update().get(pk=share_link.pk)
    if share_link.revoked_at is None:
        share_link.revoked_at = timezone.now()
        share_link.save(update_fields=["revoked_at"])
    return share_link


# -- the map's life after the workshop: import, copy, review, archive ----------------------


def _nameholder(name: str) -> AbstractBaseUser:
    """An account that only carries a name from an imported file: no password, never logs in."""
    user_model = get_user_model()
    user = user_model(username=f"imported-{secrets.token_hex(8)}", first_name=name)
    user.set_unusable_password()
    user.save()
    return user


def _persona_for(owner: AbstractBaseUser, fields: dict[str, str] | None) -> Persona | None:
    """The owner's persona with exactly these fields, or a new one in their library."""
    if fields is None:
        return None
    return Persona.objects.filter(owner=owner, **fields).order_by("pk").first() or Persona.objects.create(
        owner=owner, **fields
    )


@transaction.atomic
def map_import(
    *,
    owner: AbstractBaseUser,
    data: dict[str, Any],
    title: str | None = None,
    authors: dict[str, AbstractBaseUser] | None = None,
    copied_from: JourneyMap | None = None,
) -> JourneyMap:
    """A new map from an export (maps/exports/); nothing is written unless the whole file is valid.

    Raises exports.InvalidExport. Names of authors become accounts that carry only the name,
    unless `authors` maps a name to a user (a copy keeps its authors). Revealed ratings and dots
    are recorded under anonymous accounts, one per rater, as the file says how many, not who.
    """
    doc = exports.validate(data)
    journey_map = JourneyMap.objects.create(
        owner=owner,
        title=title or doc["title"],
        kind=doc["kind"],
        persona=_persona_for(owner, doc["persona"]),
        copied_from=copied_from,
        **doc["scope"],
        **doc["backstory"],
    )
    # Several personas (version 4, maps.personas): refs → the owner's personas.
    persona_by_ref = {exports.MAIN: journey_map.persona}
    for more in doc.get("more_personas", []):
        fields = {name: value for name, value in more.items() if name != "ref"}
        persona_by_ref[more["ref"]] = _persona_for(owner, fields)
    journey_map.more_personas.set({p for p in persona_by_ref.values() if p != journey_map.persona})
    stages = Stage.objects.bulk_create(
        Stage(journey_map=journey_map, name=s["name"], emotion_note=s["emotion_note"], position=i)
        for i, s in enumerate(doc["stages"])
    )
    stage_by_ref = {s["ref"]: stage for s, stage in zip(doc["stages"], stages, strict=True)}
    lanes_in_order = sorted(enumerate(doc["lanes"]), key=lambda item: (item[1]["position"], item[0]))
    lanes = Lane.objects.bulk_create(
        Lane(
            journey_map=journey_map,
            key=lane["key"],
            name=lane["name"],
            zone=lane["zone"],
            visible=lane["visible"],
            position=position,
        )
        for position, (_i, lane) in enumerate(lanes_in_order)
    )
    lane_by_key = {lane.key: lane for lane in lanes}
    StageMetric.objects.bulk_create(
        StageMetric(stage=stage_by_ref[s["ref"]], **metric) for s in doc["stages"] for metric in s["metrics"]
    )

    people = dict(authors or {})

    def person(name: str | None) -> AbstractBaseUser | None:
        if name is None:
            return None
        if name not in people:
            people[name] = _nameholder(name)
        return people[name]

    notes = _import_notes(journey_map, doc, stage_by_ref, lane_by_key, person, persona_by_ref)
    # Ratings by line and stage; a persona that is a twin of another in the owner's library
    # (the same fields) shares its line. One anonymous rater per rating of the fullest line.
    lines: dict[tuple[int | None, str], list[int]] = {}
    for s in doc["stages"]:
        lines.setdefault((rating_key(journey_map, None), s["ref"]), []).extend(s["ratings"])
        for more in s.get("more_ratings", []):
            key = rating_key(journey_map, persona_by_ref[more["persona"]])
            lines.setdefault((key, s["ref"]), []).extend(more["ratings"])
    raters = [_nameholder("") for _i in range(max(map(len, lines.values()), default=0))]
    EmotionRating.objects.bulk_create(
        EmotionRating(
            journey_map=journey_map, stage=stage_by_ref[ref], author=rater, persona_id=persona_id, value=value
        )
        for (persona_id, ref), values in lines.items()
        for rater, value in zip(raters, values, strict=False)
    )
    now = timezone.now()
    voter = _nameholder("") if any(vote["dots"] for vote in doc["votes"]) else None
    for vote_doc in doc["votes"]:
        vote = Vote.objects.create(
            journey_map=journey_map,
            lane=lane_by_key[vote_doc["lane"]],
            budget=vote_doc["budget"],
            stacking=vote_doc["stacking"],
            closed_at=now,
        )
        VoteDot.objects.bulk_create(
            VoteDot(vote=vote, voter=voter, sticky=notes[dot["note"]])
            for dot in vote_doc["dots"]
            for _count in range(dot["count"])
        )
    Insight.objects.bulk_create(
        Insight(journey_map=journey_map, question=i["question"], text=i["text"], author=person(i["author"]))
        for i in doc["insights"]
    )
    EmotionReason.objects.bulk_create(
        EmotionReason(
            journey_map=journey_map, stage=stage_by_ref[s["ref"]], text=r["text"], author=person(r["author"])
        )
        for s in doc["stages"]
        for r in s.get("reasons", [])  # version 2
    )
    kind = "map.copy" if copied_from is not None else "map.import"
    event = log(
        journey_map, owner, kind, None, {"notes": len(notes), "from": getattr(copied_from, "pk", None)}
    )
    journey_map.seq = event.seq
    return journey_map


def _import_notes(
    journey_map: JourneyMap,
    doc: dict[str, Any],
    stage_by_ref: dict[str, Stage],
    lane_by_key: dict[str, Lane],
    person: Any,
    persona_by_ref: dict[str, Persona | None],
) -> dict[str, Sticky]:
    cells: dict[tuple[str, str], list[tuple[int, int, dict[str, Any]]]] = {}
    for index, note in enumerate(doc["notes"]):
        cells.setdefault((note["stage"], note["lane"]), []).append((note["position"], index, note))
    new: list[tuple[str, Sticky]] = []
    for (stage_ref, key), entries in cells.items():
        for position, (_p, _i, note) in enumerate(sorted(entries, key=lambda e: (e[0], e[1]))):
            sticky = Sticky(
                journey_map=journey_map,
                stage=stage_by_ref[stage_ref],
                lane=lane_by_key[key],
                position=position,
                text=note["text"],
                colour=note["colour"],
                author=person(note["author"]),
                evidence=note["evidence"],
                channel=note["channel"],
                severity=note["severity"],
                reach_count=note["reach_count"],
                reach_share=None if note["reach_share"] is None else Decimal(note["reach_share"]),
                reach_source=note["reach_source"],
                owner=note["owner"],
                status=note["status"],
                due_on=_when(note.get("due_on"), datetime.date),
                evidence_source=note.get("evidence_source", ""),
                evidence_note=note.get("evidence_note", ""),
                settled_at=_when(note.get("settled_at"), datetime.datetime),
                persona=persona_by_ref.get(note.get("persona")),
                **{attr: mark in note["marks"] for mark, attr in exports.MARKS.items()},
            )
            new.append((note["ref"], sticky))
    Sticky.objects.bulk_create([sticky for _ref, sticky in new])
    by_ref = dict(new)
    _import_folded(doc, by_ref, person)
    Link = Sticky.links.through
    Link.objects.bulk_create(
        Link(from_sticky_id=by_ref[note["ref"]].pk, to_sticky_id=by_ref[link].pk)
        for note in doc["notes"]
        for link in note["links"]
    )
    return by_ref


def _when(text: str | None, kind: type[datetime.date]) -> Any:
    """A date or a moment as the document writes it (validated already), or None."""
    return None if text is None else kind.fromisoformat(text)


def _import_folded(doc: dict[str, Any], by_ref: dict[str, Sticky], person: Any) -> None:
    """Notes folded into others (version 2; maps/services/folding.py): kept off the board,
    under their note, which says how many wrote it."""
    now = timezone.now()
    folded, heads = [], []
    for note in doc["notes"]:
        head = by_ref[note["ref"]]
        for entry in note.get("folded", []):
            folded.append(
                Sticky(
                    journey_map=head.journey_map,
                    stage=head.stage,
                    lane=head.lane,
                    text=entry["text"],
                    author=person(entry["author"]),
                    folded_into=head,
                    deleted_at=now,
                )
            )
        if note.get("folded"):
            head.folded_notes = len(note["folded"])
            head.folded_people = len(
                {head.author_id, *(f.author_id for f in folded if f.folded_into is head)}
            )
            heads.append(head)
    Sticky.objects.bulk_create(folded)
    Sticky.objects.bulk_update(heads, ["folded_notes", "folded_people"])


@transaction.atomic
def map_copy(
    *, journey_map: JourneyMap, owner: AbstractBaseUser, kind: str, title: str | None = None
) -> JourneyMap:
    """A new map from this one, for `kind` (e.g. the future state of a current-state map).

    Goes through the export and the import, so a copy holds exactly what an export would carry,
    laid out for the new kind (exports.for_kind). The notes keep their authors.
    """
    doc = exports.for_kind(exports.export_data(journey_map), kind)
    authors = {}
    for sticky in Sticky.objects.filter(journey_map=journey_map).select_related("author").order_by("pk"):
        name = exports.author_name(sticky.author)
        if name is not None:
            authors.setdefault(name, sticky.author)
    return map_import(owner=owner, data=doc, title=title, authors=authors, copied_from=journey_map)


@transaction.atomic
def map_mark_reviewed(*, journey_map: JourneyMap, now: datetime.datetime | None = None) -> JourneyMap:
    journey_map.last_reviewed_at = now or timezone.now()
    journey_map.save(update_fields=["last_reviewed_at"])
    return journey_map


@transaction.atomic
def map_archive(
    *, journey_map: JourneyMap, archived: bool, now: datetime.datetime | None = None
) -> JourneyMap:
    """Archive a map (it leaves the main list) or bring it back."""
    journey_map.archived_at = (now or timezone.now()) if archived else None
    journey_map.save(update_fields=["archived_at"])
    return journey_map
