"""The websocket's origin check: scheme, host and port, as a browser means "same origin".

Channels' AllowedHostsOriginValidator compares host names only, so a page served from the same
host on another port (another app, a forgotten dev server) could open the room's socket with
the visitor's cookies. Here the Origin must equal the site the socket was opened on (the Host
header, its scheme, its port) or be one of `CSRF_TRUSTED_ORIGINS`, as Django asks of a form.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import is_same_domain, split_domain_port, validate_host

DEFAULT_PORTS = {"http": 80, "https": 443}
Origin = tuple[str, str, int]  # scheme, host, port


def parse_origin(value: str) -> Origin | None:
    try:
        parsed = urlsplit(value.strip())
        port = parsed.port
    except ValueError:
        return None
    if parsed.scheme not in DEFAULT_PORTS or not parsed.hostname:
        return None
    return parsed.scheme, parsed.hostname.lower(), port or DEFAULT_PORTS[parsed.scheme]


def _secure(scope: dict[str, Any], headers: dict[bytes, bytes]) -> bool:
    if scope.get("scheme") == "wss":
        return True
    proxy = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if not proxy:
        return False
    name, expected = proxy
    header = name.removeprefix("HTTP_").lower().replace("_", "-").encode()
    value = headers.get(header, b"").decode("latin-1").split(",")[0].strip()
    return value == expected


def site_origin(scope: dict[str, Any]) -> Origin | None:
    """The origin of the page that should be talking to us: the socket's own, from its Host."""
    headers = dict(scope.get("headers", []))
    domain, port = split_domain_port(headers.get(b"host", b"").decode("latin-1"))
    if not domain or not validate_host(domain, settings.ALLOWED_HOSTS):
        return None
    scheme = "https" if _secure(scope, headers) else "http"
    return scheme, domain.strip("[]"), int(port) if port else DEFAULT_PORTS[scheme]


def trusted(origin: Origin) -> bool:
    for entry in settings.CSRF_TRUSTED_ORIGINS:
        scheme, _, rest = entry.partition("://")
        wildcard = rest.startswith("*.")
        pattern = parse_origin(f"{scheme}://{rest[2:] if wildcard else rest}")
        if pattern is None or pattern[0] != origin[0] or pattern[2] != origin[2]:
            continue
        if origin[1] == pattern[1] or (wildcard and is_same_domain(origin[1], "." + pattern[1])):
            return True
    return False


def allowed(scope: dict[str, Any]) -> bool:
    values = [value for name, value in scope.get("headers", []) if name == b"origin"]
    if len(values) != 1:
        return False  # browsers always send one; none or several is not a page of ours
    origin = parse_origin(values[0].decode("latin-1"))
    if origin is None:
        return False
    return origin == site_origin(scope) or trusted(origin)


class SameOriginValidator:
    """ASGI middleware: refuse the handshake of a socket whose Origin is not the site's."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] == "websocket" and not allowed(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
