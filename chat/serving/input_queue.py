"""What a socket's application reads its ASGI messages from (its ``receive``).

daphne gives every connection an ``asyncio.Queue``: four deques (its items, getters,
putters, and the waiters of its ``join`` event), 2.8 KiB held for as long as a socket is
open, for a queue that one application reads and daphne alone fills, without a bound.
:class:`InputQueue` does that with two lists and at most a waiting future or two.
"""

from __future__ import annotations

import asyncio


class InputQueue:
    """An unbounded first-in first-out queue: ``put_nowait`` from the server, ``await get()``
    by the application (several waiting getters are each woken to look again)."""

    __slots__ = ("_in", "_out", "_waiters")

    def __init__(self) -> None:
        # Two stacks: put appends to ``_in``; get pops ``_out``, the reverse of an ``_in``
        # taken whole, so neither end ever shifts the others (a flood of frames stays cheap).
        self._in: list = []
        self._out: list = []
        self._waiters: list[asyncio.Future] | None = None

    def __bool__(self) -> bool:
        # daphne tests a request's queue for truth to mean "there is one", as an
        # asyncio.Queue (without a length) always is.
        return True

    def qsize(self) -> int:
        """How many messages wait."""
        return len(self._in) + len(self._out)

    def empty(self) -> bool:
        """Whether no message waits."""
        return not self._in and not self._out

    def put_nowait(self, message: object) -> None:
        """Add ``message``; wake whoever waits for one."""
        self._in.append(message)
        waiters, self._waiters = self._waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    async def get(self) -> object:
        """The oldest message, once there is one."""
        while self.empty():
            waiter = asyncio.get_running_loop().create_future()
            if self._waiters is None:
                self._waiters = []
            self._waiters.append(waiter)
            try:
                await waiter
            finally:
                if self._waiters is not None and waiter in self._waiters:
                    self._waiters.remove(waiter)
        if not self._out:
            self._in, self._out = [], self._in[::-1]
        return self._out.pop()
