"""What an upgraded connection keeps of its handshake while the socket is open, and of
itself once it has closed (``chat.serving.daphne_internals``: ``LimitedRequest``'s
``_forget_handshake``, ``ChatWebSocketProtocol``'s ``onOpen`` and ``connectionLost``),
through daphne's own server and a real Twisted HTTP channel.
"""

from __future__ import annotations

import asyncio
import weakref

from daphne.ws_protocol import WebSocketFactory
from twisted.internet import error
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport
from twisted.python import failure

from chat.serving.daphne_internals import HookedServer, LimitedHTTPFactory, LimitedRequest

PEER = IPv4Address("TCP", "127.0.0.1", 50000)


async def upgraded(application, headers: bytes = b"") -> tuple[HookedServer, StringTransport]:
    """A WebSocket upgrade of ``/ws/r/lunch/?q=1`` (with ``headers``) through daphne's
    server and a real HTTP channel, once ``application`` (made by ``accepting``) has
    accepted it: the server and the channel's transport."""
    server = HookedServer(application=application, endpoints=["tcp:0"])
    server.connections = {}
    server.ws_factory = WebSocketFactory(server, server="daphne")  # as run() makes it
    server.ws_factory.setProtocolOptions(allowNullOrigin=True)
    channel = LimitedHTTPFactory(server).buildProtocol(PEER)
    transport = StringTransport(peerAddress=PEER)
    channel.makeConnection(transport)
    channel.dataReceived(
        b"GET /ws/r/lunch/?q=1 HTTP/1.1\r\nHost: chat\r\nUpgrade: websocket\r\n"
        b"Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        b"Sec-WebSocket-Version: 13\r\n" + headers + b"\r\n"
    )
    await application.opened.wait()
    return server, transport


def accepting(check=None):
    """An ASGI application that accepts a socket (after ``check(scope)``), then waits for
    the disconnect; ``opened`` is set once it has accepted."""

    async def application(scope, receive, send) -> None:
        assert (await receive())["type"] == "websocket.connect"
        if check is not None:
            check(scope)
        await send({"type": "websocket.accept"})
        application.opened.set()
        await receive()

    application.opened = asyncio.Event()
    return application


async def test_an_open_socket_keeps_nothing_of_its_handshake_but_the_path() -> None:
    scopes: list[dict] = []

    def check(scope) -> None:
        assert (b"cookie", b"sessionid=abc") in scope["headers"]  # read before accepting
        scopes.append(dict(scope))  # a layer's copy, as middleware makes

    server, transport = await upgraded(accepting(check), b"Cookie: sessionid=abc\r\n")

    assert transport.value().startswith(b"HTTP/1.1 101 ")
    # The upgraded request, which daphne keeps until its application checker runs.
    (request,) = [held for held in server.connections if isinstance(held, LimitedRequest)]
    assert request.transport is None
    assert list(request.requestHeaders.getAllRawHeaders()) == []
    assert request.received_cookies == {}
    (socket,) = server.open_websockets()
    assert socket.request.path == "/ws/r/lunch/"  # daphne's access log reads it at close
    assert socket.http_headers is None
    assert socket.http_request_data is None
    assert scopes[0]["headers"] == []
    server.connections[socket]["application_instance"].cancel()


async def test_a_closed_socket_is_freed_at_once_without_the_collector(no_collector) -> None:
    server, transport = await upgraded(accepting())
    (socket,) = server.open_websockets()
    (request,) = [held for held in server.connections if isinstance(held, LimitedRequest)]
    kept = [weakref.ref(held) for held in (socket, request, request.channel)]
    consumer = server.connections[socket]["application_instance"]

    # The connection is lost as Twisted's TCP connection loses it (``tcp.Connection.
    # connectionLost``): the transport drops its producer (the HTTP channel) and its
    # protocol, then tells the protocol.
    transport.unregisterProducer()
    del transport.protocol
    socket.connectionLost(failure.Failure(error.ConnectionDone()))
    await consumer
    server.connections.clear()  # as daphne's application checker forgets them
    del socket, request, transport, consumer

    assert [held() for held in kept] == [None, None, None]
