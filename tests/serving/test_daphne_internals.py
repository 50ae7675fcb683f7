"""What the server needs of daphne, Twisted and autobahn beyond their public API
(``chat.serving.daphne_internals``), checked on the installed versions.

Each test drives one of the module's touches through the library's own code (a real
``Server.run``, a real HTTP channel, a real autobahn protocol, a real TCP connection), so
an upgrade that renames, removes or reshapes what the module relies on fails here, with
the touch named, rather than in production. When one fails, read the new version of the
library where the test points, and adapt the module (and its docstring) to it.
"""

from __future__ import annotations

import asyncio
import inspect
import socket

import daphne.server
import pytest
from autobahn.twisted.websocket import WebSocketServerFactory
from daphne.cli import CommandLineInterface
from daphne.http_protocol import WebRequest
from twisted.internet import defer, reactor, tcp
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport
from twisted.web import http

from chat.serving.body_limit import most_body_bytes
from chat.serving.daphne_internals import (
    ChatWebSocketFactory,
    ChatWebSocketProtocol,
    HookedServer,
    LimitedHTTPFactory,
    LimitedRequest,
    adopt_fd_endpoints,
    prepared_text,
    write_now,
)
from chat.serving.input_queue import InputQueue

PEER = IPv4Address("TCP", "127.0.0.1", 50000)


def parameters(function) -> list[str]:
    return list(inspect.signature(function).parameters)


def socket_on_a_string(state: int | None = None) -> ChatWebSocketProtocol:
    """Our protocol as autobahn sets it up on a new connection, writing to a string."""
    protocol = ChatWebSocketProtocol()
    protocol.factory = WebSocketServerFactory()
    protocol.makeConnection(StringTransport(peerAddress=PEER))
    if state is not None:
        protocol.state = state
    return protocol


# --- daphne ------------------------------------------------------------------------------


def test_daphnes_command_line_builds_the_server_from_a_replaceable_class() -> None:
    assert CommandLineInterface.server_class is daphne.server.Server
    assert parameters(CommandLineInterface.run) == ["self", "args"]
    # The access log arrives as the server's ``action_logger`` (chat.serving.server).
    assert "action_logger" in parameters(daphne.server.Server)
    assert "signal_handlers" in parameters(daphne.server.Server)


def test_daphnes_run_builds_its_factories_and_endpoints_where_the_hooks_catch_them(
    monkeypatch,
) -> None:
    listened: list = []

    class Port:
        def getHost(self):
            return PEER

    class Endpoint:
        def listen(self, factory):
            listened.append(factory)
            return defer.succeed(Port())

    # Everything of run() that would reach past this test: the reactor, Twisted's global
    # log, the thread's event loop. The endpoint is looked up by its module-level name.
    monkeypatch.setattr(reactor, "run", lambda **_: None)
    monkeypatch.setattr(reactor, "callLater", lambda *_, **__: None)
    monkeypatch.setattr(reactor, "addSystemEventTrigger", lambda *_: None)
    monkeypatch.setattr(daphne.server.globalLogBeginner, "beginLoggingTo", lambda *_, **__: None)
    monkeypatch.setattr(asyncio, "set_event_loop", lambda _: None)
    monkeypatch.setattr(daphne.server, "serverFromString", lambda _, __: Endpoint())
    server = HookedServer(application=None, endpoints=["tcp:0"])

    server.run()

    assert type(server.http_factory) is LimitedHTTPFactory
    assert listened == [server.http_factory]
    assert issubclass(server.ws_factory.protocol, ChatWebSocketProtocol)
    # Its options are its protocol class's: no socket copies them (CONFIG_ATTRS).
    assert server.ws_factory.protocol.allowNullOrigin is True
    assert server.ws_factory.protocol.CONFIG_ATTRS == ()
    assert [type(port) for port in server.ports] == [Port]  # through listen_success
    assert server.connections == {}


async def test_daphne_records_each_connection_as_the_stopping_server_reads_it() -> None:
    finish = asyncio.Event()

    async def application(scope, receive, send) -> None:
        await finish.wait()

    server = HookedServer(application=application, endpoints=["tcp:0"])
    server.connections = {}  # as run() starts
    protocol = socket_on_a_string(ChatWebSocketProtocol.STATE_OPEN)

    server.protocol_connected(protocol)
    assert server.open_websockets() == [protocol]
    assert server.busy()  # not disconnected yet
    server.create_application(protocol, {"type": "websocket"})
    protocol.state = protocol.STATE_CLOSED
    server.protocol_disconnected(protocol)
    assert server.open_websockets() == []
    assert server.busy()  # its consumer is still running
    finish.set()
    await server.connections[protocol]["application_instance"]
    assert not server.busy()


async def test_a_sockets_input_is_a_small_queue_and_a_requests_is_daphnes() -> None:
    received: list = []

    async def application(scope, receive, send) -> None:
        received.append(await receive())

    server = HookedServer(application=application, endpoints=["tcp:0"])
    server.connections = {}
    socket, request = socket_on_a_string(), socket_on_a_string()
    server.protocol_connected(socket)
    server.protocol_connected(request)

    queue = server.create_application(socket, {"type": "websocket"})
    queue.put_nowait({"type": "websocket.connect"})  # as daphne's applicationCreateWorked
    await server.connections[socket]["application_instance"]

    assert type(queue) is InputQueue
    assert received == [{"type": "websocket.connect"}]
    assert type(server.create_application(request, {"type": "http"})) is asyncio.Queue
    server.connections[request]["application_instance"].cancel()


def test_daphnes_fd_endpoint_is_adopted_with_its_own_family(monkeypatch) -> None:
    monkeypatch.setattr(daphne.server, "serverFromString", daphne.server.serverFromString)

    adopt_fd_endpoints()
    endpoint = daphne.server.serverFromString(reactor, "fd:fileno=99:domain=INET6")

    assert endpoint.addressFamily == socket.AF_INET6  # Twisted's own parser: "INET6"


def test_a_body_over_the_limit_is_answered_413_through_daphnes_reply(settings) -> None:
    settings.CHAT_UPLOAD_MAX_BYTES = 10
    logged: list[dict] = []
    server = daphne.server.Server(
        application=None,
        endpoints=["tcp:0"],
        action_logger=lambda protocol, action, details: logged.append(details),
    )
    server.connections = {}
    channel = LimitedHTTPFactory(server).buildProtocol(PEER)
    assert channel.requestFactory is LimitedRequest
    transport = StringTransport(peerAddress=PEER)
    channel.makeConnection(transport)
    size = most_body_bytes() + 1

    channel.dataReceived(
        b"POST /r/lunch/attachments HTTP/1.1\r\nHost: chat\r\n"
        b"Content-Length: %d\r\n\r\n" % size + b"x" * size
    )

    assert transport.value().startswith(b"HTTP/1.1 413 ")
    assert b"Files are at most 10 bytes; this upload is 1.0 MB." in transport.value()
    # daphne's access log names the client, from the address process() would have set.
    assert logged == [
        {
            "path": "/r/lunch/attachments",
            "status": 413,
            "method": "POST",
            "client": "127.0.0.1:50000",
            "time_taken": logged[0]["time_taken"],
            "size": logged[0]["size"],
        }
    ]


def test_twisteds_request_hooks_keep_their_shape() -> None:
    assert parameters(http.Request.gotLength) == ["self", "length"]
    assert parameters(http.Request.handleContentChunk) == ["self", "data"]
    assert parameters(WebRequest.process) == ["self"]
    assert parameters(WebRequest.handle_reply) == ["self", "message"]
    assert "self.client_addr = None" in inspect.getsource(WebRequest.__init__)


# --- autobahn ----------------------------------------------------------------------------


def test_a_socket_reads_its_options_from_its_class_and_copies_none() -> None:
    factory = ChatWebSocketFactory(None, server="daphne")
    factory.setProtocolOptions(allowNullOrigin=True, autoPingTimeout=7)
    protocol = factory.buildProtocol(PEER)
    protocol.makeConnection(StringTransport(peerAddress=PEER))

    assert isinstance(protocol, ChatWebSocketProtocol)
    copied = set(WebSocketServerFactory.protocol.CONFIG_ATTRS) & set(vars(protocol))
    assert copied == set()
    assert (protocol.allowNullOrigin, protocol.autoPingTimeout) == (True, 7)
    # An option that is a function is called as the factory's, not bound to the socket.
    assert protocol.perMessageCompressionAccept([]) is None


def test_autobahns_protocol_has_what_the_direct_send_reads() -> None:
    protocol = socket_on_a_string()

    assert protocol._perMessageCompress is None
    assert len(protocol.send_queue) == 0
    assert protocol.trafficStats.outgoingOctetsWireLevel == 0
    assert parameters(protocol.sendData)[0] == "data"
    assert {"code", "isReply"} <= set(parameters(protocol.sendCloseFrame))
    assert {protocol.STATE_OPEN, protocol.STATE_CLOSING, protocol.STATE_CLOSED} == {3, 2, 0}


def test_a_text_message_is_written_as_one_prepared_frame_and_counted() -> None:
    protocol = socket_on_a_string(ChatWebSocketProtocol.STATE_OPEN)

    protocol.serverSend("hi")

    assert protocol.transport.value() == b"\x81\x02hi"
    assert protocol.trafficStats.outgoingOctetsWireLevel == 4


@pytest.mark.parametrize("code", [1003, 1009, 1012, 4401])
def test_every_code_a_server_may_send_is_sent_as_it_is(code: int) -> None:
    protocol = socket_on_a_string(ChatWebSocketProtocol.STATE_OPEN)

    protocol.serverClose(code=code)

    assert protocol.transport.value() == b"\x88\x02" + code.to_bytes(2, "big")
    assert protocol.state == protocol.STATE_CLOSING


def test_a_message_to_many_sockets_is_framed_once() -> None:
    factory = WebSocketServerFactory()
    html = "<article id='message-1'>héllo</article>"
    frame = prepared_text(factory, html)
    assert prepared_text(factory, html) is frame  # the next socket reuses it
    payload = html.encode()
    assert frame.payloadHybi == bytes([0x81, len(payload)]) + payload  # one text frame
    assert prepared_text(factory, "<p>another</p>") is not frame


def test_a_message_sent_to_a_closing_socket_is_dropped_not_raised() -> None:
    # autobahn raises Disconnected here; a room message fanned out to every local
    # socket meets such sockets whenever someone closes a tab.
    protocol = ChatWebSocketProtocol.__new__(ChatWebSocketProtocol)
    protocol.state = protocol.STATE_CLOSING
    protocol.client_addr = ("127.0.0.1", 50000)

    protocol.serverSend("<div id='messages'></div>")


# --- Twisted -----------------------------------------------------------------------------


class WatchingReactor:
    """Just enough of a reactor for one connection: it notes who asked to be written."""

    def __init__(self) -> None:
        self.writers: set = set()

    def addWriter(self, writer) -> None:
        self.writers.add(writer)

    def removeWriter(self, writer) -> None:
        self.writers.discard(writer)


def _read_all(peer: socket.socket) -> bytes:
    got = b""
    while True:
        try:
            chunk = peer.recv(1 << 20)
        except BlockingIOError:
            return got
        got += chunk


def test_twisteds_connection_has_the_write_buffer_write_now_reads() -> None:
    ours, peer = socket.socketpair()
    transport = tcp.Connection(ours, None, reactor=WatchingReactor())

    assert transport._tempDataBuffer == []
    assert transport.dataBuffer == b""
    assert transport.offset == 0
    assert transport._writeDisconnected is False
    assert parameters(transport.writeSomeData) == ["data"]
    ours.close()
    peer.close()


def test_a_frame_is_written_at_once_and_a_slow_reader_gets_every_byte_in_order() -> None:
    ours, peer = socket.socketpair()
    ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    peer.setblocking(False)
    watching = WatchingReactor()
    transport = tcp.Connection(ours, None, reactor=watching)
    transport.connected = True

    write_now(transport, b"small")
    # Out already, with no turn of the event loop and no writer registered.
    assert peer.recv(100) == b"small"
    assert not watching.writers

    frames = [bytes([n]) * 300_000 for n in range(1, 4)]  # far more than the buffer
    received = b""
    for frame in frames:
        write_now(transport, frame)
        # The reader takes what the kernel holds: its buffer has room again, but what
        # Twisted still holds of the frame before must go first.
        received += _read_all(peer)
    assert transport in watching.writers  # the rest waits for Twisted's own write path
    while transport in watching.writers:
        transport.doWrite()
        received += _read_all(peer)
    assert received == b"".join(frames)
    ours.close()
    peer.close()
