"""The server process (``chat.server``): the WebSocket protocol it runs, and daphne's options."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator

import daphne.server
import pytest
from daphne.cli import CommandLineInterface
from twisted.internet import tcp

from chat.server import ChatWebSocketProtocol, prepared_text, serve_on_fd, write_now


def closing_socket() -> ChatWebSocketProtocol:
    """A protocol whose peer has sent its close frame: the connection is not gone yet."""
    protocol = ChatWebSocketProtocol.__new__(ChatWebSocketProtocol)
    protocol.state = protocol.STATE_CLOSING
    protocol.client_addr = ("127.0.0.1", 50000)
    return protocol


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


def test_a_frame_is_written_at_once_and_a_slow_reader_gets_every_byte_in_order():
    ours, peer = socket.socketpair()
    ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)
    peer.setblocking(False)
    reactor = WatchingReactor()
    transport = tcp.Connection(ours, None, reactor=reactor)
    transport.connected = True

    write_now(transport, b"small")
    # Out already, with no turn of the event loop and no writer registered.
    assert peer.recv(100) == b"small"
    assert not reactor.writers

    frames = [bytes([n]) * 300_000 for n in range(1, 4)]  # far more than the buffer
    received = b""
    for frame in frames:
        write_now(transport, frame)
        # The reader takes what the kernel holds: its buffer has room again, but what
        # Twisted still holds of the frame before must go first.
        received += _read_all(peer)
    assert transport in reactor.writers  # the rest waits for Twisted's own write path
    while transport in reactor.writers:
        transport.doWrite()
        received += _read_all(peer)
    assert received == b"".join(frames)
    ours.close()
    peer.close()


def test_a_message_to_many_sockets_is_framed_once():
    from autobahn.twisted.websocket import WebSocketServerFactory

    factory = WebSocketServerFactory()
    html = "<article id='message-1'>héllo</article>"
    frame = prepared_text(factory, html)
    assert prepared_text(factory, html) is frame  # the next socket reuses it
    payload = html.encode()
    assert frame.payloadHybi == bytes([0x81, len(payload)]) + payload  # one text frame
    assert prepared_text(factory, "<p>another</p>") is not frame


def test_a_message_sent_to_a_closing_socket_is_dropped_not_raised():
    # autobahn raises Disconnected here; a room message fanned out to every local
    # socket meets such sockets whenever someone closes a tab.
    closing_socket().serverSend("<div id='messages'></div>")


# --- daphne's command line -------------------------------------------------------------


@pytest.fixture
def listening_fd() -> Iterator[int]:
    """The descriptor of a real listening socket, closed at the end."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    fd = listener.detach()
    yield fd
    os.close(fd)


@pytest.fixture
def daphne_argv(monkeypatch) -> list[list[str]]:
    """The command lines ``serve_on_fd`` hands daphne, which is not run."""
    runs: list[list[str]] = []
    monkeypatch.setattr(CommandLineInterface, "run", lambda cli, argv: runs.append(argv))
    # serve_on_fd sets these for the process it runs in; this one carries on.
    monkeypatch.setattr(logging, "basicConfig", lambda **_: None)
    monkeypatch.setattr(daphne.server, "serverFromString", daphne.server.serverFromString)
    for name in ("chat", "django"):
        monkeypatch.setattr(logging.getLogger(name), "propagate", True)
    return runs


def test_serve_on_fd_gives_sockets_no_time_limit(listening_fd, daphne_argv):
    serve_on_fd(listening_fd, proxy_headers=False, grace=1.0)

    [argv] = daphne_argv
    assert argv[argv.index("--websocket_timeout") + 1] == "-1"


def test_serve_on_fd_serves_the_socket_it_was_handed(listening_fd, daphne_argv):
    serve_on_fd(listening_fd, proxy_headers=False, grace=1.0)

    [argv] = daphne_argv
    assert argv[argv.index("--endpoint") + 1] == f"fd:fileno={listening_fd}:domain=INET"
    assert argv[-1] == "site.asgi:application"


def test_serve_on_fd_trusts_proxy_headers_only_when_asked(listening_fd, daphne_argv):
    serve_on_fd(listening_fd, proxy_headers=False, grace=1.0)
    serve_on_fd(listening_fd, proxy_headers=True, grace=1.0)

    without, with_proxy = daphne_argv
    assert "--proxy-headers" not in without
    assert "--proxy-headers" in with_proxy
