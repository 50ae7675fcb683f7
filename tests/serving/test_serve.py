"""``manage.py serve`` as production runs it: real processes, real sockets, real signals.

Each test starts the command in a child process (tests/support/live_server.py) and talks to it
over loopback: HTTP with urllib, WebSockets with the ``websockets`` client. Which worker
holds which connection is read from /proc (Linux), so the tests can tell that the
workers share the parent's one listening socket and that a message crosses from one
worker to another through Redis.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from chat.limits import FRAME_MAX_CHARS
from chat.serving.supervisor import RESTART_LIMIT
from tests.support import REPO
from tests.support.live_server import LiveServer, running
from tests.support.net import free_port
from tests.support.processes import (
    Visitor,
    close_code,
    listening_inodes,
    needs_proc,
    one_socket_on_each_worker,
    receive_containing,
    socket_inodes,
    socket_on_worker,
    wait_for_exit,
)

SERVICE_RESTART = 1012


# --- fixtures --------------------------------------------------------------------------


@pytest.fixture
def one_process(tmp_path: Path) -> Iterator[LiveServer]:
    """The chat as ``make run`` starts it: one process, in-memory channel layer, daphne,
    and DEBUG on (its default; the suite's other servers run with production settings)."""
    with running(LiveServer(tmp_path / "chat.sqlite3", env={"DJANGO_DEBUG": "1"})) as server:
        yield server


@pytest.fixture
def live(tmp_path: Path) -> Iterator[LiveServer]:
    """One process as ``one_process``, with the suite's production settings."""
    with running(LiveServer(tmp_path / "chat.sqlite3")) as server:
        yield server


@pytest.fixture
def two_workers(tmp_path: Path, redis_url: str) -> Iterator[tuple[LiveServer, list[int]]]:
    """``serve --workers 2`` on Redis; the server and its workers' pids."""
    redis.Redis.from_url(redis_url).flushdb()  # limits counted by earlier tests start afresh
    server = LiveServer(
        tmp_path / "chat.sqlite3",
        env={"REDIS_URL": redis_url},
        serve_args=("--workers", "2"),
    )
    with running(server):
        pids = [
            int(server.wait_for_output(rf"worker {n} started \(pid (\d+)\)")[1]) for n in (1, 2)
        ]
        yield server, pids
    for pid in pids:  # a test may have killed the parent: they stop on their own
        wait_for_exit(pid, 10)


# --- one process -------------------------------------------------------------------------


def test_sigterm_closes_open_sockets_with_service_restart(live: LiveServer) -> None:
    alice = Visitor(live)
    alice.sign_up("alice")
    with alice.notes_socket() as socket:
        socket.send(json.dumps({"body": "before the restart"}))
        receive_containing(socket, "before the restart")  # the socket is really served

        live.process.send_signal(signal.SIGTERM)

        assert close_code(socket) == SERVICE_RESTART
    assert live.process.wait(timeout=30) == 0
    assert "Traceback" not in live.log_path.read_text()


def test_the_consumers_own_close_codes_reach_the_browser(live: LiveServer) -> None:
    # autobahn's sendClose refuses 1003; through plain daphne this arrived as 1011.
    alice = Visitor(live)
    alice.sign_up("alice")
    with alice.notes_socket() as socket:
        socket.send(b"binary frames are not supported")

        assert close_code(socket) == 1003


def test_a_message_over_a_mebibyte_ends_the_socket(live: LiveServer) -> None:
    alice = Visitor(live)
    alice.sign_up("alice")
    # Within the server's limit, the consumer sees the frame and refuses it with 1009.
    with alice.notes_socket() as socket:
        socket.send("x" * (FRAME_MAX_CHARS + 1))
        assert close_code(socket) == 1009
    # Past it (1 MiB), the server ends the socket: autobahn (daphne) drops the connection
    # (a close frame, if one comes, says 1009).
    with alice.notes_socket() as socket, pytest.raises(ConnectionClosed) as closed:
        socket.send("x" * (1024 * 1024 + 1))
        socket.recv(timeout=10)
    if closed.value.rcvd is not None:
        assert closed.value.rcvd.code == 1009


def test_a_lone_surrogate_gets_an_answer_and_the_socket_stays_open(live) -> None:
    # JSON may carry half a surrogate pair; echoing it back once killed the socket (1011),
    # as daphne could not encode the answer.
    alice = Visitor(live)
    alice.sign_up("alice")
    with alice.notes_socket() as socket:
        socket.send('{"body": "a\\ud800b", "client_id": "\\udfff"}')

        answer = socket.recv(timeout=10)
        socket.send(json.dumps({"body": "still open"}))
        receive_containing(socket, "still open")

    assert "This page is out of date: reload it to send messages." in answer
    assert "a\ufffdb</textarea>" in answer
    # Read once the server has stopped: its whole output is in the log by then.
    assert "Traceback" not in live.stop_showing_log()


@pytest.mark.parametrize(
    "origin",
    ["http://127.0.0.1:9", "https://127.0.0.1:{port}", "https://127.0.0.1", "null", None],
    ids=["other-port", "other-scheme", "other-scheme-and-port", "null", "none"],
)
def test_sockets_from_any_other_origin_are_refused(one_process: LiveServer, origin) -> None:
    alice = Visitor(one_process)
    alice.sign_up("alice")
    with alice.notes_socket():  # the room exists; only the origin is wrong below
        pass
    headers = {"Cookie": alice.cookie_header()}

    with pytest.raises(InvalidStatus) as refused:
        connect(
            f"ws://127.0.0.1:{one_process.port}/ws/p/alice/",
            origin=origin.format(port=one_process.port) if origin else None,
            additional_headers=headers,
            open_timeout=10,
        )

    assert refused.value.response.status_code == 403


def test_a_socket_to_no_route_is_refused_without_a_traceback(one_process: LiveServer) -> None:
    for path in ("/ws/anything/", "/nothing-here"):
        with pytest.raises(InvalidStatus) as refused:
            connect(f"ws://127.0.0.1:{one_process.port}{path}", open_timeout=10)
        assert refused.value.response.status_code == 403

    assert "Traceback" not in one_process.stop_showing_log()


def test_make_runs_server_shows_the_styleguide_to_anyone(one_process: LiveServer) -> None:
    # Development only: a designer opens it without an account. (Production: staff only,
    # tests/styleguide/test_views.py.)
    status, page = Visitor(one_process).fetch("/styleguide/")

    assert status == 200 and 'id="sg-message-deleted"' in page


def test_address_in_use_is_a_clear_error(one_process: LiveServer) -> None:
    result = one_process.manage(
        "serve", "--bind", f"127.0.0.1:{one_process.port}", check=False, timeout=60
    )

    assert result.returncode == 1
    assert f"Cannot listen on 127.0.0.1:{one_process.port}" in result.stderr


# --- several workers ---------------------------------------------------------------------


def test_several_workers_without_redis_refuse_to_start(tmp_path: Path) -> None:
    server = LiveServer(tmp_path / "chat.sqlite3")

    result = server.manage(
        "serve", "--workers", "2", "--bind", f"127.0.0.1:{free_port()}", check=False, timeout=60
    )

    assert result.returncode == 1
    assert "--workers 2 needs REDIS_URL" in result.stderr
    assert "in-memory channel layer cannot carry messages between processes" in result.stderr


@needs_proc
def test_workers_serve_the_parents_one_listening_socket(two_workers) -> None:
    server, workers = two_workers

    listening = listening_inodes(server.port)
    assert len(listening) == 1, "one socket listens on the port (no SO_REUSEPORT group)"
    for pid in (server.process.pid, *workers):
        assert listening[0] in socket_inodes(pid), f"process {pid} does not hold the socket"


@needs_proc
def test_a_message_crosses_from_one_worker_to_another(two_workers) -> None:
    server, workers = two_workers
    alice = Visitor(server)
    alice.sign_up("alice")
    with contextlib.ExitStack() as opened:
        by_worker = one_socket_on_each_worker(alice, server, workers, opened)
        sender, receiver = by_worker[workers[0]], by_worker[workers[1]]

        sender.send(json.dumps({"body": "across processes"}))

        assert 'id="messages"' in receive_containing(receiver, "across processes")


def test_sigterm_closes_sockets_on_every_worker_with_service_restart(two_workers) -> None:
    server, _ = two_workers
    alice = Visitor(server)
    alice.sign_up("alice")
    with contextlib.ExitStack() as opened:
        sockets = [opened.enter_context(alice.notes_socket()) for _ in range(6)]

        server.process.send_signal(signal.SIGTERM)

        assert [close_code(socket) for socket in sockets] == [SERVICE_RESTART] * 6
    server.wait_for_output("all workers stopped")
    assert server.process.wait(timeout=30) == 0


def silent_socket(visitor: Visitor, path: str) -> socket.socket:
    """A WebSocket to ``path`` opened by hand, that will never answer the server's close
    frame: its worker, stopping, waits for it (autobahn's 1 s close timeout)."""
    server = visitor.server
    raw = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    raw.sendall(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        f"Sec-WebSocket-Version: 13\r\nOrigin: {server.url}\r\n"
        f"Cookie: {visitor.cookie_header()}\r\n\r\n".encode()
    )
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += raw.recv(4096)
    assert answer.startswith(b"HTTP/1.1 101"), answer
    return raw


@needs_proc
def test_a_stopping_parent_lets_go_of_the_listening_socket_first(two_workers) -> None:
    """On SIGTERM the parent closes its copy of the listening socket before its workers
    drain: once they close theirs, the port refuses connections (a proxy passes them to
    another box) and any still queued are reset at once. Kept by the parent, they waited in
    a queue no worker accepts from any more, for as long as the workers took to stop."""
    server, _ = two_workers
    (listener,) = listening_inodes(server.port)
    alice = Visitor(server)
    alice.sign_up("alice")
    alice.post_form("/p/alice/", {"body": "my first note"})  # which opens the notes room
    with silent_socket(alice, "/ws/p/alice/"):
        server.process.send_signal(signal.SIGTERM)
        server.wait_for_output(r"stopping \d+ worker")

        assert listener not in socket_inodes(server.process.pid)
        assert server.process.poll() is None, "the workers were still draining"
    assert server.process.wait(timeout=30) == 0


@needs_proc
def test_deactivating_someone_closes_their_sockets_on_every_worker(two_workers) -> None:
    server, workers = two_workers
    bob = Visitor(server)
    bob.sign_up("bob")
    with contextlib.ExitStack() as opened:
        by_worker = one_socket_on_each_worker(bob, server, workers, opened)

        server.manage(
            "shell", "-c", "from django.contrib.auth.models import User; "
            "bob = User.objects.get(username='bob'); bob.is_active = False; bob.save()",
        )  # fmt: skip

        assert [close_code(socket, timeout=10) for socket in by_worker.values()] == [4401, 4401]


@pytest.fixture
def two_workers_short_presence(tmp_path: Path, redis_url: str):
    """Two workers whose people go offline 3 s after their worker stops beating."""
    redis.Redis.from_url(redis_url).flushdb()
    env = {"REDIS_URL": redis_url, "CHAT_PRESENCE_SECONDS": "3"}
    server = LiveServer(tmp_path / "chat.sqlite3", env=env, serve_args=("--workers", "2"))
    with running(server):
        pids = [
            int(server.wait_for_output(rf"worker {n} started \(pid (\d+)\)")[1]) for n in (1, 2)
        ]
        yield server, pids


MEMBER = re.compile(r'<li data-user-id="\d+" class="member( online)?">(.*?)</li>', re.S)


def presence_of(socket: ClientConnection, name: str, online: bool, timeout: float) -> None:
    """Read members lists until one shows ``name`` online (or not)."""
    deadline = time.monotonic() + timeout
    while True:
        frame = socket.recv(timeout=max(deadline - time.monotonic(), 0.01))
        for shown_online, inside in MEMBER.findall(frame):
            if f">{name}</a>" in inside and bool(shown_online) is online:
                return


@needs_proc
def test_a_killed_workers_people_go_offline_on_every_page(two_workers_short_presence) -> None:
    server, workers = two_workers_short_presence
    alice, bob = Visitor(server), Visitor(server)
    alice.sign_up("alice")
    bob.sign_up("bob")
    alice.post_form("/", {"title": "Lunch", "kind": "public"})
    bob.join_room("lunch")
    with contextlib.ExitStack() as opened:
        watching = socket_on_worker(alice, "/ws/r/lunch/", workers[0], server, workers, opened)
        socket_on_worker(bob, "/ws/r/lunch/", workers[1], server, workers, opened)
        presence_of(watching, "bob", online=True, timeout=10)

        os.kill(workers[1], signal.SIGKILL)  # nothing of bob's worker says goodbye

        presence_of(watching, "bob", online=False, timeout=15)


def test_a_worker_that_dies_is_restarted(two_workers) -> None:
    server, workers = two_workers

    os.kill(workers[0], signal.SIGKILL)

    server.wait_for_output(rf"worker 1 \(pid {workers[0]}\) exited \(signal SIGKILL\); restarting")
    replacement = int(server.wait_for_output(r"worker 1 started \(pid (\d+)\)")[1])
    assert replacement not in workers
    status, _ = Visitor(server).fetch("/healthz")
    assert status == 200
    if os.path.exists("/proc/net/tcp"):
        assert listening_inodes(server.port)[0] in socket_inodes(replacement)


def test_workers_that_keep_dying_make_the_parent_give_up(two_workers) -> None:
    server, workers = two_workers
    pid = workers[0]

    for death in range(1, RESTART_LIMIT + 1):
        os.kill(pid, signal.SIGKILL)
        if death < RESTART_LIMIT:
            pid = int(server.wait_for_output(r"worker 1 started \(pid (\d+)\)")[1])

    server.wait_for_output(rf"died {RESTART_LIMIT} times within \d+ s: giving up")
    assert server.process.wait(timeout=30) == 1
    assert wait_for_exit(workers[1], 10), "the other worker was stopped too"


def test_workers_stop_when_the_parent_is_killed(two_workers) -> None:
    server, workers = two_workers

    server.process.kill()

    for pid in workers:
        assert wait_for_exit(pid, 15), f"worker {pid} outlived its parent"


def test_serve_help_documents_the_options() -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "serve", "--help"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
    )

    for option in ("--workers", "--bind", "--proxy-headers", "--shutdown-grace", "--no-tasks"):
        assert option in result.stdout
    assert "--worker-fd" not in result.stdout  # internal
    assert "--server" not in result.stdout  # one server: daphne
