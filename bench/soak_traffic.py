"""The soak's traffic: sockets that come and go, posts, edits, reactions, files and searches.

Socket *slot* i is in room i mod ROOMS and belongs to person i mod PEOPLE; a slot always
has one socket open, but for the moment its page is re-opened. Every CHURN_SECONDS a
fraction of the open sockets is chosen to close: each one's slot gets a new socket at
once (its room page loaded first, as a browser does), and the old one closes once it has
everything it is expected to get (``bench.soak_tally``). Meanwhile, each at its own
steady rate: posts on the sockets (room after room, from a socket of the room whose
person is within the posting limit), edits of recent posts by their authors, reactions
to recent messages, files with words (each one a message like a post, checked on every
socket alike) and searches. The posting limit is per person and counts posts, files,
edits and reactions together (``chat.ratelimit``): the soak keeps every person under it
with a margin (``Budget``). HTTP requests run in a few threads of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

from websockets.exceptions import ConnectionClosed

from bench import soak_http, sockets
from bench.soak_plan import Budget, Plan, Side
from bench.soak_tally import POST, UPLOAD, Conn, Tally
from chat.limits import EDIT_WINDOW_SECONDS, REACTION_PALETTE

#: HTTP requests in flight at once (page loads, edits, reactions, files, searches).
HTTP_THREADS = 8
#: Actions of one kind still in flight beyond which the next one is skipped (counted).
MOST_IN_FLIGHT = 32
#: Messages older than this are not edited (the server allows EDIT_WINDOW_SECONDS).
EDIT_WITHIN_NS = int(EDIT_WINDOW_SECONDS / 2 * 1e9)
#: How far back reactions and edits look for a message, and how recent it must not be.
RECENT_NS, SETTLED_NS = int(600e9), int(1e9)
#: How often a socket waiting to close looks at what it still misses.
CLOSING_POLL_SECONDS = 0.2
#: The words searched for: every soak message has them.
SEARCH_WORDS = "bench"


class Traffic:
    """Runs the plan against a server; ``tally``, ``actions`` and ``failures`` hold the
    outcome."""

    def __init__(
        self, plan: Plan, base_url: str, slugs: list[str], people: list[soak_http.Person]
    ) -> None:
        self.plan = plan
        self.slugs = slugs
        self.people = people
        self.side = Side(plan, base_url, slugs, people)
        self.tally = Tally()
        self.budget = Budget(plan.people)
        self.http = ThreadPoolExecutor(HTTP_THREADS, thread_name_prefix="soak-http")
        self.open_in: dict[int, list[Conn]] = defaultdict(list)  # room -> open, not closing
        self.readers: dict[Conn, asyncio.Task] = {}
        self.tasks: set[asyncio.Task] = set()
        self.in_flight: Counter = Counter()
        #: Per kind: attempted, succeeded; and skipped (nobody in the limit, or a backlog).
        self.actions: dict[str, Counter] = defaultdict(Counter)
        self.failures: Counter = Counter()  # "kind: reason" -> count
        self.failure_times: list[int] = []
        self.serial = 0
        self.empty_slots: list[int] = []  # slots whose socket failed to open
        self.stopping = False

    # --- bookkeeping -----------------------------------------------------------------------

    def fail(self, kind: str, reason: str) -> None:
        self.failures[f"{kind}: {reason}"] += 1
        self.failure_times.append(time.monotonic_ns())

    def open_sockets(self) -> int:
        return sum(len(conns) for conns in self.open_in.values())

    def spawn(self, work: Awaitable) -> asyncio.Task:
        task = asyncio.ensure_future(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    async def in_thread(self, call: Callable, *args):
        return await asyncio.get_running_loop().run_in_executor(self.http, call, *args)

    # --- sockets ---------------------------------------------------------------------------

    async def open_slot(self, slot: int, page: bool) -> Conn | None:
        """Open slot's socket (its room page first when ``page``), and start reading it."""
        room, person = self.plan.room_of(slot), self.plan.person_of(slot)
        if page:
            self.actions["page"]["attempted"] += 1
            try:
                await self.in_thread(self.people[person].open_room_page, self.slugs[room])
                self.actions["page"]["succeeded"] += 1
            except soak_http.Failed as error:
                self.fail("page", str(error))
        self.actions["socket"]["attempted"] += 1
        try:
            ws = await sockets.open_one(self.side, slot)
        except Exception as error:  # refused, timed out: counted, the slot tried again
            self.fail("socket", f"{type(error).__name__} {error}".strip()[:80])
            if not self.stopping:
                self.empty_slots.append(slot)
            return None
        self.actions["socket"]["succeeded"] += 1
        self.serial += 1
        conn = Conn(self.serial, slot, room, person, time.monotonic_ns(), ws)
        self.tally.conns.append(conn)
        self.open_in[room].append(conn)
        self.readers[conn] = asyncio.create_task(self.read(conn))
        return conn

    async def read(self, conn: Conn) -> None:
        try:
            async for frame in conn.ws:
                self.tally.read(conn, frame, time.monotonic_ns())
        except ConnectionClosed:
            pass
        if conn.closing:
            return
        # Closed by the server: what it was owed until now is still checked.
        conn.cutoff_ns = time.monotonic_ns()
        conn.closed_by_server = conn.ws.close_code
        self._forget(conn)
        self.fail("socket", f"closed by the server ({conn.ws.close_code})")
        if not self.stopping:  # a page reconnects
            self.spawn(self.open_slot(conn.slot, page=False))

    def _forget(self, conn: Conn) -> None:
        with contextlib.suppress(ValueError):
            self.open_in[conn.room].remove(conn)

    async def retire(self, conn: Conn) -> None:
        """Stop holding ``conn`` to anything sent from now on, wait (at most the drain
        time) until it has everything it is owed, then close it."""
        conn.cutoff_ns = time.monotonic_ns()
        self._forget(conn)
        deadline = time.monotonic() + self.plan.drain
        # Polled: what a socket is owed arrives over many frames, from many sends.
        while self.tally.missing(conn) and time.monotonic() < deadline:
            await asyncio.sleep(CLOSING_POLL_SECONDS)
        await conn.ws.close()
        await self.readers.pop(conn)

    async def churn(self) -> None:
        """Replace a few random sockets: a new one for the slot, the old one retired."""
        # A page whose socket could not open tries again (with its page), as a browser
        # reconnects after a while: here, at the next churn.
        retrying, self.empty_slots = self.empty_slots, []
        for slot in retrying:
            self.spawn(self.open_slot(slot, page=True))
        open_now = [conn for conns in self.open_in.values() for conn in conns]
        for conn in random.sample(open_now, min(self.plan.churned(), len(open_now))):
            self.spawn(self.replace(conn))

    async def replace(self, conn: Conn) -> None:
        """The slot's new socket opens (page first) while the old one is retired."""
        self.actions["churn"]["attempted"] += 1
        opened, _ = await asyncio.gather(self.open_slot(conn.slot, page=True), self.retire(conn))
        if opened is not None:
            self.actions["churn"]["succeeded"] += 1

    # --- actions ---------------------------------------------------------------------------

    def _someone_in(self, room: int) -> Conn | None:
        """An open socket of ``room`` whose person may still act, counted against them."""
        conns = self.open_in[room]
        for conn in random.sample(conns, len(conns)):
            if self.budget.take(conn.person):
                return conn
        return None

    async def post(self) -> None:
        """One post, to the next room, from one of its sockets."""
        room = self.actions[POST]["attempted"] % self.plan.rooms
        self.actions[POST]["attempted"] += 1
        conn = self._someone_in(room)
        if conn is None:
            self.actions[POST]["skipped"] += 1
            return
        item, body = self.tally.new_message(POST, room, conn.person)
        ack = str(uuid.uuid4())
        self.tally.by_ack[ack] = item
        person = self.people[conn.person]
        frame = json.dumps(
            {
                "csrfmiddlewaretoken": person.token,
                "body": body,
                "client_id": ack,
                "HEADERS": {
                    "HX-Request": "true",
                    "HX-Trigger": "composer-form",
                    "HX-Trigger-Name": None,
                    "HX-Target": "composer-form",
                    "HX-Current-URL": f"{self.side.base_url}/r/{self.slugs[room]}/",
                },
            }
        )
        try:
            await conn.ws.send(frame)
            self.actions[POST]["succeeded"] += 1  # sent; "refused" is counted from the answer
        except ConnectionClosed:
            item.status = "refused"  # never reached the server
            self.fail(POST, "socket closed while sending")

    def _recent(self, room: int | None, kinds: tuple[str, ...], within_ns: int) -> list:
        """Stored messages sent between ``within_ns`` and SETTLED_NS ago, newest first."""
        now = time.monotonic_ns()
        rooms = [room] if room is not None else range(self.plan.rooms)
        found = []
        for number in rooms:
            for item in reversed(self.tally.by_room[number]):
                if item.sent_ns < now - within_ns:
                    break
                if (
                    item.kind in kinds
                    and item.message_id is not None
                    and (item.sent_ns < now - SETTLED_NS)
                ):
                    found.append(item)
        return found

    async def edit(self) -> None:
        """An author edits one of their recent posts."""
        room = random.randrange(self.plan.rooms)
        candidates = self._recent(room, (POST,), EDIT_WITHIN_NS)
        target = next((item for item in candidates[:20] if self.budget.take(item.person)), None)
        if target is None:
            self.actions["edit"]["skipped"] += 1
            return
        item, body = self.tally.new_edit(room, target.person, target.message_id)
        await self._http("edit", self.people[target.person].edit, self.slugs[room],
                         target.message_id, body, item=item)  # fmt: skip

    async def react(self) -> None:
        """Someone with the room open toggles a reaction on one of its recent messages."""
        room = random.randrange(self.plan.rooms)
        candidates = self._recent(room, (POST, UPLOAD), RECENT_NS)
        conn = self._someone_in(room) if candidates else None
        if conn is None:
            self.actions["react"]["skipped"] += 1
            return
        target = random.choice(candidates[:50])
        emoji = random.choice(REACTION_PALETTE)
        await self._http("react", self.people[conn.person].react, self.slugs[room],
                         target.message_id, emoji)  # fmt: skip

    async def upload(self) -> None:
        """Someone with the room open sends a small file with words."""
        room = random.randrange(self.plan.rooms)
        conn = self._someone_in(room)
        if conn is None:
            self.actions[UPLOAD]["skipped"] += 1
            return
        item, body = self.tally.new_message(UPLOAD, room, conn.person)
        name, content, content_type = soak_http.generated_file(item.key[1])
        await self._http(UPLOAD, self.people[conn.person].upload, self.slugs[room],
                         name, content, content_type, body, item=item)  # fmt: skip

    async def search(self) -> None:
        """Someone searches for the words every message has."""
        some_stored = bool(self._recent(None, (POST,), RECENT_NS))
        results = await self._http("search", random.choice(self.people).search, SEARCH_WORDS)
        if results == 0 and some_stored:
            self.actions["search"]["succeeded"] -= 1
            self.fail("search", "no results")

    async def _http(self, kind: str, call: Callable, *args, item=None):
        """Run one HTTP action in a thread; count it; mark its item stored or refused."""
        self.actions[kind]["attempted"] += 1
        try:
            answer = await self.in_thread(call, *args)
        except soak_http.Failed as error:
            if item is not None:
                item.status = "refused"
            self.fail(kind, str(error))
            return None
        if item is not None:
            item.status = "stored"
        self.actions[kind]["succeeded"] += 1
        return answer

    # --- the run ---------------------------------------------------------------------------

    async def steadily(self, kind: str, rate: float, action: Callable[[], Awaitable]) -> None:
        """Start ``action`` ``rate`` times a second until stopped; a kind with too many
        still in flight skips its turn (counted)."""
        if rate <= 0:
            return
        start, count = time.monotonic(), 0
        while not self.stopping:
            count += 1
            wait = start + count / rate - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if self.stopping:
                return
            if self.in_flight[kind] >= MOST_IN_FLIGHT:
                self.actions[kind]["skipped"] += 1
                continue
            self.in_flight[kind] += 1
            task = self.spawn(action())
            task.add_done_callback(lambda _t, kind=kind: self.in_flight.subtract([kind]))

    async def run(self, sample: Callable[[float], Awaitable[None]], say: Callable) -> None:
        """Open every slot's socket, run the traffic for the plan's time, sampling on the
        way, then retire every socket."""
        gate = asyncio.Semaphore(sockets.OPEN_CONCURRENCY)

        async def gated(slot: int) -> None:
            async with gate:
                await self.open_slot(slot, page=False)

        await asyncio.gather(*(gated(slot) for slot in range(self.plan.sockets)))
        say(f"{self.open_sockets()} sockets open; traffic for {self.plan.seconds:g} s")
        plan = self.plan
        rates = [
            (POST, plan.rate, self.post),
            ("edit", plan.edit_rate, self.edit),
            ("react", plan.react_rate, self.react),
            (UPLOAD, plan.upload_rate, self.upload),
            ("search", plan.search_rate, self.search),
        ]
        if plan.churned():
            rates.append(("churn", 1 / plan.churn_seconds, self.churn))
        drivers = [asyncio.create_task(self.steadily(*rate)) for rate in rates]
        start = time.monotonic()
        for at in plan.sample_times():
            wait = start + at - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            await sample(at)
        self.stopping = True
        await asyncio.gather(*drivers)
        # The actions in flight finish (each bounded by its request's timeout); then
        # every socket still open is retired, owed what was sent until now.
        while self.tasks:
            await asyncio.gather(*list(self.tasks), return_exceptions=True)
        open_now = [conn for conns in self.open_in.values() for conn in conns]
        await asyncio.gather(*(self.retire(conn) for conn in open_now))
        self.http.shutdown()
        for item in self.tally.by_ack.values():
            self.fail(POST, "never answered")
            item.status = "unanswered"
