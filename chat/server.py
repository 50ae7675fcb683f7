"""One daphne process serving the chat on a listening socket it was handed; stops gracefully.

``manage.py serve`` binds the socket and calls :func:`serve_on_fd`, in its own process
(one worker) or in each child it supervises (several). See that command's docstring.

**Stopping.** daphne leaves SIGTERM to Twisted, which stops the reactor at once: every
open WebSocket is dropped without a close frame and browsers see 1006. Here SIGTERM and
SIGINT instead:

1. stop accepting connections on this process's copy of the socket (siblings and the
   parent keep theirs, so nothing queued is refused);
2. send every open WebSocket a close frame with code 1012, "service restart": the htmx
   ws extension reconnects by itself after 1012 (to a sibling, or to the server once it
   is back), and the page's resume frame catches up on what was missed;
3. wait until those close handshakes have finished, and the consumers and any HTTP
   requests still in flight are done, but at most ``grace`` seconds (autobahn drops a
   client that does not answer the close frame after its own 1 s close timeout);
4. stop the reactor, which cancels whatever is left.

A second signal stops at once. A worker whose parent has gone (the supervisor was
killed) stops the same way, so no orphan keeps the port.

**Request bodies.** Twisted reads a request's whole body (into a temporary file past
100 kB) before daphne hands it to Django, and neither has a limit: anyone could fill the
disk with one upload. ``LimitedRequest`` keeps no body larger than any form here takes
(the rule and the refusal page are ``chat.body_limit``'s, shared with uvicorn's path): its
bytes are read and dropped, the request is answered 413 with the file limit's sentence (for
htmx, in the page's alert region), and a body that goes on past twice the limit has its
connection cut. A proxy in front should refuse them first (nginx's
``client_max_body_size``, see the README).

**Close codes.** daphne closes sockets through autobahn's ``sendClose``, which only
accepts 1000 and 3000-4999: 1012 here, and the consumer's own 1003 (binary frame) and
1009 (frame too big), would raise and reach the browser as 1011 instead. The sockets
served here send every code a server may send (RFC 6455 section 7.4) as it is.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import time
from functools import partial
from site import logs

# daphne.server installs Twisted's asyncio reactor when imported; these daphne
# imports (sorted before twisted's) make sure that happens before anything else.
import daphne.server as daphne_server
from daphne.access import AccessLogGenerator
from daphne.cli import CommandLineInterface
from daphne.http_protocol import HTTPFactory, WebRequest
from daphne.ws_protocol import WebSocketProtocol
from twisted.internet import reactor, tcp
from twisted.internet.endpoints import AdoptedStreamServerEndpoint, serverFromString

from chat.body_limit import cut_off_bytes, most_body_bytes, refusal

logger = logging.getLogger(__name__)

#: "Service Restart" (RFC 6455 registry): the server is going away and coming back.
SERVICE_RESTART = 1012
#: How often shutdown looks whether the last sockets and requests are done.
DRAIN_CHECK_SECONDS = 0.05
#: How often a supervised worker checks that its parent is still there.
PARENT_CHECK_SECONDS = 1.0
#: Close codes a server may send (RFC 6455 7.4.1 and the IANA registry, 1004-1006 and
#: 1015 being reserved), and the ranges for libraries and applications.
SENDABLE_CLOSE_CODES = frozenset([1000, 1001, 1002, 1003, *range(1007, 1015)])


class ChatWebSocketProtocol(WebSocketProtocol):
    """daphne's WebSocket protocol, able to send every valid close code (see above), and
    dropping sends to a socket that is already closing."""

    def serverSend(self, content, binary: bool = False) -> None:
        # daphne drops what is sent to a socket once it has closed, but between the
        # peer's close frame and the connection's end autobahn raises instead; a
        # message fanned out in that moment (chat.fanout) is not an error.
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

    def serverClose(self, code: int | None = None) -> None:
        code = 1000 if code is None else code
        if code in SENDABLE_CLOSE_CODES or 3000 <= code <= 4999:
            self.sendCloseFrame(code=code, isReply=False)
        else:
            super().serverClose(code=code)  # autobahn refuses it, as before


#: The text last framed by ``prepared_text`` and its frame.
_last_prepared: tuple[object, object] = (None, None)


def prepared_text(factory, text: str):
    """``text`` framed as a WebSocket message once, however many sockets it goes to.

    The fan-out (``chat.fanout``) hands one string object to every socket of a room in
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
    """daphne's HTTP request, keeping no body larger than ``most_body_bytes`` (see the
    module's docstring)."""

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
            return super().process()
        if hasattr(self.client, "host"):  # for daphne's access log, as its process() does
            self.client_addr = [str(self.client.host), self.client.port]
        return self._refuse_body()

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


class GracefulServer(daphne_server.Server):
    """daphne's server, with the signal handling described in this module's docstring."""

    def __init__(self, *args, grace: float = 5.0, parent_pid: int | None = None, **kwargs) -> None:
        kwargs["signal_handlers"] = False  # Twisted's would stop the reactor abruptly
        super().__init__(*args, **kwargs)
        self.grace = grace
        self.parent_pid = parent_pid
        self.ports: list = []
        self.stopping = False
        self.closed_sockets: set[WebSocketProtocol] = set()

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
        # daphne's run() makes the factory; every socket it builds is one of ours.
        factory.protocol = ChatWebSocketProtocol
        self._ws_factory = factory

    def run(self) -> None:
        reactor.callWhenRunning(self._install_signal_handlers)
        if self.parent_pid is not None:
            reactor.callWhenRunning(self._watch_parent)
        super().run()

    def _install_signal_handlers(self) -> None:
        # daphne made the reactor's asyncio loop the current one before running it.
        loop = asyncio.get_event_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.shutdown, signum)

    def _watch_parent(self) -> None:
        if os.getppid() != self.parent_pid:
            logger.warning("The supervising process is gone; stopping.")
            self.shutdown()
        elif not self.stopping:
            reactor.callLater(PARENT_CHECK_SECONDS, self._watch_parent)

    def listen_success(self, port) -> None:
        self.ports.append(port)
        super().listen_success(port)

    def shutdown(self, signum: int | None = None) -> None:
        """Close every WebSocket with 1012, let the closes and requests finish, then stop."""
        if self.stopping:
            logger.info("Second stop request: stopping now.")
            self.stop()
            return
        self.stopping = True
        for port in self.ports:
            port.stopListening()
        sockets = self._close_open_sockets()
        name = signal.Signals(signum).name if signum else "request"
        logger.info(
            "Stopping on %s: closed %d WebSocket(s) with %d (service restart)",
            name,
            sockets,
            SERVICE_RESTART,
        )
        self._drain(time.monotonic() + self.grace)

    def _close_open_sockets(self) -> int:
        closed = 0
        for protocol in list(self.connections):
            if (
                isinstance(protocol, WebSocketProtocol)
                and protocol.state == protocol.STATE_OPEN
                and protocol not in self.closed_sockets
            ):
                protocol.serverClose(code=SERVICE_RESTART)
                self.closed_sockets.add(protocol)
                closed += 1
        return closed

    def _busy(self) -> bool:
        for protocol, details in list(self.connections.items()):
            if isinstance(protocol, WebSocketProtocol) and "disconnected" not in details:
                return True  # closing (or still in its handshake)
            application = details.get("application_instance")
            if application is not None and not application.done():
                return True  # a consumer finishing up, or an HTTP request in flight
        return False

    def _drain(self, deadline: float) -> None:
        # A socket whose handshake was still running at the signal is closed once open.
        self._close_open_sockets()
        if not self._busy() or time.monotonic() >= deadline:
            self.stop()
        else:
            reactor.callLater(DRAIN_CHECK_SECONDS, self._drain, deadline)


def _server_from_string(reactor, description: str):
    """``serverFromString``, except for ``fd:`` endpoints, adopted with their real family.

    daphne's ``fd:`` parser passes ``domain=`` through to Twisted as text, which only
    works for its AF_INET default; an IPv6 socket needs the family as a constant.
    """
    if description.startswith("fd:"):
        fields = dict(item.split("=", 1) for item in description[3:].split(":"))
        family = socket.AddressFamily[f"AF_{fields.get('domain', 'INET')}"]
        return AdoptedStreamServerEndpoint(reactor, int(fields["fileno"]), family)
    return serverFromString(reactor, description)


def _logged_server(*, action_logger=None, **kwargs) -> GracefulServer:
    """daphne's server, its access log (which daphne writes to stdout itself) sent through
    the "daphne.access" logger instead, so the log's filters (bot tokens) apply to it."""
    if action_logger is not None:
        action_logger = AccessLogGenerator(logs.LoggedLines(logging.getLogger("daphne.access")))
    return GracefulServer(action_logger=action_logger, **kwargs)


def serve_on_fd(
    fd: int,
    *,
    proxy_headers: bool,
    grace: float,
    parent_pid: int | None = None,
) -> None:
    """Run daphne on the listening socket ``fd`` until it is told to stop.

    Twisted adopts the socket and closes ``fd`` itself; the caller must not use it again.
    """
    probe = socket.socket(fileno=fd)
    family = probe.family.name.removeprefix("AF_")
    probe.detach()  # only asked for the family; the descriptor stays open for Twisted
    daphne_server.serverFromString = _server_from_string

    argv = ["--endpoint", f"fd:fileno={fd}:domain={family}"]
    # No time limit on a socket: a page stays connected for as long as it is open, and
    # never has to tell a timeout's clean close (1000) from a deliberate one.
    argv += ["--websocket_timeout", "-1"]
    if proxy_headers:
        argv.append("--proxy-headers")
    logs.for_a_server()  # before daphne's command line, whose basicConfig then does nothing
    cli = CommandLineInterface()
    cli.server_class = partial(_logged_server, grace=grace, parent_pid=parent_pid)
    cli.run([*argv, "site.asgi:application"])
