"""The journey-mapping play as data: its steps, their default time boxes and our guidance.

The wording is ours (see ../shared/PLAY.md for the method). Durations are the defaults a new
workshop's agenda starts from; the facilitator changes them per workshop.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class PlayStep:
    key: str
    title: Promise
    minutes: int
    # The range the play allows, shown beside the time box so facilitators can judge it.
    range_label: Promise
    goal: Promise
    produce: Promise
    prompts: tuple[Promise, ...]
    # Preparation happens before the room meets; new agendas skip it.
    prep: bool = False
    # The board's lanes this step works on; the board makes them stand out.
    lanes: tuple[str, ...] = ()
    # Worked on the board without a lane of notes (the emotion line sits under the grid).
    board: bool = False

    @property
    def on_board(self) -> bool:
        """The room puts the board first during this step."""
        return bool(self.lanes) or self.board

    @property
    def time_box(self) -> timedelta:
        return timedelta(minutes=self.minutes)


STEPS: tuple[PlayStep, ...] = (
    PlayStep(
        key="scope",
        title=_("Define the scope"),
        minutes=15,
        range_label=_("about 15 min, before the session"),
        goal=_("Pick one persona, one situation and one goal, so the map stays specific."),
        produce=_(
            "The persona, the scenario, the goal, where the journey begins and ends, "
            "and a short pre-read for the team."
        ),
        prompts=(
            _("Who exactly is the customer on this map?"),
            _("What event starts their journey, and what moment ends it?"),
            _("Does everyone invited know enough about this customer to contribute?"),
        ),
        prep=True,
    ),
    PlayStep(
        key="stage",
        title=_("Set the stage"),
        minutes=5,
        range_label=_("about 5 min"),
        goal=_("Get everyone looking at the same customer and the same journey."),
        produce=_("A shared picture of the persona and the scope, read back in the group's own words."),
        prompts=(
            _("Read the persona and the scope aloud."),
            _("Ask one person to retell them in a sentence or two."),
            _("Settle any doubts about where the journey starts and stops."),
        ),
    ),
    PlayStep(
        key="backstory",
        title=_("Write the backstory"),
        minutes=10,
        range_label=_("about 10 min"),
        goal=_("Explain why the customer set out on this journey at all."),
        produce=_(
            "The trouble that set things off, the list of things the persona needs, "
            "the result they hope for, and a few sentences linking them."
        ),
        prompts=(
            _("What problem made the persona start looking?"),
            _("What is on their list of must-haves?"),
            _("What would success look like to them?"),
        ),
    ),
    PlayStep(
        key="journey",
        title=_("Map what the customer does, thinks and feels"),
        minutes=30,
        range_label=_("30 to 60 min"),
        goal=_("Lay out the journey step by step, as the customer lives it."),
        produce=_(
            "One note per action in order, grouped into stages, with the channel of "
            "each contact, the questions and decisions on the way, and any branches."
        ),
        prompts=(
            _("What does the customer do next, and where does it happen?"),
            _("What are they wondering or deciding at this point?"),
            _("Where could the path split? Note both branches."),
            _("Optional: what happens behind the scenes to make this step work?"),
        ),
        lanes=("actions", "touchpoints", "thoughts", "frontstage", "backstage", "support"),
    ),
    PlayStep(
        key="pains",
        title=_("Map the pain points"),
        minutes=15,
        range_label=_("10 to 30 min"),
        goal=_("Find where the journey hurts."),
        produce=_("Pain-point notes placed on the actions where the friction happens."),
        prompts=(
            _("Where does the customer wait, repeat themselves or get stuck?"),
            _("What do complaints, tickets or reviews say about this step?"),
        ),
        lanes=("pains",),
    ),
    PlayStep(
        key="emotions",
        title=_("Draw the emotion line"),
        minutes=15,
        range_label=_("about 15 min"),
        goal=_("Show how the persona feels from one end of the journey to the other."),
        produce=_(
            "A line of the persona's mood along the stages, with its drops, dips and high points explained."
        ),
        prompts=(
            _("Where does the mood fall sharply? What did they expect instead?"),
            _("Which low stretch, if lifted, would improve the whole journey?"),
            _("Which high point could become a moment they tell friends about?"),
            _("Remember: friction does not always hurt at once, and some of it builds trust."),
        ),
        board=True,
    ),
    PlayStep(
        key="analysis",
        title=_("Analyse the big picture"),
        minutes=15,
        range_label=_("about 15 min"),
        goal=_("Step back and decide what matters most."),
        produce=_(
            "Answers to the four questions below, weighed by how many customers each "
            "part of the journey really touches."
        ),
        prompts=(
            _("What confuses or frustrates the customer most?"),
            _("Where does the experience fall short of what they expected?"),
            _("What needs did we discover that nobody is meeting yet?"),
            _("Where is the journey more complicated or repetitive than it has to be?"),
        ),
        lanes=("opportunities", "pains"),
    ),
)

# A follow-up session on a map the team made before (workshops.services.follow_up_create): short,
# and about what happened since, not about mapping again.
FOLLOW_UP_STEPS: tuple[PlayStep, ...] = (
    PlayStep(
        key="changes",
        title=_("What changed since last time"),
        minutes=10,
        range_label=_("about 10 min"),
        goal=_("Catch up on what moved since the last session, before deciding anything."),
        produce=_("A shared view of what changed on the map, and of anything that changed outside it."),
        prompts=(
            _("Read “What moved since the last session” on the summary together."),
            _("What happened to the customer, the product or the team that the map does not show yet?"),
        ),
        board=True,
    ),
    PlayStep(
        key="plan",
        title=_("The action plan, item by item"),
        minutes=20,
        range_label=_("15 to 30 min"),
        goal=_("Go through every opportunity and every assumption being checked: done, moving, stuck?"),
        produce=_(
            "An up-to-date status, owner and due date on each item, and the evidence for what was checked."
        ),
        prompts=(
            _("For each item: what has happened since? Update its status."),
            _("Is anything past its due date? Agree a new date or drop it."),
            _("Which assumptions were checked? Record what settled them."),
        ),
        lanes=("opportunities", "pains"),
    ),
    PlayStep(
        key="figures",
        title=_("The stage figures, then and now"),
        minutes=10,
        range_label=_("about 10 min"),
        goal=_("See whether the numbers moved where the team acted."),
        produce=_("Today's figures for each stage, beside the ones from the last session."),
        prompts=(
            _("Add this period's figures to each stage (its options on the board)."),
            _("Did a figure move where an opportunity was delivered? Where did nothing move?"),
        ),
        board=True,
    ),
    PlayStep(
        key="rerate",
        title=_("Re-rate the emotion line"),
        minutes=10,
        range_label=_("about 10 min"),
        goal=_("Rate again how the persona feels at each stage, knowing what changed."),
        produce=_("A new emotion line; the summary shows how far each stage moved."),
        prompts=(
            _("Rate each stage again: your new rating replaces your old one."),
            _("Where did the line rise or fall since last time, and why?"),
        ),
        board=True,
    ),
)

BY_KEY: dict[str, PlayStep] = {step.key: step for step in (*STEPS, *FOLLOW_UP_STEPS)}
