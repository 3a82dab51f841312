"""The people of every test: the owner, a co-facilitator, a member, an observer, an outsider."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from workshops.models import Participant, Role, Workshop
from workshops.services import guest_user_create, participant_join, workshop_create

# Property tests judge what the code returns, never how fast: Hypothesis's default 200 ms
# deadline per example and its "too slow" check fail on a busy machine (load average 6 and more).
hypothesis_settings.register_profile("suite", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile("suite")

NEEDS_SERVICES = pytest.mark.skipif(
    not (os.environ.get("DATABASE_URL", "").startswith("postgres") and os.environ.get("REDIS_URL")),
    reason="needs PostgreSQL and Redis: set DATABASE_URL and REDIS_URL",
)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: Any) -> Any:
    # CI sets JOURNEYMAP_NO_SKIPS: a test that could not run there is a failure, not a skip.
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("JOURNEYMAP_NO_SKIPS") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, which must run every test: {report.longrepr}"


@pytest.fixture(autouse=True)
def english() -> Any:
    # A request in Chinese leaves Chinese active in its thread; names saved later (a new map's
    # stages) would follow it. Each test starts in English.
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def fresh_channel_layer() -> Any:
    # Each async test runs on an event loop of its own, but Channels keeps one layer object for
    # the whole process. channels-redis binds that object's receive lock to the loop that first
    # used it, so a lock still held when an earlier test's loop closed fails every later test
    # ("bound to a different event loop"). A layer per test, as a server process has one per loop.
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def fresh_cache() -> Any:
    # The join throttle counts in the cache (workshops/guards.py). The database cache goes with
    # each test's transaction; Redis keeps its counts across tests and runs, so empty it.
    from django.conf import settings

    if "redis" in settings.CACHES["default"]["BACKEND"]:
        from django.core.cache import cache

        cache.clear()
    yield


@pytest.fixture
def owner(db: None) -> Any:
    user = get_user_model().objects.create_user("olivia", password="a-long-password-1", first_name="Olivia")
    return user


@pytest.fixture
def workshop(owner: Any) -> Workshop:
    return workshop_create(owner=owner, title="Camping trip", kind="current", display_name="Olivia")


@pytest.fixture
def facilitator(workshop: Workshop) -> Participant:
    return workshop.participants.select_related("user").get(user=workshop.owner)


def _guest(workshop: Workshop, name: str, role: str = Role.MEMBER) -> Participant:
    participant = participant_join(
        workshop=workshop, user=guest_user_create(display_name=name), display_name=name
    )
    if role != Role.MEMBER:
        participant.role = role
        participant.save(update_fields=["role"])
    return participant


@pytest.fixture
def cofacilitator(workshop: Workshop) -> Participant:
    return _guest(workshop, "Chen", Role.FACILITATOR)


@pytest.fixture
def member(workshop: Workshop) -> Participant:
    return _guest(workshop, "Mia")


@pytest.fixture
def member2(workshop: Workshop) -> Participant:
    return _guest(workshop, "Ravi")


@pytest.fixture
def observer(workshop: Workshop) -> Participant:
    return _guest(workshop, "Otto", Role.OBSERVER)


@pytest.fixture
def outsider(db: None) -> Any:
    return get_user_model().objects.create_user("eve", password="a-long-password-2")


@pytest.fixture
def other_workshop(outsider: Any) -> Workshop:
    return workshop_create(owner=outsider, title="Someone else's", kind="current")


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client
