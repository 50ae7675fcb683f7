"""The WebSocket protocol the server runs (chat.server.ChatWebSocketProtocol)."""

from __future__ import annotations

from chat.server import ChatWebSocketProtocol


def closing_socket() -> ChatWebSocketProtocol:
    """A protocol whose peer has sent its close frame: the connection is not gone yet."""
    protocol = ChatWebSocketProtocol.__new__(ChatWebSocketProtocol)
    protocol.state = protocol.STATE_CLOSING
    protocol.client_addr = ("127.0.0.1", 50000)
    return protocol


def test_a_message_sent_to_a_closing_socket_is_dropped_not_raised():
    # autobahn raises Disconnected here; a room message fanned out to every local
    # socket meets such sockets whenever someone closes a tab.
    closing_socket().serverSend("<div id='messages'></div>")
