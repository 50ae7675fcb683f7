"""The load phase against one side: idle-socket memory, then M messages at R/s to N sockets.

1. warm up: a few sockets of one room exchange a message, so code paths and caches are
   loaded;
2. server RSS with no socket open, then with N idle sockets open: memory per socket;
3. server CPU time, then M messages sent at a steady R per second, round-robin over the
   sender sockets; every frame received is read for messages (``bench.wire``), timed
   when its bytes were read off the socket (``bench.lean_client``); wait
   until every socket has every message of its room, or the drain time is over; server
   CPU again.

The N sockets are spread over the plan's rooms (``wire.room_of``); a message is expected
by every socket of its sender's room and by no other.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from websockets.asyncio.client import ClientConnection

from bench import collector, lean_client, procstat, sockets, stats, wire
from bench.stack import ServerProcess

WARM_SOCKETS = 4
WARM_TIMEOUT = 10.0


@dataclass(frozen=True)
class Plan:
    """How hard to push: N sockets in ``rooms`` rooms, S of them sending M messages at R/s."""

    sockets: int
    senders: int
    messages: int
    rate: float
    rooms: int = 1
    drain: float = 10.0
    settle: float = 1.0
    #: Every ``typing_every``-th socket says "typing" every TYPING_SECONDS while the
    #: messages go out (0: nobody types; the baseline has no such thing).
    typing_every: int = 0

    def room_sizes(self) -> list[int]:
        """Sockets per room (they differ by one at most)."""
        return [len(range(room, self.sockets, self.rooms)) for room in range(self.rooms)]

    def sender_indexes(self) -> list[int]:
        """The sending sockets in sending order: message ``seq`` goes out on ``seq mod S``.

        S is a multiple of the rooms (``run.sender_sockets``): each round takes the next
        sender of every room in turn, so message ``seq`` goes to room ``seq mod rooms``.
        Room r's m-th sender is its socket number (r + m) mod size, so that the rooms'
        senders belong to different people; with one room, sockets 0 to S-1.
        """
        sizes = self.room_sizes()
        return [
            room + self.rooms * ((room + rank) % sizes[room])
            for rank in range(self.senders // self.rooms)
            for room in range(self.rooms)
        ]

    def message_rooms(self) -> list[int]:
        """The room each message is sent to (its sender's)."""
        senders = self.sender_indexes()
        return [
            wire.room_of(senders[seq % len(senders)], self.rooms) for seq in range(self.messages)
        ]


@dataclass
class Tally:
    """Every message copy received, per socket, with its delay.

    A copy is a delivery when the message was sent to the socket's room; a first copy
    of anything else (a message of another room, an unknown sequence number) is stray.
    """

    socket_rooms: list[int]  # socket -> its room
    message_rooms: list[int]  # seq -> the room it was sent to
    copies: Counter = field(default_factory=Counter)  # (socket, seq) -> copies
    delays_ns: list[int] = field(default_factory=list)
    message_ids: dict[int, set[int]] = field(default_factory=dict)  # seq -> stored ids
    notices: Counter = field(default_factory=Counter)
    closes: Counter = field(default_factory=Counter)
    received: int = 0
    last_receive_ns: int = 0
    complete: asyncio.Event = field(default_factory=asyncio.Event)
    #: Deliveries expected: each message once per socket of its room.
    expected: int = field(init=False)

    def __post_init__(self) -> None:
        sizes = Counter(self.socket_rooms)
        self.expected = sum(sizes[room] for room in self.message_rooms)

    @classmethod
    def for_plan(cls, plan: Plan) -> Tally:
        """A tally expecting the plan's messages in the plan's rooms."""
        rooms = [wire.room_of(socket, plan.rooms) for socket in range(plan.sockets)]
        return cls(rooms, plan.message_rooms())

    def _is_delivery(self, socket: int, seq: int) -> bool:
        return (
            0 <= seq < len(self.message_rooms)
            and self.message_rooms[seq] == self.socket_rooms[socket]
        )

    def record(self, socket: int, delivery: wire.Delivery, received_ns: int) -> None:
        key = (socket, delivery.seq)
        self.copies[key] += 1
        if self.copies[key] > 1:
            return  # a duplicate: counted, but its delay is not a delivery's
        if delivery.message_id is not None:
            self.message_ids.setdefault(delivery.seq, set()).add(delivery.message_id)
        if not self._is_delivery(socket, delivery.seq):
            return  # stray: counted in deliveries(), not timed
        self.delays_ns.append(received_ns - delivery.sent_ns)
        self.last_receive_ns = received_ns
        self.received += 1
        if self.received == self.expected:
            self.complete.set()

    def deliveries(self) -> dict[str, int]:
        """Expected, received, lost, duplicated and stray copies; messages stored twice."""
        expected = self.expected
        return {
            "expected": expected,
            "received": self.received,
            "lost": expected - self.received,
            "duplicated": sum(self.copies.values()) - len(self.copies),
            "stray": len(self.copies) - self.received,
            "stored_twice": sum(1 for ids in self.message_ids.values() if len(ids) > 1),
        }


class _Inbox:
    """The measured sockets' messages, each with the time its bytes arrived: read for
    deliveries once the sockets read in the same turn of the loop have all been stamped,
    so that one socket's reading never delays another's time."""

    def __init__(self, side: wire.Side, tally: Tally, *, keep: bool = False) -> None:
        self.side = side
        self.tally = tally
        self.waiting: list[tuple[int, str, int]] = []
        #: With ``keep``, every message's arrival (seq, socket, ns), for ``bench/timeline.py``.
        self.arrivals: list[tuple[int, int, int]] | None = [] if keep else None

    def __call__(self, index: int, text: str, arrived_ns: int) -> None:
        if not self.waiting:
            asyncio.get_running_loop().call_soon(self.read)
        self.waiting.append((index, text, arrived_ns))

    def read(self) -> None:
        """Tally what has arrived."""
        waiting, self.waiting = self.waiting, []
        for index, text, arrived_ns in waiting:
            found, notices = self.side.read(text)
            for delivery in found:
                self.tally.record(index, delivery, arrived_ns)
                if self.arrivals is not None:
                    self.arrivals.append((delivery.seq, index, arrived_ns))
            self.tally.notices.update(notices)

    def write_arrivals(self, path: Path, pids: list[int]) -> None:
        """The arrivals kept, one ``seq, socket, ns`` line each, after a line naming the
        server's processes (``pids``), whose moments they go with."""
        with path.open("w") as out:
            out.write("# " + " ".join(map(str, pids)) + "\n")
            out.writelines(f"{seq}\t{socket}\t{ns}\n" for seq, socket, ns in self.arrivals or ())


async def _warm_up(side: wire.Side, count: int, rooms: int) -> None:
    """A few sockets of room 0 each send one message and wait to see them all."""
    indexes = [number * rooms for number in range(count)]  # room 0, different people
    connections = await sockets.open_many(side, indexes)
    seen = Counter()

    async def read(index: int, ws: ClientConnection) -> None:
        async for frame in ws:
            seen[index] += frame.count("warmup ")
            if seen[index] >= count:
                return

    readers = [asyncio.create_task(read(i, ws)) for i, ws in enumerate(connections)]
    for index, ws in zip(indexes, connections, strict=True):
        await ws.send(side.message_frame(index, f"warmup {index}"))
    await asyncio.wait(readers, timeout=WARM_TIMEOUT)
    await sockets.close_all(connections)
    await asyncio.gather(*readers, return_exceptions=True)


async def _send(
    side: wire.Side, connections: list[lean_client.LeanSocket], plan: Plan
) -> tuple[int, int, float]:
    """Send the plan's messages on schedule: first and last send times, worst lateness (s)."""
    start = time.monotonic()
    first_ns = last_ns = time.monotonic_ns()
    worst_lag = 0.0
    senders = plan.sender_indexes()
    for seq in range(plan.messages):
        due = start + seq / plan.rate
        wait = due - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        worst_lag = max(worst_lag, time.monotonic() - due)
        index = senders[seq % len(senders)]
        last_ns = time.monotonic_ns()
        if seq == 0:
            first_ns = last_ns
        await connections[index].send(side.message_frame(index, wire.body(seq, last_ns)))
    return first_ns, last_ns, worst_lag


#: How often a typing socket says so: as often as a page may (chat/limits.py).
TYPING_SECONDS = 3.0


async def _type(side: wire.Side, connections: list[lean_client.LeanSocket], plan: Plan) -> int:
    """Have every ``plan.typing_every``-th socket say "typing" every few seconds, staggered,
    until cancelled; the typing frames sent."""
    frame = side.typing_frame()
    typists = list(range(0, plan.sockets, plan.typing_every)) if plan.typing_every else []
    if frame is None or not typists:
        return 0
    sent = 0
    try:
        while True:
            for index in typists:
                await connections[index].send(frame)
                sent += 1
                await asyncio.sleep(TYPING_SECONDS / len(typists))
    except asyncio.CancelledError:
        return sent


async def run_load(side: wire.Side, server: ServerProcess, plan: Plan) -> dict:
    """Run the phase; its measurements (see the module docstring)."""
    await _warm_up(side, min(WARM_SOCKETS, plan.sockets), plan.rooms)
    await asyncio.sleep(plan.settle)
    rss_idle = server.rss_bytes()
    tally = Tally.for_plan(plan)
    # The server's side of the timeline is written by bench/server_hook (bench/timeline.py).
    timeline = os.environ.get("CHAT_BENCH_TIMELINE")
    inbox = _Inbox(side, tally, keep=bool(timeline))
    opening = time.monotonic()
    connections = await lean_client.open_many(side, range(plan.sockets), inbox)
    open_seconds = time.monotonic() - opening
    await asyncio.sleep(plan.settle)
    rss_open = server.rss_bytes()

    # Nothing of the harness's own collector in what it times (bench.collector).
    with collector.held():
        cpu_before, client_before = server.cpu_seconds(), time.process_time()
        proxy_before = server.proxy_cpu_seconds()
        machine_before, wall_before = procstat.machine_busy_seconds(), time.monotonic()
        typing = asyncio.create_task(_type(side, connections, plan))
        first_send_ns, last_send_ns, worst_lag = await _send(side, connections, plan)
        send_seconds = time.monotonic() - wall_before
        typing.cancel()
        typing_frames = await typing
        with contextlib.suppress(TimeoutError):  # what is still missing is counted as lost
            await asyncio.wait_for(tally.complete.wait(), plan.drain)
        wall = time.monotonic() - wall_before
        cpu = server.cpu_seconds() - cpu_before
        client_cpu = time.process_time() - client_before
        proxy_cpu = None if proxy_before is None else server.proxy_cpu_seconds() - proxy_before
        others = (
            procstat.machine_busy_seconds() - machine_before - cpu - client_cpu - (proxy_cpu or 0)
        )

    if timeline:  # while the server's processes are all still there to be named
        pids = server.pids()
    await lean_client.close_all(connections)
    inbox.read()
    if timeline:
        inbox.write_arrivals(Path(timeline) / f"arrivals-{server.process.pid}.tsv", pids)
    for ws in connections:
        if ws.close_code is not None and ws.close_code != 1000:
            tally.closes[ws.close_code] += 1

    deliveries = tally.deliveries()
    received = deliveries["received"]
    span = (tally.last_receive_ns - first_send_ns) / 1e9 if received else 0.0
    return {
        "deliveries": deliveries,
        "delay_ms": stats.summary_ms(tally.delays_ns),
        "deliveries_per_s": received / span if span > 0 else None,
        "offered_deliveries_per_s": plan.rate * deliveries["expected"] / plan.messages,
        # How far behind the server was when sending stopped (a growing backlog shows here).
        "last_delivery_after_last_send_ms": (tally.last_receive_ns - last_send_ns) / 1e6
        if received
        else None,
        "open_seconds": open_seconds,
        "send_seconds": send_seconds,
        "worst_send_lag_ms": worst_lag * 1e3,
        "server_cpu_seconds": cpu,
        "server_cpu_us_per_delivery": cpu * 1e6 / received if received else None,
        "server_cpu_percent": 100 * cpu / wall,
        # nginx in front (``--proxy``): its own CPU, beside the server's, not in it.
        "proxy_cpu_us_per_delivery": proxy_cpu * 1e6 / received
        if proxy_cpu is not None and received
        else None,
        "client_cpu_percent": 100 * client_cpu / wall,
        # Everything else running on the machine meanwhile, in cores: the noise.
        "other_processes_cores": max(0.0, others / wall),
        "rss_no_sockets_bytes": rss_idle,
        "rss_idle_sockets_bytes": rss_open,
        "rss_per_idle_socket_kib": (rss_open - rss_idle) / plan.sockets / 1024,
        "server_processes": len(server.pids()),
        "typing_frames_sent": typing_frames,
        "notices": dict(tally.notices),
        "unexpected_closes": {str(code): n for code, n in tally.closes.items()},
    }
