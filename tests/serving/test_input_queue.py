"""A socket's input queue (``chat.serving.input_queue``): first in, first out, and a
waiting reader is woken by the next message."""

from __future__ import annotations

import asyncio

from chat.serving.input_queue import InputQueue


async def test_messages_come_out_in_the_order_they_went_in() -> None:
    queue = InputQueue()
    for number in range(3):
        queue.put_nowait(number)
    first = await queue.get()
    queue.put_nowait(3)  # while some are still waiting to be read

    assert [first] + [await queue.get() for _ in range(3)] == [0, 1, 2, 3]
    assert queue.empty()
    assert queue  # daphne reads a queue's truth as "there is one", even empty


async def test_a_waiting_reader_gets_the_next_message() -> None:
    queue = InputQueue()
    reader = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)  # the reader is now waiting

    queue.put_nowait("connect")

    assert await reader == "connect"
    assert queue.qsize() == 0


async def test_a_cancelled_reader_loses_nothing() -> None:
    queue = InputQueue()
    reader = asyncio.ensure_future(queue.get())
    await asyncio.sleep(0)
    reader.cancel()
    await asyncio.gather(reader, return_exceptions=True)

    queue.put_nowait("frame")

    assert await queue.get() == "frame"
