"""WebSocket routes: the lobby's, and one consumer for group rooms and direct conversations.

Every other path is refused quietly at the handshake: without the last route, Channels'
router raises for it, and each stray or hostile socket would log a traceback.
"""

from django.urls import path, re_path

from chat.consumers import LobbyConsumer, NoSuchSocket, RoomConsumer

websocket_urlpatterns = [
    path("ws/lobby/", LobbyConsumer.as_asgi()),
    path("ws/r/<slug:slug>/", RoomConsumer.as_asgi()),
    path("ws/p/<str:username>/", RoomConsumer.as_asgi()),
    re_path(r"", NoSuchSocket.as_asgi()),
]
