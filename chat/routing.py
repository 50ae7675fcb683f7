"""WebSocket routes: one consumer serves group rooms and direct conversations."""

from django.urls import path

from chat.consumers import RoomConsumer

websocket_urlpatterns = [
    path("ws/r/<slug:slug>/", RoomConsumer.as_asgi()),
    path("ws/p/<str:username>/", RoomConsumer.as_asgi()),
]
