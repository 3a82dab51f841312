"""A demo facilitator and a workshop to try the product with (our own camping-trip example)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand

from maps.models import MapKind, Persona
from maps.services import sticky_create
from workshops.models import Workshop
from workshops.services import workshop_create

USERNAME = "demo"
PASSWORD = "journeymap-demo"
TITLE = "Weekend camping trip: from first search to sharing the photos"
NOTES = {
    "stage": "Our persona: Mei, 34, plans a two-night trip with friends. The journey starts when "
    "she searches for a campsite and ends when she posts the photos.",
    "backstory": "Why camping, why now? A stressful quarter at work and a promise to friends.",
    "journey": "Stages to start from: research, booking, at the campsite, leaving, sharing.",
    "pains": "Think of the drive there, the signs, the facilities, the weather.",
}


STAGES = ["Research", "Booking", "At the campsite", "Leaving", "Sharing"]
# (stage, lane, text, colour) — our own example notes, enough to see a board at work.
BOARD = [
    (0, "actions", "Compares three campsites on a map site", "yellow"),
    (0, "thoughts", "Which one is close enough for a Friday evening drive?", "blue"),
    (1, "actions", "Phones the campsite and pays a deposit by transfer", "yellow"),
    (1, "pains", "Not sure the booking went through: no confirmation", "pink"),
    (2, "actions", "Pitches the tent, lights the barbecue", "yellow"),
    (2, "pains", "Charcoal takes two hours to light; nobody helps", "pink"),
    (2, "pains", "Toilets are a long walk from the pitch", "pink"),
    (3, "actions", "Pays the balance at the office", "yellow"),
    (3, "thoughts", "Finds a lovely view 20 m away, only now", "blue"),
    (4, "actions", "Edits the photos and posts them", "yellow"),
    (4, "opportunities", "Map of the best spots at check-in", "green"),
]


class Command(BaseCommand):
    help = "Create the demo facilitator and a demo workshop (safe to run again)."

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            username=USERNAME, defaults={"first_name": "Demo facilitator"}
        )
        if created:
            user.set_password(PASSWORD)
            user.save()
        workshop = Workshop.objects.filter(owner=user, title=TITLE).first()
        if workshop is None:
            workshop = workshop_create(
                owner=user, title=TITLE, kind=MapKind.CURRENT_STATE, display_name="Demo facilitator"
            )
            for step in workshop.steps.filter(key__in=NOTES):
                step.note = NOTES[step.key]
                step.save(update_fields=["note"])
            self.fill_board(workshop)
        self.stdout.write(
            f"Demo facilitator: username {USERNAME!r}, password {PASSWORD!r}\n"
            f"Demo workshop join code: {workshop.join_code_display} "
            f"(http://127.0.0.1:8000/join/{workshop.join_code}/)\n"
            "Open http://127.0.0.1:8000/accounts/login/ to log in."
        )

    def fill_board(self, workshop: Workshop) -> None:
        journey_map = workshop.journey_map
        journey_map.persona = Persona.objects.create(
            owner=workshop.owner,
            name="Mei",
            role="Weekend camper, plans trips for her friends",
            quote="I just want one weekend where nothing needs organising.",
            goals="A relaxed weekend outdoors with friends, close enough to drive after work.",
            needs="Clear directions, a pitch near the facilities, somewhere to buy drinks.",
            pains="Booking by phone; not knowing whether the booking is confirmed.",
        )
        journey_map.scenario = "Mei books a two-night camping trip for four friends."
        journey_map.goal = "A weekend away that feels effortless."
        journey_map.journey_start = "She starts searching for a campsite."
        journey_map.journey_end = "She shares the photos with her friends."
        journey_map.save()
        stages = list(journey_map.stages.all())
        for stage, name in zip(stages, STAGES, strict=True):
            stage.name = name
            stage.save(update_fields=["name"])
        lanes = {lane.key: lane for lane in journey_map.lanes.all()}
        for stage_index, lane_key, text, colour in BOARD:
            sticky_create(
                journey_map=journey_map,
                author=workshop.owner,
                stage=stages[stage_index],
                lane=lanes[lane_key],
                text=text,
                colour=colour,
            )
