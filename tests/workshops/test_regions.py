"""The region table (workshops.regions): one row per logged kind, every region drawable."""

import re
from pathlib import Path

from workshops import regions

ROOT = Path(__file__).resolve().parents[2]
WRITERS = [
    ROOT / "maps" / "events.py",
    *sorted((ROOT / "workshops" / "services").glob("*.py")),
    *sorted((ROOT / "maps" / "services").glob("*.py")),
]
KIND = re.compile(r'"([a-z]+\.[a-z_]+)"')


def logged_kinds() -> set[str]:
    return {kind for path in WRITERS for kind in KIND.findall(path.read_text())}


def test_every_kind_a_write_logs_has_one_row_and_every_row_a_writer():
    kinds = logged_kinds()
    assert "sticky.edit" in kinds and "timer.start" in kinds  # the walk finds them
    assert kinds - set(regions.REGIONS) == set(), "logged, but the table does not say what it redraws"
    assert set(regions.REGIONS) - kinds == set(), "in the table, but nothing logs it"


def test_every_region_named_is_drawn_by_a_fragment():
    named = {region for row in regions.REGIONS.values() for region in row} | set(regions.ALL)
    assert named <= set(regions.FRAGMENTS)
    assert {fragment for row in regions.FRAGMENTS.values() for fragment in row} >= regions.IN_TABLE


def test_a_run_of_events_redraws_each_region_once_in_order():
    assert regions.regions_of_all(["timer.start", "step.go", "sticky.edit", "vote.cast"]) == [
        regions.NOW,
        regions.GUIDANCE,
        regions.AGENDA_LIST,
        regions.PEOPLE_LIST,
        regions.VOTE,
    ]


def test_the_grid_draws_the_emotion_line_so_it_is_not_drawn_twice():
    assert regions.regions_of_all(["emotion.rate", "stage.create"]) == [regions.BOARD_BAR, regions.BOARD_GRID]
    assert regions.regions_of_all(["emotion.rate"]) == [regions.EMOTION]


def test_a_note_redraws_no_region_but_its_reveal_redraws_the_board():
    assert regions.regions_of("sticky.move") == ()
    assert regions.BOARD_GRID in regions.regions_of("sticky.reveal")
