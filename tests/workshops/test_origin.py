"""The websocket's origin check compares scheme, host and port (docs/security.md)."""

from __future__ import annotations

import pytest

from journeymap.asgi import application
from tests.workshops.test_consumer import Communicator, cookie_for

pytestmark = pytest.mark.django_db(transaction=True)


async def connect(user, workshop, origin: bytes | None, host: bytes = b"localhost:8000", extra=()) -> bool:
    headers = [(b"host", host), (b"cookie", f"sessionid={await cookie_for(user)}".encode()), *extra]
    if origin is not None:
        headers.append((b"origin", origin))
    communicator = Communicator(application, f"/ws/workshops/{workshop.slug}/", headers=headers)
    connected, _ = await communicator.connect()
    await communicator.disconnect()
    return connected


async def test_the_sites_own_origin_is_accepted(workshop, member):
    assert await connect(member.user, workshop, b"http://localhost:8000")


@pytest.mark.parametrize(
    "origin",
    [
        b"http://localhost:8001",  # the same host, another port
        b"http://localhost",  # the same host, port 80
        b"https://localhost:8000",  # another scheme
        b"http://evil.example:8000",
        b"null",
    ],
)
async def test_another_origin_is_refused(workshop, member, origin):
    assert not await connect(member.user, workshop, origin)


async def test_no_origin_is_refused(workshop, member):
    assert not await connect(member.user, workshop, None)


async def test_a_host_not_allowed_is_refused_even_with_a_matching_origin(workshop, member):
    assert not await connect(member.user, workshop, b"http://evil.example", host=b"evil.example")


async def test_behind_a_tls_proxy_the_https_origin_is_the_sites(workshop, member, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    proxied = [(b"x-forwarded-proto", b"https")]
    assert await connect(member.user, workshop, b"https://localhost", host=b"localhost", extra=proxied)
    assert not await connect(member.user, workshop, b"http://localhost", host=b"localhost", extra=proxied)
    assert not await connect(
        member.user, workshop, b"https://localhost:8443", host=b"localhost", extra=proxied
    )


async def test_a_trusted_origin_is_accepted_on_its_port_only(workshop, member, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://board.example.com", "https://*.example.org"]
    assert await connect(member.user, workshop, b"https://board.example.com")
    assert await connect(member.user, workshop, b"https://team.example.org")
    assert not await connect(member.user, workshop, b"https://board.example.com:8443")
    assert not await connect(member.user, workshop, b"http://board.example.com")
