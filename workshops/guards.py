"""The doors: who a client is, how many wrong join codes it may try, and the marks that keep a
removed person out (docs/security.md).

Wrong codes are counted with django-ratelimit on Django's cache (Redis when configured, else a
table in the database: settings.CACHES), so every server process sees the same counts. Logins
are counted by django-axes; only its lockout page is drawn here.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import secrets
import time
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_ratelimit.core import get_usage
from redis.exceptions import RedisError

# The cache could not be reached (Redis away): wrong codes cannot be counted just now.
CACHE_DOWN = (RedisError, OSError)

GROUP = "join-code"
# When guessing was last stopped (a timestamp), and the lock that tells the rooms at most once
# a minute however many clients are stopped.
STOPPED_KEY = "join-guard:stopped"
TOLD_KEY = "join-guard:told"
STOPPED_SHOWN_FOR = 24 * 60 * 60
BROWSER_KEY = "journeymap_browser"
logger = logging.getLogger(__name__)


def client_address(request: HttpRequest) -> str:
    """The client's address: the one that connected, or behind `TRUSTED_PROXY_HOPS` proxies
    that each append to X-Forwarded-For, the one the outermost proxy saw. Entries further left
    were written by the client and prove nothing."""
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_HOPS
    if hops <= 0:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < hops:
        return remote  # fewer proxies than configured: the nearest one is all we know
    candidate = forwarded[-hops]
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return remote
    return candidate


# -- wrong join codes --------------------------------------------------------------------------


def _session_key(group: str, request: HttpRequest) -> str:
    return request.session.session_key or ""


def _rules(request: HttpRequest) -> list[tuple[Any, str]]:
    rules: list[tuple[Any, str]] = [("ip", rate) for rate in settings.JOIN_THROTTLE_ADDRESS]
    if request.session.session_key:  # a client that keeps no cookies is counted by address only
        rules += [(_session_key, rate) for rate in settings.JOIN_THROTTLE_SESSION]
    return rules


def join_wait(request: HttpRequest) -> int | None:
    """Seconds until this client may look up another code; 0 when it may now; None when the
    counts cannot be read (no code is looked up uncounted: `join_paused`)."""
    try:
        return _join_wait(request)
    except CACHE_DOWN as error:
        logger.warning("Join codes cannot be counted, the cache is unavailable: %s", error)
        return None


def _join_wait(request: HttpRequest) -> int:
    wait = 0
    for key, rate in _rules(request):
        usage = get_usage(request, group=GROUP, key=key, rate=rate)
        if usage is None:
            continue  # RATELIMIT_ENABLE is off
        if usage["time_left"] < 0:
            wait = max(wait, 60)  # the cache did not answer: closed, not open
        elif usage["count"] >= usage["limit"]:
            wait = max(wait, usage["time_left"], 1)
    return wait


def count_miss(request: HttpRequest) -> None:
    """Count a code that named no workshop, against the address and the browser session."""
    browser_mark(request, create=True)
    if not request.session.session_key:
        request.session.save()  # so that the session's own count starts with this miss
    stopped = False
    try:
        for key, rate in _rules(request):
            usage = get_usage(request, group=GROUP, key=key, rate=rate, increment=True)
            stopped |= usage is not None and usage["count"] == usage["limit"]
        if stopped:
            _note_stopped()
    except CACHE_DOWN as error:  # gone since `join_wait` read it; the next lookup is paused
        logger.warning("A wrong join code was not counted, the cache is unavailable: %s", error)


def _note_stopped() -> None:
    cache.set(STOPPED_KEY, time.time(), STOPPED_SHOWN_FOR)
    if cache.add(TOLD_KEY, 1, 60):
        from workshops import services  # services import this module's neighbours

        services.join_guard_tell()


def last_stopped() -> datetime | None:
    """When guessing of join codes was last stopped (within a day), for the facilitators."""
    try:
        stamp = cache.get(STOPPED_KEY)
    except CACHE_DOWN:
        return None  # a note for the facilitators, not worth a failed page
    return datetime.fromtimestamp(stamp, tz=UTC) if stamp else None


def join_paused(request: HttpRequest) -> HttpResponse:
    """The counts of wrong codes cannot be read: no code is looked up for now."""
    response = render(request, "workshops/join_paused.html", status=503)
    response["Retry-After"] = "30"
    return response


def join_throttled(request: HttpRequest, wait: int) -> HttpResponse:
    minutes = max(1, math.ceil(wait / 60))
    response = render(request, "workshops/join_throttled.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(wait)
    return response


# -- the browser's mark --------------------------------------------------------------------------


def browser_mark(request: HttpRequest, *, create: bool = False) -> str:
    """A random mark of this browser, kept in its session and in a signed cookie of its own
    (`keep_mark`), so that logging out, which empties the session, does not wash it off."""
    mark = request.session.get(BROWSER_KEY) or request.get_signed_cookie(
        BROWSER_KEY, default="", salt=BROWSER_KEY
    )
    if not mark and create:
        mark = secrets.token_hex(16)
    if mark and request.session.get(BROWSER_KEY) != mark:
        request.session[BROWSER_KEY] = mark
    return mark


def keep_mark(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    mark = request.session.get(BROWSER_KEY)
    if mark:
        response.set_signed_cookie(
            BROWSER_KEY,
            mark,
            salt=BROWSER_KEY,
            max_age=settings.SESSION_COOKIE_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    return response


# -- logins (django-axes) -----------------------------------------------------------------------


def login_locked_out(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials: Any = None
) -> HttpResponse:
    """django-axes's lockout, as a page in the person's language (AXES_LOCKOUT_CALLABLE)."""
    wait = int(settings.AXES_COOLOFF_TIME.total_seconds())
    minutes = max(1, math.ceil(wait / 60))
    response = render(request, "registration/locked_out.html", {"minutes": minutes}, status=429)
    response["Retry-After"] = str(wait)
    return response
