"""Real server processes seen from outside: a person over HTTP and WebSockets, and which
worker process holds which connection (read from Linux's /proc)."""

from __future__ import annotations

import contextlib
import os
import select
import urllib.parse
import urllib.request

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from tests.support.accounts import Browser, csrf_token
from tests.support.live_server import LiveServer

# --- people over plain HTTP and WebSockets -------------------------------------------


class Visitor(Browser):
    """One person using the chat without a browser (``chat_client.Browser``) on ``server``."""

    def __init__(self, server: LiveServer) -> None:
        super().__init__(server.url)
        self.server = server

    def fetch(self, path: str) -> tuple[int, str]:
        """GET ``path``: the status and the body."""
        with self.opener.open(self.server.url + path, timeout=10) as reply:
            return reply.status, reply.read().decode()

    def post_page(self, path: str, fields: dict[str, str], *, from_page: str) -> str:
        """POST a form to ``path`` with the CSRF token of the page ``from_page``, as that
        page's form would; the body of the answer (after any redirect)."""
        token = csrf_token(self.get(from_page))
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(
            self.server.url + path, data=data, headers={"Referer": self.server.url + from_page}
        )
        with self.opener.open(request, timeout=10) as reply:
            return reply.read().decode()

    def sign_up(self, username: str) -> None:
        """Create the account, keep its session cookie, and land in the lobby."""
        landed = super().sign_up(username)
        assert landed == f"{self.server.url}/", "sign-up should land in the lobby"
        self.username = username

    def notes_socket(self) -> ClientConnection:
        """A socket on this person's "Notes to self" room (opened by a first note)."""
        if "ws-connect" not in self.fetch(f"/p/{self.username}/")[1]:
            self.post_form(f"/p/{self.username}/", {"body": "my first note"})
        return self.socket(f"/ws/p/{self.username}/")

    def socket(self, path: str) -> ClientConnection:
        """A socket to ``path`` with this person's cookie, from the site's own origin."""
        return connect(
            f"ws://127.0.0.1:{self.server.port}{path}",
            origin=self.server.url,
            additional_headers={"Cookie": self.cookie_header()},
            open_timeout=10,
        )


def close_code(socket: ClientConnection, timeout: float = 20) -> int:
    """Read until the server closes the socket; the close code it sent."""
    try:
        while True:
            socket.recv(timeout=timeout)
    except ConnectionClosed as closed:
        assert closed.rcvd is not None, "the server dropped the socket without a close frame"
        return closed.rcvd.code


def receive_containing(socket: ClientConnection, text: str, timeout: float = 10) -> str:
    """Read frames until one contains ``text``; that frame."""
    while True:
        frame = socket.recv(timeout=timeout)
        if text in frame:
            return frame


# --- which process holds which socket (Linux /proc) -------------------------------------


def _tcp_table() -> list[list[str]]:
    rows = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        if os.path.exists(table):
            with open(table) as lines:
                rows += [line.split() for line in list(lines)[1:]]
    return rows


def _port(address: str) -> int:
    return int(address.rsplit(":", 1)[1], 16)


def listening_inodes(port: int) -> list[str]:
    """Inodes of the sockets listening on ``port`` (state 0A is LISTEN)."""
    return [row[9] for row in _tcp_table() if _port(row[1]) == port and row[3] == "0A"]


def established_to(server_port: int) -> set[int]:
    """The client ports of the established TCP connections to ``server_port`` (01 is
    ESTABLISHED), as the server's ends of them are listed."""
    return {
        _port(row[2]) for row in _tcp_table() if _port(row[1]) == server_port and row[3] == "01"
    }


def connection_inode(server_port: int, client_port: int) -> str:
    """Inode of the server's end of the TCP connection from ``client_port``."""
    for row in _tcp_table():
        if _port(row[1]) == server_port and _port(row[2]) == client_port and row[3] == "01":
            return row[9]
    raise AssertionError(f"no connection from port {client_port}")


def socket_inodes(pid: int) -> set[str]:
    """Inodes of every socket process ``pid`` has open."""
    found = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:["):
            found.add(target[len("socket:[") : -1])
    return found


def worker_holding(socket: ClientConnection, server_port: int, workers: list[int]) -> int:
    inode = connection_inode(server_port, socket.local_address[1])
    holders = [pid for pid in workers if inode in socket_inodes(pid)]
    assert len(holders) == 1, f"connection held by {holders}"
    return holders[0]


def one_socket_on_each_worker(
    visitor: Visitor, server: LiveServer, workers: list[int], opened: contextlib.ExitStack
) -> dict[int, ClientConnection]:
    """Sockets of ``visitor``, one held by each worker (by pid).

    The kernel gives each connection to whichever worker accepts first: open sockets
    (kept open in ``opened``) until every worker holds one.
    """
    by_worker: dict[int, ClientConnection] = {}
    for _ in range(40):
        socket = opened.enter_context(visitor.notes_socket())
        by_worker.setdefault(worker_holding(socket, server.port, workers), socket)
        if len(by_worker) == len(workers):
            return by_worker
    raise AssertionError("every socket went to the same worker")


def socket_on_worker(
    visitor: Visitor, path: str, worker: int, server: LiveServer, workers: list[int], opened
) -> ClientConnection:
    """A socket of ``visitor`` to ``path`` that worker ``worker`` (a pid) holds; kept open in
    ``opened``. The sockets that went to another worker are closed again."""
    for _ in range(40):
        socket = opened.enter_context(visitor.socket(path))
        if worker_holding(socket, server.port, workers) == worker:
            return socket
        socket.close()
    raise AssertionError(f"no socket went to worker {worker}")


def wait_for_exit(pid: int, timeout: float) -> bool:
    """Whether process ``pid`` (not necessarily our child) ends within ``timeout``."""
    try:
        handle = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        readable, _, _ = select.select([handle], [], [], timeout)
        return bool(readable)
    finally:
        os.close(handle)


needs_proc = pytest.mark.skipif(
    not os.path.exists("/proc/net/tcp"), reason="reads sockets from Linux's /proc"
)
