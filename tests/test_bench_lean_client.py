"""The load phase's client sockets (bench/lean_client.py) against a real WebSocket server:
what they send and receive, the pings they answer, and how they close. The bench's
smoke tests (test_bench_smoke.py) run them against the chat and the tutorial, through
nginx too."""

from __future__ import annotations

import asyncio
import time

import pytest
from websockets.asyncio.server import serve

from bench import lean_client


class _Side:
    """What ``lean_client.open_one`` asks of a bench side: a URL and headers per socket."""

    def __init__(self, port: int) -> None:
        self.port = port

    def url(self, index: int) -> str:
        return f"ws://127.0.0.1:{self.port}/room/{index}"

    def headers(self, index: int) -> dict[str, str]:
        return {"Origin": "http://127.0.0.1", "Cookie": f"person={index}"}


class _Received:
    """Every message the sockets hand on, with the moment the test saw it handed."""

    def __init__(self) -> None:
        self.messages: list[tuple[int, str, int, int]] = []
        self.arrived = asyncio.Event()

    def __call__(self, index: int, text: str, arrived_ns: int) -> None:
        self.messages.append((index, text, arrived_ns, time.monotonic_ns()))
        self.arrived.set()

    async def next(self) -> tuple[int, str, int, int]:
        await self.arrived.wait()
        self.arrived.clear()
        return self.messages[-1]


async def test_messages_in_and_out_with_the_time_their_bytes_arrived() -> None:
    seen_requests = []

    async def echo(connection) -> None:
        seen_requests.append(connection.request)
        async for message in connection:
            # Fragmented, as a proxy may send a long message: handed on whole.
            await connection.send([f"echo {message} ", "and more"])

    received = _Received()
    async with serve(echo, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        sockets = await lean_client.open_many(_Side(port), [0, 1], received)
        before = time.monotonic_ns()
        await sockets[1].send("hello")
        index, text, arrived_ns, handed_ns = await received.next()
        await lean_client.close_all(sockets)

    assert (index, text) == (1, "echo hello and more")
    assert before <= arrived_ns <= handed_ns
    assert [request.path for request in seen_requests] == ["/room/0", "/room/1"]
    assert seen_requests[1].headers["Cookie"] == "person=1"
    assert seen_requests[1].headers["Origin"] == "http://127.0.0.1"
    assert "Sec-WebSocket-Extensions" not in seen_requests[1].headers  # no compression
    assert [socket.close_code for socket in sockets] == [1000, 1000]


async def test_a_ping_is_answered_and_the_servers_close_code_kept() -> None:
    answered = asyncio.Event()

    async def ping_then_close(connection) -> None:
        pong = await connection.ping()
        await pong  # the client's pong
        answered.set()
        await connection.close(1012, "restart")

    async with serve(ping_then_close, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        socket = await lean_client.open_one(_Side(port), 0, _Received())
        await asyncio.wait_for(answered.wait(), 5)
        await asyncio.wait_for(asyncio.shield(socket.closed), 5)
        await socket.close()  # already closed: returns at once

    assert socket.close_code == 1012


async def test_a_refused_handshake_raises() -> None:
    async def never(connection) -> None:  # pragma: no cover - refused before it runs
        raise AssertionError

    def refuse(connection, request):
        return connection.respond(403, "Forbidden\n")

    async with serve(never, "127.0.0.1", 0, process_request=refuse) as server:
        port = server.sockets[0].getsockname()[1]
        with pytest.raises(Exception, match="403"):
            await lean_client.open_one(_Side(port), 0, _Received())
