"""Guessing join codes is throttled per client address and per browser session (docs/security.md)."""

from __future__ import annotations

import re
import time
from types import SimpleNamespace

import pytest
from channels.db import database_sync_to_async
from django.test import Client
from django.urls import reverse

from tests.conftest import client_for
from tests.workshops.test_consumer import join, next_message
from workshops.models import Workshop

WRONG = ["AAAAAA", "BBBBBB", "CCCCCC", "DDDDDD", "EEEEEE", "FFFFFF"]


def guess(client: Client, code: str, **extra: str):
    return client.get(reverse("join_code", args=[code]), **extra)


@pytest.fixture(autouse=True)
def still_clock(monkeypatch):
    # django-ratelimit counts in fixed windows: a test running across a window's end would see
    # its counts start again (more likely the slower the machine). Its clock stands still here.
    import django_ratelimit.core

    now = time.time()
    monkeypatch.setattr(django_ratelimit.core, "time", SimpleNamespace(time=lambda: now))


@pytest.fixture
def three_per_address(settings):
    settings.JOIN_THROTTLE_ADDRESS = ["3/10m"]
    settings.JOIN_THROTTLE_SESSION = ["100/10m"]


@pytest.mark.django_db
def test_after_three_wrong_codes_even_the_right_one_waits(three_per_address, workshop):
    client = Client()
    for code in WRONG[:3]:
        assert guess(client, code).status_code == 404
    response = guess(client, workshop.join_code)
    assert response.status_code == 429
    assert int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert "Too many wrong codes" in page
    assert re.search(r"Try again in \d+ minutes?\.", page)
    assert workshop.title not in page  # a throttled guess learns nothing


@pytest.mark.django_db
def test_the_throttled_page_speaks_the_persons_language(three_per_address):
    client = Client(headers={"accept-language": "zh-hans"})
    for code in WRONG[:3]:
        guess(client, code)
    response = guess(client, WRONG[3])
    assert response.status_code == 429
    assert '<html lang="zh-hans"' in response.content.decode()


@pytest.mark.django_db
def test_another_address_is_not_held_up(three_per_address, workshop):
    for code in WRONG[:3]:
        guess(Client(REMOTE_ADDR="203.0.113.5"), code)
    assert guess(Client(REMOTE_ADDR="203.0.113.5"), WRONG[4]).status_code == 429
    assert guess(Client(REMOTE_ADDR="203.0.113.6"), workshop.join_code).status_code == 200


@pytest.mark.django_db
def test_a_forged_forwarded_for_changes_nothing_by_default(three_per_address):
    for index, code in enumerate(WRONG[:3]):
        guess(Client(), code, HTTP_X_FORWARDED_FOR=f"198.51.100.{index}")
    assert guess(Client(), WRONG[3], HTTP_X_FORWARDED_FOR="198.51.100.99").status_code == 429


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_address_it_saw_counts(three_per_address, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    # Everyone comes from the proxy's address; the proxy appends the client's.
    for code in WRONG[:3]:
        guess(Client(), code, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7")
    assert guess(Client(), WRONG[3], HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.7").status_code == 429
    assert guess(Client(), WRONG[3], HTTP_X_FORWARDED_FOR="203.0.113.8").status_code == 404


@pytest.mark.django_db
def test_one_browser_session_is_throttled_on_its_own(settings):
    settings.JOIN_THROTTLE_ADDRESS = ["100/10m"]
    settings.JOIN_THROTTLE_SESSION = ["2/10m"]
    browser = Client()
    for code in WRONG[:2]:
        assert guess(browser, code).status_code == 404
    assert guess(browser, WRONG[2]).status_code == 429
    assert guess(Client(), WRONG[2]).status_code == 404  # the same address, another browser


@pytest.mark.django_db
def test_malformed_codes_do_not_count(three_per_address):
    client = Client()
    for _ in range(5):
        assert guess(client, "ab").status_code == 404
    assert guess(client, WRONG[0]).status_code == 404


@pytest.mark.django_db
def test_someone_already_in_goes_straight_to_the_room(three_per_address, workshop, member):
    client = client_for(member.user)
    for code in WRONG[:3]:
        guess(client, code)
    response = guess(client, workshop.join_code)
    assert response.status_code == 302
    assert response["Location"] == reverse("room", args=[workshop.slug])


@pytest.mark.django_db
def test_the_facilitators_room_says_guessing_was_stopped(three_per_address, workshop, facilitator):
    room = client_for(facilitator.user)
    assert "Code guessing stopped" not in room.get(reverse("room", args=[workshop.slug])).content.decode()
    for code in WRONG[:3]:
        guess(Client(), code)
    page = room.get(reverse("room", args=[workshop.slug])).content.decode()
    assert "Code guessing stopped" in page


@pytest.mark.django_db(transaction=True)
async def test_an_open_room_is_told_at_once(three_per_address, workshop, facilitator):
    ws = await join(facilitator.user, workshop)

    @database_sync_to_async
    def guess_three() -> None:
        for code in WRONG[:3]:
            guess(Client(), code)

    await guess_three()
    for _ in range(5):
        event = await next_message(ws, "event")
        if 'id="joining"' in event["html"]:
            break
    assert "Code guessing stopped" in event["html"]
    await ws.disconnect()


@pytest.mark.django_db
def test_the_counts_are_kept_in_the_shared_cache(three_per_address, workshop):
    # Every server process reads the same cache (Redis, or the database): not this process's memory.
    from django.conf import settings
    from django.core.cache import cache

    assert settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1] in {"RedisCache", "DatabaseCache"}
    for code in WRONG[:3]:
        guess(Client(), code)
    assert cache.get("join-guard:stopped") is not None
    assert Workshop.objects.count() == 1
