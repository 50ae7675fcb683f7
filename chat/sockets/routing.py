"""WebSocket routes: the lobby's, a conversation page's sidebar's, and one consumer for
group rooms and direct conversations.

Every other path is refused quietly at the handshake: without the last route, Channels'
router raises for it, and each stray or hostile socket would log a traceback.
"""

from channels.generic.websocket import AsyncWebsocketConsumer
from django.urls import path, re_path

from chat.links import ADDRESSES
from chat.sockets.consumers import RoomConsumer
from chat.sockets.lobby import LobbyConsumer, SidebarConsumer


class NoSuchSocket(AsyncWebsocketConsumer):
    """Any other socket path: refused at the handshake, quietly (no route, no traceback)."""

    channel_layer_alias = None

    async def connect(self) -> None:
        """Called when a socket asks to open at an address that serves none."""
        await self.close()


websocket_urlpatterns = [
    path("ws/lobby/", LobbyConsumer.as_asgi()),
    path("ws/sidebar/", SidebarConsumer.as_asgi()),
    *[path(f"ws/{address.pattern()}", RoomConsumer.as_asgi()) for address in ADDRESSES],
    re_path(r"", NoSuchSocket.as_asgi()),
]
