"""The load phase's client sockets: websockets' sans-I/O protocol on a plain asyncio
protocol, each message handed on as its bytes arrive, with the time they arrived.

Why not the ``websockets`` library's asyncio client, which the other benches use: at 100
sockets the harness read the frames of one message more slowly than the server wrote
them. Each copy went through the library's receive queue and a reading task of its own,
about 30 µs of the harness's CPU per frame against the server's 15 µs per write, so the
harness fell behind within each message and the later sockets' copies were timed when
their turn came, 1 to 2 ms after they had arrived. Here a socket's bytes are parsed as
they are read (about 3 µs a frame, by the same sans-I/O code) and its messages handed to
the caller's ``on_message`` with the time of that read, before any other socket is read.
``tests/test_bench_lean_client.py`` holds it to a real server.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

from websockets.client import ClientProtocol
from websockets.frames import Frame, Opcode
from websockets.http11 import Response
from websockets.protocol import State
from websockets.uri import parse_uri

from bench.sockets import OPEN_CONCURRENCY
from bench.wire import Side
from tests.support.accounts import LOOPBACK_TLS

#: How long a close handshake may take before the connection is dropped.
CLOSE_SECONDS = 5.0

#: Socket ``index``'s message, as text, and when its last bytes were read (monotonic ns).
OnMessage = Callable[[int, str, int], None]


class LeanSocket(asyncio.Protocol):
    """One client socket: open it with :func:`open_one`; ``send`` and ``close`` as the
    library's client does; what it receives goes to ``on_message``."""

    def __init__(self, index: int, protocol: ClientProtocol, on_message: OnMessage) -> None:
        self.index = index
        self.protocol = protocol
        self.on_message = on_message
        self.transport: asyncio.Transport | None = None
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.close_code: int | None = None
        self._fragments: list[bytes] = []

    # --- asyncio.Protocol ----------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:
        self.transport = transport
        self._flush()  # the handshake request, queued before the connection was made

    def data_received(self, data: bytes) -> None:
        arrived_ns = time.monotonic_ns()
        self.protocol.receive_data(data)
        events = self.protocol.events_received()
        self._flush()  # a pong, or the close frame's answer
        for event in events:
            if isinstance(event, Response):
                self._handshake_done()
            elif isinstance(event, Frame):
                self._frame(event, arrived_ns)

    def eof_received(self) -> bool | None:
        self.protocol.receive_eof()
        self._flush()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        if self.close_code is None:
            self.close_code = self.protocol.close_code
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed during the handshake"))
        if not self.closed.done():
            self.closed.set_result(None)

    # --- what the load phase calls -------------------------------------------------------

    async def send(self, text: str) -> None:
        """Send one text message."""
        self.protocol.send_text(text.encode())
        self._flush()

    async def close(self) -> None:
        """Close with a normal close handshake; dropped if the server does not answer."""
        if self.protocol.state is State.OPEN:
            self.protocol.send_close(1000)
            self._flush()
        try:
            await asyncio.wait_for(asyncio.shield(self.closed), CLOSE_SECONDS)
        except TimeoutError:
            if self.transport is not None:
                self.transport.abort()

    # --- inside ---------------------------------------------------------------------------

    def _handshake_done(self) -> None:
        if self.opened.done():
            return
        if self.protocol.handshake_exc is not None:
            self.opened.set_exception(self.protocol.handshake_exc)
        else:
            self.opened.set_result(None)

    def _frame(self, frame: Frame, arrived_ns: int) -> None:
        if frame.opcode is Opcode.CLOSE:
            self.close_code = self.protocol.close_code
            return
        if frame.opcode not in (Opcode.TEXT, Opcode.CONT):
            return  # a ping is answered by the protocol; binary frames are not the chat's
        self._fragments.append(frame.data)
        if frame.fin:
            text = b"".join(self._fragments).decode()
            self._fragments.clear()
            self.on_message(self.index, text, arrived_ns)

    def _flush(self) -> None:
        if self.transport is None:
            return
        for data in self.protocol.data_to_send():
            if data:
                self.transport.write(data)
            elif self.transport.can_write_eof():
                self.transport.write_eof()  # the protocol's end of the close handshake
        if self.protocol.close_expected() and self.protocol.state is State.CLOSED:
            self.transport.close()


async def open_one(side: Side, index: int, on_message: OnMessage) -> LeanSocket:
    """Socket ``index`` to its room, with its person's cookie and the page's origin (as
    ``bench.sockets.open_one``; no compression, no client pings)."""
    url = side.url(index)
    uri = parse_uri(url)
    protocol = ClientProtocol(uri, max_size=2**22)
    request = protocol.connect()
    for name, value in side.headers(index).items():
        request.headers[name] = value
    protocol.send_request(request)
    parts = urlsplit(url)
    tls: ssl.SSLContext | None = LOOPBACK_TLS if parts.scheme == "wss" else None
    loop = asyncio.get_running_loop()
    _, socket = await loop.create_connection(
        lambda: LeanSocket(index, protocol, on_message), uri.host, uri.port, ssl=tls
    )
    try:
        await asyncio.wait_for(socket.opened, 30)
    except BaseException:
        socket.transport.abort()  # refused or too slow: nothing is left open
        raise
    return socket


async def open_many(side: Side, indexes: Iterable[int], on_message: OnMessage) -> list[LeanSocket]:
    """Open sockets ``indexes``, a bounded number of handshakes at a time; in order."""
    gate = asyncio.Semaphore(OPEN_CONCURRENCY)

    async def gated(index: int) -> LeanSocket:
        async with gate:
            return await open_one(side, index, on_message)

    return list(await asyncio.gather(*(gated(index) for index in indexes)))


async def close_all(sockets: list[LeanSocket]) -> None:
    """Close every socket with a normal close handshake."""
    await asyncio.gather(*(socket.close() for socket in sockets))
