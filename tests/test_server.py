"""The server process (``chat.server``): the WebSocket protocol it runs, and daphne's options."""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator

import daphne.server
import pytest
from daphne.cli import CommandLineInterface

from chat.server import ChatWebSocketProtocol, serve_on_fd


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
    monkeypatch.setattr(daphne.server, "serverFromString", daphne.server.serverFromString)
    monkeypatch.setattr(logging.getLogger("chat"), "propagate", True)
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
