"""A new facilitator's first hour: finding the persona library, naming things one way, and
words that mean two things translated as what they mean here."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from maps.models import Persona, Sticky
from tests.conftest import client_for
from tests.test_translations import CATALOGUE
from tests.workshops.test_summary_views import note, share

pytestmark = pytest.mark.django_db


def test_the_header_and_the_list_lead_to_the_persona_library(owner):
    page = client_for(owner).get(reverse("workshop_list")).content.decode()
    assert page.count(f'href="{reverse("persona_list")}"') == 2  # the header, and the new-workshop card


def test_the_prepare_page_says_where_personas_come_from(workshop, facilitator):
    client = client_for(facilitator.user)
    url = reverse("prepare", args=[workshop.slug])
    assert "Your persona library is empty" in client.get(url).content.decode()
    Persona.objects.create(owner=workshop.owner, name="Mei")
    page = client.get(url).content.decode()
    assert "No persona yet" in page and "---------" not in page
    assert "Your persona library is empty" not in page


def test_the_prepare_page_names_the_backstory_as_the_room_does(workshop, facilitator):
    client = client_for(facilitator.user)
    prepare = client.get(reverse("prepare", args=[workshop.slug])).content.decode()
    room = client.get(reverse("room", args=[workshop.slug])).content.decode()
    labels = ("The pain that started it", "What they need (their shopping list)", "The outcome they want")
    for label in labels:
        assert label in prepare and label in room
    assert "the list of needs" not in prepare.lower()


def test_a_reach_and_its_source_are_kept_apart_on_the_summary(workshop, facilitator):
    note(workshop.journey_map, facilitator.user, "Queue at check-in", key="pains")
    Sticky.objects.update(reach_share=40, reach_source="Survey 2026")
    page = client_for(facilitator.user).get(reverse("summary", args=[workshop.slug])).content.decode()
    assert re.search(r'40% of customers<br><span class="source"[^>]*>source: Survey 2026', page)


def test_why_and_link_are_translated_as_what_they_mean_here(workshop, facilitator):
    client = client_for(facilitator.user)
    client.cookies["django_language"] = "zh-hans"
    share(workshop)
    summary = client.get(reverse("summary", args=[workshop.slug])).content.decode()
    room = client.get(reverse("room", args=[workshop.slug])).content.decode()
    # The emotion line's row says why the line moves; the guidance says what a step is for.
    assert '<th scope="row">原因</th>' in summary and "目的" not in summary
    assert "<h3>目的</h3>" in room
    # A share link's address, against linking two notes.
    assert '<th scope="col">链接</th>' in summary
    assert 'data-link="true">关联</button>' in room


def test_research_has_one_chinese_name():
    text = CATALOGUE.read_text(encoding="utf-8")
    assert "研究" not in text


def test_the_password_rules_sit_inside_their_help_text(client):
    page = client.get(reverse("signup")).content.decode()
    # A list inside a <p> is not HTML: the browser closed the paragraph and the rules fell out.
    assert re.search(r'<div class="help" id="id_password1_helptext"><ul>', page)
    name_input = re.search(r'<input[^>]*id="id_first_name"[^>]*>', page)
    assert name_input and "autofocus" in name_input.group(0)


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_an_outsider_gets_a_404_page_in_their_language_with_a_way_on(
    client, workshop, outsider, settings, language
):
    settings.DEBUG = False
    client.force_login(outsider)
    client.cookies["django_language"] = language
    response = client.get(reverse("room", args=[workshop.slug]))
    assert response.status_code == 404
    page = response.content.decode()
    assert f'<html lang="{language}">' in page and 'href="/static/css/app.css"' in page.replace("\\", "")
    assert reverse("home") in page and workshop.title not in page
    assert ("Enter a code" if language == "en" else "输入加入码") in page


def test_drawing_the_emotion_line_puts_the_board_first(workshop, facilitator):
    client = client_for(facilitator.user)
    room = reverse("room", args=[workshop.slug])
    assert 'data-board="0"' in client.get(room).content.decode()  # setting the stage: guidance first
    emotions = workshop.steps.get(key="emotions")
    client.post(
        reverse("room_op", args=[workshop.slug]), {"op": "step.go", "to": emotions.pk, "force": "true"}
    )
    page = client.get(room).content.decode()
    assert 'data-lanes=""' in page and 'data-board="1"' in page
