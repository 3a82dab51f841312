from __future__ import annotations

from django.urls import path

from workshops.consumers import RoomConsumer

websocket_urlpatterns = [
    path("ws/workshops/<slug:slug>/", RoomConsumer.as_asgi()),
]
