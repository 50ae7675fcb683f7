"""uvicorn's path (``chat.uvicorn_server``, ``chat.body_limit``): its configuration, and the
ASGI wrappers that make it behave as daphne does. Served for real in tests/test_serve.py."""

from __future__ import annotations

import asyncio
import logging
import signal
import socket
from collections.abc import Iterator

import pytest
import uvicorn
from daphne.utils import parse_x_forwarded_for
from uvicorn.protocols.utils import ClientDisconnected
from uvicorn.server import ServerState

from chat import uvicorn_server
from chat.body_limit import FORM_OVERHEAD_BYTES, RefuseLargeBodies, cut_off_bytes
from chat.uvicorn_server import (
    DropSendsAfterClose,
    ForwardedHeaders,
    GracefulServer,
    LimitedHttpToolsProtocol,
)

# --- the configuration ----------------------------------------------------------------


@pytest.fixture
def configs(monkeypatch) -> Iterator[list[uvicorn.Config]]:
    """The configurations ``serve_on_fd`` runs uvicorn with; uvicorn is not run, and the
    sockets it was handed are closed at the end."""
    runs: list[uvicorn.Config] = []
    handed: list[socket.socket] = []

    def run(server: GracefulServer, sockets: list[socket.socket]) -> None:
        runs.append(server.config)
        handed.extend(sockets)

    monkeypatch.setattr(GracefulServer, "run", run)
    # serve_on_fd sets up logging for the process it runs in; this one carries on.
    monkeypatch.setattr(logging, "basicConfig", lambda **_: None)
    for name in ("chat", "django"):
        monkeypatch.setattr(logging.getLogger(name), "propagate", True)
    yield runs
    for listener in handed:
        listener.close()


def listening_fd() -> int:
    """The descriptor of a new listening socket (``serve_on_fd`` takes it over)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    return listener.detach()


def test_uvicorn_runs_with_daphnes_websocket_limits_and_no_compression(configs):
    uvicorn_server.serve_on_fd(listening_fd(), proxy_headers=False, grace=2.0)

    [config] = configs
    assert config.ws_max_size == 1024 * 1024
    assert (config.ws_ping_interval, config.ws_ping_timeout) == (20.0, 30.0)
    assert config.ws_per_message_deflate is False
    assert (config.loop, config.http) == ("uvloop", LimitedHttpToolsProtocol)
    assert config.timeout_graceful_shutdown == 2.0


def test_proxy_headers_are_read_by_our_middleware_only_when_asked(configs):
    uvicorn_server.serve_on_fd(listening_fd(), proxy_headers=False, grace=1.0)
    uvicorn_server.serve_on_fd(listening_fd(), proxy_headers=True, grace=1.0)

    without, with_proxy = configs
    assert without.proxy_headers is False and with_proxy.proxy_headers is False  # uvicorn's
    assert not isinstance(without.app, ForwardedHeaders)
    assert isinstance(with_proxy.app, ForwardedHeaders)


# --- stopping -------------------------------------------------------------------------


def test_a_second_signal_stops_at_once_and_none_is_raised_again():
    server = GracefulServer(uvicorn.Config(app=None))

    server.handle_exit(signal.SIGTERM, None)
    assert server.should_exit and not server.force_exit
    server.handle_exit(signal.SIGTERM, None)

    assert server.force_exit
    assert server._captured_signals == []  # uvicorn would raise these once stopped


# --- ASGI wrappers ----------------------------------------------------------------------


def recording_app(seen: list):
    async def app(scope, receive, send):
        seen.append(scope)

    return app


@pytest.mark.parametrize(
    "headers",
    [
        [(b"x-forwarded-for", b"203.0.113.7, 10.0.0.1"), (b"x-forwarded-port", b"4711"),
         (b"x-forwarded-proto", b"https")],
        [(b"x-forwarded-for", b"203.0.113.7"), (b"x-forwarded-proto", b"https")],
        [(b"x-forwarded-port", b"4711"), (b"x-forwarded-proto", b"https")],
        [],
    ],
    ids=["all", "no-port", "no-address", "none"],
)  # fmt: skip
async def test_forwarded_headers_are_read_as_daphne_reads_them(headers) -> None:
    seen: list = []
    scope = {"type": "http", "headers": headers, "client": ("127.0.0.1", 5000), "scheme": "http"}

    await ForwardedHeaders(recording_app(seen))(scope, None, None)

    address, scheme = parse_x_forwarded_for(
        {name: [value] for name, value in headers}, original_addr=["127.0.0.1", 5000],
        original_scheme="http",
    )  # fmt: skip
    assert seen[0]["client"] == tuple(address)
    assert seen[0]["scheme"] == scheme


async def test_a_sockets_scheme_is_left_as_it_is() -> None:
    seen: list = []
    headers = [(b"x-forwarded-for", b"203.0.113.7"), (b"x-forwarded-proto", b"https")]
    scope = {"type": "websocket", "headers": headers, "client": ("127.0.0.1", 5000)}

    await ForwardedHeaders(recording_app(seen))(scope, None, None)

    assert seen[0]["client"] == ("203.0.113.7", 0)
    assert "scheme" not in seen[0]


async def test_sends_to_a_closed_socket_are_dropped() -> None:
    sent: list = []

    async def send(message):
        if sent and sent[-1] == "gone":
            raise ClientDisconnected
        sent.append(message["text"])
        if message["text"] == "last":
            sent.append("gone")

    async def receive():
        return {"type": "websocket.disconnect", "code": 1001}

    async def consumer(scope, receive, send):
        await send({"type": "websocket.send", "text": "last"})
        await send({"type": "websocket.send", "text": "refused by uvicorn"})
        await receive()
        await send({"type": "websocket.send", "text": "after the disconnect"})
        await send({"type": "websocket.close", "code": 1000})

    await DropSendsAfterClose(consumer)({"type": "websocket"}, receive, send)

    assert sent == ["last", "gone"]


# --- request bodies (the live 413s are in test_serve.py) -------------------------------

LIMIT = 1000
MOST = LIMIT + FORM_OVERHEAD_BYTES


def body_of(length: int, chunk: int = 65536) -> list[dict]:
    chunks = [b"x" * min(chunk, length - start) for start in range(0, length, chunk)] or [b""]
    return [
        {"type": "http.request", "body": part, "more_body": n < len(chunks) - 1}
        for n, part in enumerate(chunks)
    ]


async def through_the_limit(
    length: int, declared: bool, cut_after: int | None = None
) -> tuple[list[dict], list[dict], bytes]:
    """Send a body of ``length`` through RefuseLargeBodies around an app that reads it all
    (the server cutting the connection after ``cut_after`` messages); what the app read,
    what was answered, and what was left unread."""
    messages = body_of(length)
    if cut_after is not None:
        messages[cut_after:] = [{"type": "http.disconnect"}]
    headers = [(b"content-length", str(length).encode())] if declared else []
    read: list[dict] = []
    answered: list[dict] = []

    async def receive():
        return messages.pop(0)

    async def send(message):
        answered.append(message)

    async def app(scope, receive, send):
        while True:
            message = await receive()
            read.append(message)
            if not message.get("more_body"):
                break
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    await RefuseLargeBodies(app)({"type": "http", "headers": headers}, receive, send)
    return read, answered, b"".join(m["body"] for m in messages)


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_a_body_within_the_limit_reaches_the_app(settings, declared) -> None:
    settings.CHAT_UPLOAD_MAX_BYTES = LIMIT

    read, answered, _unread = await through_the_limit(MOST, declared)

    assert sum(len(m["body"]) for m in read) == MOST
    assert answered[0]["status"] == 200


@pytest.mark.parametrize("declared", [True, False], ids=["content-length", "chunked"])
async def test_a_body_over_the_limit_is_dropped_and_refused(settings, declared) -> None:
    settings.CHAT_UPLOAD_MAX_BYTES = LIMIT

    read, answered, unread = await through_the_limit(MOST + 1, declared)

    assert sum(len(m["body"]) for m in read) <= MOST  # the app never had it all
    assert unread == b""  # the rest was read and dropped, so the answer can be read
    assert answered[0]["status"] == 413
    assert b"Files are at most 1.0 kB; this upload is 1.0 MB." in answered[1]["body"]


async def test_a_body_the_server_cuts_off_gets_no_answer(settings) -> None:
    settings.CHAT_UPLOAD_MAX_BYTES = LIMIT

    _read, answered, _unread = await through_the_limit(4 * MOST, declared=False, cut_after=32)

    assert answered == []


class FakeTransport(asyncio.Transport):
    """Just enough of a transport for uvicorn's HTTP protocol: it records what is done."""

    def __init__(self) -> None:
        super().__init__()
        self.aborted = False

    def get_extra_info(self, name, default=None):
        return {"peername": ("127.0.0.1", 5000), "sockname": ("127.0.0.1", 8000)}.get(name)

    def write(self, data) -> None:
        pass

    def abort(self) -> None:
        self.aborted = True

    def close(self) -> None:
        pass

    def is_closing(self) -> bool:
        return self.aborted

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def test_the_server_cuts_a_body_going_on_past_twice_the_limit(settings) -> None:
    settings.CHAT_UPLOAD_MAX_BYTES = LIMIT

    async def app(scope, receive, send):
        pass  # nothing reads: the protocol alone counts what arrives

    config = uvicorn.Config(app, http=LimitedHttpToolsProtocol, lifespan="off")
    config.load()
    protocol = LimitedHttpToolsProtocol(config, ServerState(), app_state={})
    transport = FakeTransport()
    protocol.connection_made(transport)
    protocol.data_received(b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
    chunk = b"10000\r\n" + b"x" * 0x10000 + b"\r\n"

    sent = 0
    while sent + 0x10000 <= cut_off_bytes():
        protocol.data_received(chunk)
        sent += 0x10000
    assert not transport.aborted
    protocol.data_received(chunk)

    assert transport.aborted
