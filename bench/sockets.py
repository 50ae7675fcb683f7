"""Opening and closing many client sockets with the ``websockets`` library."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from websockets.asyncio.client import ClientConnection, connect

from bench.wire import Side
from tests.support.accounts import LOOPBACK_TLS

#: Handshakes in flight at once while setting up (the storm has no such limit).
OPEN_CONCURRENCY = 50
#: Frames a client buffers before it stops reading from the socket (a browser reads eagerly).
MAX_QUEUE = 4096


async def open_one(side: Side, index: int, timeout: float = 30) -> ClientConnection:
    """Socket ``index`` to its room, with its person's cookie and the page's origin.

    No client pings (browsers send none; daphne's pings are answered), no proxy. A ``wss://``
    address is nginx's (``run.py --proxy``), with its self-signed certificate.
    """
    url = side.url(index)
    return await connect(
        url,
        ssl=LOOPBACK_TLS if url.startswith("wss://") else None,
        additional_headers=side.headers(index),
        open_timeout=timeout,
        ping_interval=None,
        proxy=None,
        max_queue=MAX_QUEUE,
        max_size=2**22,
    )


async def open_many(side: Side, indexes: Iterable[int]) -> list[ClientConnection]:
    """Open sockets ``indexes``, a bounded number of handshakes at a time; in order."""
    gate = asyncio.Semaphore(OPEN_CONCURRENCY)

    async def gated(index: int) -> ClientConnection:
        async with gate:
            return await open_one(side, index)

    return list(await asyncio.gather(*(gated(index) for index in indexes)))


async def close_all(connections: list[ClientConnection]) -> None:
    """Close every socket with a normal close handshake; errors ignored."""
    await asyncio.gather(*(ws.close() for ws in connections), return_exceptions=True)
