"""The floor: the cheapest consumer that does the live path's job of fanning a message out.

It accepts every socket (no session, no membership check), joins the group named by the
URL's slug, forwards every text frame it receives to the group as is (no parsing, no
validation, no database), and each socket sends what the group gives it. Whatever the
real app costs above this is the price of checking, persisting, numbering and rendering.

Served like the app, on the same channel layer (settings: in-memory, or channels-redis
when REDIS_URL is set):

    DJANGO_SETTINGS_MODULE=journeymap.settings python -m daphne -p 8001 bench.floor:application
"""

from __future__ import annotations

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "journeymap.settings")
django.setup()  # only for settings.CHANNEL_LAYERS; no model is touched

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402

SNAPSHOT = '{"type": "snapshot", "seq": 0, "html": ""}'


class FloorConsumer(AsyncWebsocketConsumer):
    async def connect(self) -> None:
        self.group = "floor-" + self.scope["url_route"]["kwargs"]["slug"]
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send(text_data=SNAPSHOT)  # the load generator waits for one, as with the app

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        await self.channel_layer.group_send(self.group, {"type": "floor.forward", "text": text_data})

    async def floor_forward(self, event: dict) -> None:
        await self.send(text_data=event["text"])


application = ProtocolTypeRouter(
    {"websocket": URLRouter([path("ws/workshops/<str:slug>/", FloorConsumer.as_asgi())])}
)
