from __future__ import annotations

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "journeymap.settings")
# Django must be set up before anything imports models (the consumers do).
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from journeymap.origin import SameOriginValidator  # noqa: E402
from workshops.routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        # The Origin is checked for scheme, host and port (journeymap/origin.py).
        "websocket": SameOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)


# Python's cycle collector runs a young pass every 700 net allocations of tracked objects: under
# the play's load that was 250 passes in 30 s, 0.7 ms each, in the middle of ops. Almost all of
# an op's objects are freed by reference counting, so a pass every 50,000 net allocations finds
# the same garbage: under play the server then ran 3 passes instead of 280 (docs/decisions.md,
# "The cycle collector"). 0 keeps Python's thresholds.
GC_THRESHOLD = (50_000, 20, 10)


def _settle(threshold: int) -> None:
    """Compile the live templates now, then keep everything made so far out of the cycle
    collector's full passes (`gc.freeze`): Django's apps, models, URLs and templates live as
    long as the process, yet each full collection scanned them all, pausing every socket of
    the process for 50–110 ms under load; frozen, a full pass takes 20–30 ms
    (docs/decisions.md, "The cycle collector"). Nothing is given up: frozen objects are merely not
    scanned for cycles. Then the collector runs less often (`GC_THRESHOLD`).
    """
    from django.template.loader import get_template

    for name in ("maps/board.html", "workshops/room.html"):
        get_template(name)
    gc.collect()
    gc.freeze()
    if threshold:
        gc.set_threshold(threshold, *GC_THRESHOLD[1:])


if os.environ.get("JOURNEYMAP_GC_FREEZE", "1") == "1":
    _settle(int(os.environ.get("JOURNEYMAP_GC_THRESHOLD", GC_THRESHOLD[0])))
