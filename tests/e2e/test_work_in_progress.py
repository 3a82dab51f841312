"""A live update never takes away what someone is in the middle of (docs/protocol.md,
"Work in progress"): half-typed text, focus and caret, an open menu, the scroll position."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.pages import facilitator_opens_room, member_joins, person

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def open_page(new_page: Callable[..., Page]) -> Iterator[Callable[..., Page]]:
    """new_page, and the test fails on any script error: htmx only logs a failed swap."""
    errors: list[str] = []

    def make(*args: Any, **kwargs: Any) -> Page:
        page = new_page(*args, **kwargs)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: message.type == "error" and errors.append(message.text))
        return page

    yield make
    assert errors == []


def answer_field(page: Page, question: int = 0) -> Any:
    return page.locator("#insights .insight-form input[name=text]").nth(question)


def caret(field: Any) -> list[int]:
    return field.evaluate("(f) => [f.selectionStart, f.selectionEnd]")


def add_stage(facilitator: Page, name: str) -> None:
    field = facilitator.locator("#new-stage-name")
    field.fill(name)
    field.press("Enter")


def test_a_half_typed_answer_keeps_its_text_focus_and_caret_when_another_answer_arrives(
    open_page: Callable[..., Page],
) -> None:
    room = facilitator_opens_room(open_page())
    mia = member_joins(open_page(), room, "Mia")
    ravi = member_joins(open_page(), room, "Ravi")

    field = answer_field(mia)
    field.click()
    mia.keyboard.type("Campers book late")
    for _ in range(5):
        mia.keyboard.press("ArrowLeft")  # the caret just before "late"... and one more
    assert caret(field) == [12, 12]

    answer_field(ravi).fill("Nobody reads the FAQ")
    answer_field(ravi).press("Enter")

    expect(mia.locator("#insights .insight")).to_contain_text(["Nobody reads the FAQ"])
    expect(field).to_have_value("Campers book late")
    expect(field).to_be_focused()
    assert caret(field) == [12, 12]
    # Mia sends hers: the field empties for the next answer, and both answers show.
    mia.keyboard.press("Enter")
    expect(field).to_have_value("")
    expect(mia.locator("#insights .insight")).to_have_count(2)
    expect(ravi.locator("#insights .insight")).to_have_count(2)


def test_the_facilitators_note_on_the_emotion_line_stays_open_with_its_text_while_members_rate(
    open_page: Callable[..., Page],
) -> None:
    room = facilitator_opens_room(open_page((1600, 1000)))
    facilitator = room.facilitator
    mia = member_joins(open_page(), room, "Mia")

    annotate = facilitator.locator("#emotion .emotion-annotate").first
    annotate.locator("summary").click()
    box = annotate.locator("textarea")
    box.fill("Everyone expected a confirmation email here")

    mia.locator("#emotion .emotion-cell").nth(1).locator('[data-rate="-2"]').click()
    expect(facilitator.locator("#emotion .emotion-cell").nth(1)).to_contain_text("(1 rating)")

    expect(annotate).to_have_attribute("open", "")
    expect(box).to_have_value("Everyone expected a confirmation email here")
    expect(box).to_be_focused()
    # Saved, the note shows on the line for everyone.
    annotate.get_by_role("button", name="Save").click()
    note = mia.locator("#emotion .emotion-note").first
    expect(note).to_have_text("Everyone expected a confirmation email here")


def test_an_open_person_menu_keeps_its_unsaved_choice_and_focus_while_people_come_and_go(
    open_page: Callable[..., Page],
) -> None:
    room = facilitator_opens_room(open_page())
    facilitator = room.facilitator
    member_joins(open_page(), room, "Mia")

    menu = person(facilitator, "Mia").locator("details.person-menu")
    menu.locator("summary").click()
    role = menu.locator("select[name=role]")
    role.select_option("observer")  # chosen, not saved yet
    role.focus()

    ravi = member_joins(open_page(), room, "Ravi")  # the people list is drawn again
    expect(person(facilitator, "Ravi")).to_have_count(1)
    ravi.locator("#done-button").click()  # and again
    expect(person(facilitator, "Ravi")).to_contain_text("done")

    expect(menu).to_have_attribute("open", "")
    expect(role).to_have_value("observer")
    expect(role).to_be_focused()


def test_the_board_keeps_its_scroll_and_an_open_menu_when_a_stage_is_added(
    open_page: Callable[..., Page],
) -> None:
    room = facilitator_opens_room(open_page())
    mia = member_joins(open_page((900, 700)), room, "Mia")
    frame = mia.locator("#board .board-scroll")
    scrolled = frame.evaluate("(f) => { f.scrollLeft = 250; return f.scrollLeft; }")
    assert scrolled > 100, "the board should be wider than a 900-pixel window"
    download = mia.locator("#download-menu")
    download.locator("summary").click()
    expect(download).to_have_attribute("open", "")
    page_scroll = mia.evaluate("() => window.scrollY")
    stages = mia.locator("#board thead th.stage-head")
    before = stages.count()

    add_stage(room.facilitator, "Coming home")  # redraws the whole board and its bar everywhere

    expect(stages).to_have_count(before + 1)
    expect(stages.last).to_contain_text("Coming home")
    assert frame.evaluate("(f) => f.scrollLeft") == scrolled
    assert mia.evaluate("() => window.scrollY") == page_scroll
    expect(download).to_have_attribute("open", "")
    expect(download.locator("summary")).to_be_focused()


def below(upper: Any, lower: Any) -> bool:
    top, bottom = upper.bounding_box(), lower.bounding_box()
    return top["y"] + top["height"] <= bottom["y"] + 1


def test_a_note_being_edited_and_one_being_written_survive_a_redraw_of_their_cells(
    open_page: Callable[..., Page],
) -> None:
    room = facilitator_opens_room(open_page())
    mia = member_joins(open_page(), room, "Mia")
    cells = mia.locator("#board tr[data-lane=actions] td.cell")
    cells.nth(0).locator("[data-add-note]").click()
    mia.keyboard.type("Packs the tent")
    mia.keyboard.press("Enter")
    sticky = cells.nth(0).locator(".sticky[data-sticky]")
    expect(sticky).to_have_count(1)
    # Mia starts a second note in the next cell, then edits the first in place.
    cells.nth(1).locator("[data-add-note]").click()
    mia.keyboard.type("Checks the weather")
    sticky.focus()
    mia.keyboard.press("Enter")
    mia.keyboard.press("End")
    mia.keyboard.type(" and the stove")
    editor = sticky.locator("textarea.editor")

    add_stage(room.facilitator, "Coming home")  # every cell is drawn again
    expect(mia.locator("#board thead th.stage-head").last).to_contain_text("Coming home")

    expect(editor).to_have_value("Packs the tent and the stove")
    expect(editor).to_be_focused()
    assert caret(editor) == [28, 28]
    expect(sticky.locator(".sticky-text")).to_be_hidden()  # the editor stands in for the text
    assert below(editor, sticky.locator(".sticky-meta"))
    mia.keyboard.press("Enter")
    expect(room.facilitator.locator("#board .sticky")).to_contain_text(["Packs the tent and the stove"])

    # Back in the half-written note, when the board is drawn again.
    draft = cells.nth(1).locator(".draft textarea")
    draft.click()
    mia.keyboard.press("End")
    add_stage(room.facilitator, "Unpacking")
    expect(mia.locator("#board thead th.stage-head").last).to_contain_text("Unpacking")
    expect(draft).to_have_value("Checks the weather")
    expect(draft).to_be_focused()
    assert below(draft, cells.nth(1).locator("[data-add-note]"))
    mia.keyboard.press("Enter")
    expect(room.facilitator.locator("#board .sticky")).to_contain_text(["Checks the weather"])


def test_a_saved_field_shows_the_next_change_someone_else_makes(open_page: Callable[..., Page]) -> None:
    room = facilitator_opens_room(open_page())
    first = room.facilitator
    second = first.context.new_page()  # the same facilitator in another tab
    second.goto(room.url)

    def set_minutes(page: Page, minutes: str) -> Any:
        edit = page.locator("#agenda details.agenda-edit").first
        edit.locator("summary").click()
        field = edit.locator("input[name=minutes]")
        field.fill(minutes)
        edit.get_by_role("button", name="Save").click()
        expect(page.locator("#agenda .agenda-meta").first).to_contain_text(f"{minutes} min")
        return field

    field = set_minutes(first, "7")
    expect(field).to_have_value("7")
    set_minutes(second, "9")
    expect(first.locator("#agenda .agenda-meta").first).to_contain_text("9 min")
    expect(field).to_have_value("9")
