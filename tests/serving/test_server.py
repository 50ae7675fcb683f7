"""The server process (``chat.serving.server``): the options it runs daphne with.

What it needs of daphne beyond them is tested in tests/serving/test_daphne_internals.py.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Iterator

import daphne.server
import pytest
from daphne.cli import CommandLineInterface

from chat.serving import checkpoints
from chat.serving.server import serve_on_fd


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


@pytest.fixture(autouse=True)
def checkpointing(monkeypatch) -> list[str]:
    """Each time ``serve_on_fd`` asked for SQLite's checkpoints to move to a thread:
    recorded, not started (a thread and a signal receiver would stay in this process;
    tests/serving/test_checkpoints.py tests them)."""
    asked: list[str] = []
    monkeypatch.setattr(checkpoints, "start_for_serving", lambda: asked.append("asked"))
    return asked


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


def test_serve_on_fd_moves_sqlites_checkpoints_off_the_message_path(
    listening_fd, daphne_argv, checkpointing, monkeypatch
):
    """Before daphne runs, so that no connection of the process is opened before it."""
    monkeypatch.setattr(
        checkpoints, "start_for_serving", lambda: checkpointing.append(f"{len(daphne_argv)} runs")
    )
    serve_on_fd(listening_fd, proxy_headers=False, grace=1.0)

    assert checkpointing == ["0 runs"]
    assert len(daphne_argv) == 1
