"""Everything the server needs of daphne, Twisted and autobahn beyond their public API.

daphne's public API is its command line and the ASGI application it runs;
``chat.serving.server`` runs daphne through it and reaches past it only through this
module. Each touch, and why the chat needs it:

daphne

- ``CommandLineInterface.server_class``, called by ``run`` with every option as a
  keyword: replaced (:func:`run_command_line`) so that the server is ours.
- ``Server.run`` builds its factories as ``self.http_factory`` and ``self.ws_factory``,
  with no option to choose their classes: :class:`HookedServer` catches both assignments,
  so every request is a :class:`LimitedRequest` and every socket a
  :class:`ChatWebSocketProtocol`, built by a :class:`ChatWebSocketFactory` made again
  from the one daphne made (its ``server_class`` and autobahn's ``server`` name).
- ``Server.create_application(protocol, scope)``, which starts an application and
  returns its input queue (``put_nowait`` by daphne, ``get`` as the application's
  ``receive``): overridden so that a socket's queue is a small :class:`InputQueue`.
- ``Server.listen_success(port)`` is where a listening port arrives: kept, so that a
  stopping server stops accepting on it.
- ``Server.connections`` maps each protocol to ``{"disconnected": time,
  "application_instance": future}``: read to find the open sockets to close when
  stopping, and whether a consumer or a request is still running.
- ``daphne.server.serverFromString`` (the name ``run`` calls): replaced by
  :func:`adopt_fd_endpoints`, since daphne's ``fd:`` endpoints pass ``domain=`` to
  Twisted as text, which only works for AF_INET; an IPv6 socket needs the constant.
- ``WebSocketProtocol.serverSend`` and ``serverClose``, where a consumer's ``send`` and
  ``close`` end: overridden for the close codes and the write path below.
- ``WebSocketProtocol.request``, autobahn's ``ConnectionRequest``, of which daphne reads
  only ``path`` once the socket is open (``onOpen``, ``onClose``): replaced by the path
  alone when it opens, with autobahn's ``http_request_data`` and ``http_headers``, read
  only by the handshake.
- ``WebRequest.process`` hands an upgrade to the WebSocket and sets the request's
  ``transport`` to None: such a request drops its headers, cookies, arguments and body,
  and leaves the channel's ``requests``, where Twisted would keep it for as long as the
  socket is open (the channel and the request holding each other: a cycle that outlives
  the socket until the collector's next full pass).
- ``WebRequest.handle_reply`` (how daphne writes an ASGI message to Twisted) and
  ``client_addr`` (what its access log prints): used to answer an over-large body
  with 413 before the application sees it.

autobahn

- ``CONFIG_ATTRS``, the options ``_connectionMade`` copies from the factory onto each new
  protocol unless the protocol has them already (and formats the list for a debug line):
  a factory's options are class attributes of its protocol class instead
  (:meth:`ChatWebSocketFactory.setProtocolOptions`), so no socket copies them.
- ``sendCloseFrame(code=, isReply=False)``: daphne closes through ``sendClose``, which
  only accepts 1000 and 3000-4999, so 1012 ("service restart") on stopping, and the
  consumer's 1003 (binary frame) and 1009 (frame too big) raised and reached the
  browser as 1011. Every code a server may send (RFC 6455 7.4) goes through as it is.
- ``factory.prepareMessage(payload).payloadHybi``: a message framed once for all the
  sockets of a room, where autobahn would encode and frame it again for each.
- ``_perMessageCompress``, ``send_queue``, ``sendData`` and
  ``trafficStats.outgoingOctetsWireLevel``: a prepared frame is written directly only
  when the socket compresses nothing and autobahn queues nothing before it, and its
  bytes are counted as autobahn counts its own.
- ``STATE_OPEN``, ``STATE_CLOSING``, ``STATE_CLOSED`` and ``state``: what a socket is
  doing; a message fanned out to one that is closing is dropped, where autobahn raises.
- ``is_closed``, a Deferred autobahn resolves with the protocol itself when the socket
  closes: replaced once the connection is lost, so a closed socket is freed by reference
  counting rather than by a full pass of the collector.

Twisted

- ``tcp.Connection``'s write buffer (``_tempDataBuffer``, ``dataBuffer``, ``offset``,
  ``_writeDisconnected``) and ``writeSomeData``: :func:`write_now` writes to the socket
  at once when nothing waits before it, instead of on the loop's next turn.

``tests/serving/test_daphne_internals.py`` checks each of these names and shapes on the installed
versions, so an upgrade that renames or removes one fails there, not in production;
``tests/serving/test_socket_lifetime.py`` what a socket keeps of its handshake, and of
itself once closed.
"""

from __future__ import annotations

import asyncio
import socket
from functools import partial

# daphne.server installs Twisted's asyncio reactor when imported: these daphne imports
# (sorted before twisted's) make sure that happens before anything else.
import daphne.server as daphne_server
from daphne.cli import CommandLineInterface
from daphne.http_protocol import HTTPFactory, WebRequest
from daphne.ws_protocol import WebSocketFactory, WebSocketProtocol
from twisted.internet import defer, tcp
from twisted.internet.endpoints import AdoptedStreamServerEndpoint, serverFromString
from twisted.web.http_headers import Headers

from chat.serving.body_limit import cut_off_bytes, most_body_bytes, refusal
from chat.serving.input_queue import InputQueue

#: Close codes a server may send (RFC 6455 7.4.1 and the IANA registry, 1004-1006 and
#: 1015 being reserved), and the ranges for libraries and applications.
SENDABLE_CLOSE_CODES = frozenset([1000, 1001, 1002, 1003, *range(1007, 1015)])


class _Handshook:
    """What is kept of a socket's handshake request once it is open: its path."""

    __slots__ = ("path",)

    def __init__(self, path: str) -> None:
        self.path = path


class ChatWebSocketProtocol(WebSocketProtocol):
    """daphne's WebSocket protocol, able to send every valid close code, writing a
    prepared frame at once, and dropping sends to a socket that is already closing."""

    def serverSend(self, content, binary: bool = False) -> None:
        # daphne drops what is sent to a socket once it has closed, but between the
        # peer's close frame and the connection's end autobahn raises instead; a
        # message fanned out in that moment (chat.broadcast.fanout) is not an error.
        if self.state in (self.STATE_CLOSING, self.STATE_CLOSED):
            return
        if binary or self.state != self.STATE_OPEN or self._perMessageCompress is not None:
            super().serverSend(content, binary)
            return
        frame = prepared_text(self.factory, content).payloadHybi
        if self.send_queue:  # autobahn's own queue, for chopped sends: keep the order
            self.sendData(frame)
            return
        write_now(self.transport, frame)
        self.trafficStats.outgoingOctetsWireLevel += len(frame)

    def onOpen(self) -> None:
        """The handshake is done: daphne logs it; then its copies of the request go:
        autobahn's raw request and parsed headers, daphne's ``ConnectionRequest``, of which
        only the path is read again (its access log), and the scope's headers, which the
        application read as it decided to accept (the origin, the session cookie). The
        headers list is emptied in place: each layer's copy of the scope shares it."""
        super().onOpen()
        self.http_request_data = self.http_headers = None
        self.request = _Handshook(self.request.path)
        self.clean_headers.clear()

    def connectionLost(self, reason) -> None:
        """The connection is gone: autobahn's handling, then the socket lets go of itself.

        autobahn resolves its ``is_closed`` Deferred with the protocol, so the protocol
        holds a Deferred that holds the protocol: a cycle, which only the collector's
        next full pass frees, with everything the socket held (about 50 objects). Nothing
        waits on ``is_closed`` here; a fresh, resolved one takes its place, and the closed
        socket goes at once, by reference counting."""
        super().connectionLost(reason)
        self.is_closed = defer.succeed(None)

    def serverClose(self, code: int | None = None) -> None:
        code = 1000 if code is None else code
        if code in SENDABLE_CLOSE_CODES or 3000 <= code <= 4999:
            self.sendCloseFrame(code=code, isReply=False)
        else:
            super().serverClose(code=code)  # autobahn refuses it, as before


class ChatWebSocketFactory(WebSocketFactory):
    """daphne's WebSocket factory, whose protocols read its options from their class.

    autobahn copies some 40 options from the factory onto every new protocol, each one an
    entry of the socket's ``__dict__`` for as long as it is open, and formats the list for
    a debug line nobody reads: a tenth of a connect's CPU. Here each setting of the options
    makes a protocol class holding them as class attributes, with nothing left to copy.
    """

    protocol = ChatWebSocketProtocol

    def setProtocolOptions(self, **options) -> None:
        """Set autobahn's options (as its own does); its protocols hold them from now on."""
        super().setProtocolOptions(**options)
        held = {
            # An option that is a function (``perMessageCompressionAccept``) must not be
            # bound to the socket as a method.
            name: staticmethod(value) if callable(value) else value
            for name in ChatWebSocketProtocol.CONFIG_ATTRS
            for value in [getattr(self, name)]
        }
        self.protocol = type(
            ChatWebSocketProtocol.__name__,
            (ChatWebSocketProtocol,),
            {**held, "CONFIG_ATTRS": (), "__module__": __name__},
        )


#: The text last framed by ``prepared_text`` and its frame.
_last_prepared: tuple[object, object] = (None, None)


def prepared_text(factory, text: str):
    """``text`` framed as a WebSocket message once, however many sockets it goes to.

    The fan-out (``chat.broadcast.fanout``) hands one string object to every socket of a room in
    turn, so remembering the last one framed is enough: each socket after the first
    writes the same bytes, where autobahn would encode and frame the text for each.
    Holding the string keeps its identity from being reused by another.
    """
    global _last_prepared
    last_text, last_frame = _last_prepared
    if text is last_text:
        return last_frame
    frame = factory.prepareMessage(text.encode("utf8"))
    _last_prepared = (text, frame)
    return frame


def write_now(transport, data: bytes) -> None:
    """Write ``data`` to a TCP connection at once if nothing is waiting before it.

    Twisted's ``write`` only buffers and asks the reactor to watch the socket; the bytes
    leave on the loop's next turn, after an ``epoll_ctl`` to watch and another to stop.
    A message to a room of N sockets paid that N times and reached the first socket only
    after the last was queued. Here the socket is written to directly when its buffers
    are empty (the usual case: a page reads as fast as the chat writes); whatever the
    kernel does not take (a slow reader), or an error, goes through Twisted's ``write``
    as before, which then keeps the order, pauses producers and handles the loss.
    """
    if (
        isinstance(transport, tcp.Connection)
        and transport.connected
        and not transport._writeDisconnected
        and not transport._tempDataBuffer
        and len(transport.dataBuffer) == transport.offset
    ):
        sent = transport.writeSomeData(data)
        if isinstance(sent, int) and sent > 0:
            if sent == len(data):
                return
            data = data[sent:]
    transport.write(data)


class LimitedRequest(WebRequest):
    """daphne's HTTP request, keeping no body larger than ``most_body_bytes``
    (``chat.serving.body_limit``): its bytes are read and dropped, the request is
    answered 413, and a body that goes on past ``cut_off_bytes`` has its connection cut."""

    too_large = False
    received = 0

    def gotLength(self, length: int | None) -> None:
        self.too_large = length is not None and length > most_body_bytes()
        # Twisted makes a temporary file for a long body: none for one that is dropped.
        super().gotLength(0 if self.too_large else length)

    def handleContentChunk(self, data: bytes) -> None:
        self.received += len(data)
        most = most_body_bytes()
        if self.received > most:  # a chunked body, or one longer than it said
            self.too_large = True
        if not self.too_large:
            super().handleContentChunk(data)
        elif self.received > cut_off_bytes():
            self.transport.abortConnection()

    def process(self):
        if not self.too_large:
            processed = super().process()
            if self.transport is None:
                self._forget_handshake()
            return processed
        if hasattr(self.client, "host"):  # for daphne's access log, as its process() does
            self.client_addr = [str(self.client.host), self.client.port]
        return self._refuse_body()

    def _forget_handshake(self) -> None:
        # daphne handed the connection to a WebSocket (it takes the transport and
        # re-sends the request to it); nothing reads this request's headers, cookies or
        # body again. Twisted's channel, the connection's producer while the socket is
        # open, would keep the request in its ``requests`` as long, each holding the
        # other: a cycle only the collector frees, long after the socket closed. The
        # channel serves no request after the upgrade, so it lets go of this one now.
        self.requestHeaders = Headers()
        self.received_cookies = {}
        self.args = {}
        self.content = None
        if self in self.channel.requests:
            self.channel.requests.remove(self)

    def _refuse_body(self) -> None:
        length = self.getHeader(b"content-length")
        size = int(length) if length and length.isdigit() else self.received
        headers, body = refusal(size, htmx=self.getHeader(b"hx-request") == b"true")
        self.handle_reply({"type": "http.response.start", "status": 413, "headers": headers})
        self.handle_reply({"type": "http.response.body", "body": body})


class LimitedHTTPFactory(HTTPFactory):
    """daphne's HTTP factory, whose requests are ``LimitedRequest``."""

    def buildProtocol(self, addr):
        protocol = super().buildProtocol(addr)
        if protocol is not None:
            protocol.requestFactory = LimitedRequest
        return protocol


class HookedServer(daphne_server.Server):
    """daphne's server, building our requests and sockets, and saying what it holds."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ports: list = []

    @property
    def http_factory(self):
        return self._http_factory

    @http_factory.setter
    def http_factory(self, factory) -> None:
        # daphne's run() makes the factory: ours, so that request bodies are limited.
        self._http_factory = LimitedHTTPFactory(factory.server)

    @property
    def ws_factory(self):
        return self._ws_factory

    @ws_factory.setter
    def ws_factory(self, factory) -> None:
        # daphne's run() makes the factory, then sets its options; every socket it builds
        # is one of ours, its options held by its class.
        self._ws_factory = ChatWebSocketFactory(factory.server_class, server=factory.server)

    def create_application(self, protocol, scope: dict):
        """Start the application for a new connection; its input queue. A socket's queue is
        an :class:`InputQueue` (daphne's ``asyncio.Queue`` holds four deques, 2.8 KiB, for
        as long as the socket is open); an HTTP request keeps daphne's."""
        if scope.get("type") != "websocket":
            return super().create_application(protocol, scope)
        # daphne's create_application, with the queue replaced.
        assert "application_instance" not in self.connections[protocol]
        queue = InputQueue()
        scope.setdefault("asgi", {"version": "3.0"})
        instance = self.application(
            scope=scope, receive=queue.get, send=partial(self.handle_reply, protocol)
        )
        if protocol not in self.connections:
            return None
        self.connections[protocol]["application_instance"] = asyncio.ensure_future(
            instance, loop=asyncio.get_event_loop()
        )
        return queue

    def listen_success(self, port) -> None:
        self.ports.append(port)
        super().listen_success(port)

    def open_websockets(self) -> list[WebSocketProtocol]:
        """The sockets past their handshake and not yet closing."""
        return [
            protocol
            for protocol in list(self.connections)
            if isinstance(protocol, WebSocketProtocol) and protocol.state == protocol.STATE_OPEN
        ]

    def busy(self) -> bool:
        """Whether a socket is still closing (or in its handshake), or a consumer or an
        HTTP request is still running."""
        for protocol, details in list(self.connections.items()):
            if isinstance(protocol, WebSocketProtocol) and "disconnected" not in details:
                return True
            application = details.get("application_instance")
            if application is not None and not application.done():
                return True
        return False


def _server_from_string(reactor, description: str):
    """``serverFromString``, except for ``fd:`` endpoints, adopted with their real family."""
    if description.startswith("fd:"):
        fields = dict(item.split("=", 1) for item in description[3:].split(":"))
        family = socket.AddressFamily[f"AF_{fields.get('domain', 'INET')}"]
        return AdoptedStreamServerEndpoint(reactor, int(fields["fileno"]), family)
    return serverFromString(reactor, description)


def adopt_fd_endpoints() -> None:
    """Make daphne adopt an ``fd:`` endpoint's socket with its own family (IPv6 too)."""
    daphne_server.serverFromString = _server_from_string


def run_command_line(argv: list[str], server_factory) -> None:
    """Run daphne's command line with ``argv``; its server is ``server_factory(**options)``."""
    cli = CommandLineInterface()
    cli.server_class = server_factory
    cli.run(argv)
