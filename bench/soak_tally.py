"""What the soak sent and what every socket got: who should have had what, and what was lost.

Every message (a post on a socket, or a file sent with words) carries ``bench <seq>
<sent_ns>`` (``bench.wire.body``); every edit replaces a body with ``soak-edit <n>
<sent_ns>``. A socket is expected to get an item of its room when it was open before the
item was sent (its handshake done: the server joins the room's group before accepting)
and was not yet chosen to close when it was sent: its *cut-off*. A socket chosen to close
(churn, or the end of the run) waits for every item it is expected to get, up to the
drain time, before it closes; whatever is still missing then is lost. Items a socket was
not expected to get (sent while its handshake was under way, or after its cut-off) are
counted when they come, never as lost. A new article of the same message twice on one
socket is a duplicate; an edit's text comes again whenever its message changes again (a
reaction), so edits count no duplicates.
"""

from __future__ import annotations

import bisect
import operator
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from bench import wire

#: A message's article in a frame; a changed one carries ``hx-swap-oob`` in its tag.
ARTICLE = re.compile(r'<article id="message-(\d+)"([^>]*)>')
EDIT = re.compile(r"soak-edit (\d+) (\d+)")
#: The answer to a stored post (templates/chat/room.html#ack), to its socket only.
STORED = re.compile(r'<div id="ack" hidden data-ack="([^"]+)" data-message="(\d+)"')
#: A refused post: the composer comes back holding it, with its send's ack.
REFUSED = re.compile(r'<div id="composer" class="composer" data-ack="([^"]+)"')

POST, UPLOAD, EDITED = "post", "upload", "edit"
SENT = operator.attrgetter("sent_ns")


def body_of_edit(number: int, sent_ns: int) -> str:
    """The new text of edit ``number``, sent at ``sent_ns``."""
    return f"soak-edit {number} {sent_ns}"


@dataclass
class Item:
    """A message or an edit: where it went, when, and what became of it."""

    key: tuple[str, int]  # ("m", seq) for messages, ("e", n) for edits
    kind: str  # POST, UPLOAD or EDITED
    room: int
    person: int
    sent_ns: int
    #: "pending" until answered, then "stored" or "refused".
    status: str = "pending"
    message_id: int | None = None


@dataclass(eq=False)
class Conn:
    """One socket's life: its slot (room and person), when it opened, when it was chosen
    to close, and every item seen on it."""

    serial: int
    slot: int
    room: int
    person: int
    opened_ns: int
    ws: object = None
    cutoff_ns: int | None = None
    closed_by_server: int | None = None
    copies: Counter = field(default_factory=Counter)  # item key -> copies

    @property
    def closing(self) -> bool:
        return self.cutoff_ns is not None


class Tally:
    """Every item sent and every copy received, with the delays of posts."""

    def __init__(self) -> None:
        self.items: dict[tuple[str, int], Item] = {}
        self.by_room: dict[int, list[Item]] = defaultdict(list)
        self.by_ack: dict[str, Item] = {}
        self.conns: list[Conn] = []
        #: (receive time, delay) of every first copy of a post, in ns.
        self.delays: list[tuple[int, int]] = []
        self.stray = 0
        self.next_seq = 0
        self.next_edit = 0

    # --- sending ---------------------------------------------------------------------------

    def new_message(self, kind: str, room: int, person: int) -> tuple[Item, str]:
        """A message about to be sent now: its item and its body."""
        sent_ns = time.monotonic_ns()
        item = Item(("m", self.next_seq), kind, room, person, sent_ns)
        self.next_seq += 1
        self._add(item)
        return item, wire.body(item.key[1], sent_ns)

    def new_edit(self, room: int, person: int, message_id: int) -> tuple[Item, str]:
        """An edit of ``message_id`` about to be sent now: its item and the new body."""
        sent_ns = time.monotonic_ns()
        item = Item(("e", self.next_edit), EDITED, room, person, sent_ns, message_id=message_id)
        self.next_edit += 1
        self._add(item)
        return item, body_of_edit(item.key[1], sent_ns)

    def _add(self, item: Item) -> None:
        self.items[item.key] = item
        self.by_room[item.room].append(item)

    # --- receiving -------------------------------------------------------------------------

    def read(self, conn: Conn, frame: str, received_ns: int) -> None:
        """Take note of everything in a frame received on ``conn``."""
        tags = list(ARTICLE.finditer(frame))
        for number, tag in enumerate(tags):
            end = tags[number + 1].start() if number + 1 < len(tags) else len(frame)
            changed = "hx-swap-oob" in tag[2]
            found = (EDIT if changed else wire.BODY).search(frame, tag.end(), end)
            if found is None:
                continue  # a reaction's re-render, or a message not the soak's
            key = ("e" if changed else "m", int(found[1]))
            item = self.items.get(key)
            if item is None or item.room != conn.room:
                self.stray += 1
                continue
            conn.copies[key] += 1
            if conn.copies[key] > 1:
                continue
            if item.message_id is None:
                item.message_id = int(tag[1])
            if item.kind == POST:
                self.delays.append((received_ns, received_ns - int(found[2])))
        for ack, message_id in STORED.findall(frame):
            if (item := self.by_ack.pop(ack, None)) is not None:
                item.status, item.message_id = "stored", int(message_id)
        for ack in REFUSED.findall(frame):
            if (item := self.by_ack.pop(ack, None)) is not None:
                item.status = "refused"

    # --- checking --------------------------------------------------------------------------

    def expected(self, conn: Conn, until_ns: int | None = None) -> list[Item]:
        """The items ``conn`` must get: of its room, sent after it opened and before its
        cut-off (or ``until_ns``), not refused by the server."""
        end = conn.cutoff_ns if conn.cutoff_ns is not None else until_ns
        sent = self.by_room[conn.room]  # in the order sent: sent_ns grows along it
        first = bisect.bisect_right(sent, conn.opened_ns, key=SENT)
        last = len(sent) if end is None else bisect.bisect_left(sent, end, key=SENT)
        return [item for item in sent[first:last] if item.status != "refused"]

    def missing(self, conn: Conn) -> list[Item]:
        """The items ``conn`` is expected to get and has not yet."""
        return [item for item in self.expected(conn) if conn.copies[item.key] == 0]

    def deliveries(self) -> dict[str, dict[str, int]]:
        """Per kind of item (messages: posts and files; edits): expected, received, lost,
        duplicated; ``extra``, copies a socket was not held to (opened or closing meanwhile);
        and ``stray`` (another room's, or unknown)."""
        figures = {
            kind: {"expected": 0, "received": 0, "lost": 0, "duplicated": 0, "extra": 0}
            for kind in ("messages", "edits")
        }
        for conn in self.conns:
            expected = {item.key for item in self.expected(conn)}
            for item in self.expected(conn):
                kind = "edits" if item.kind == EDITED else "messages"
                figures[kind]["expected"] += 1
                if conn.copies[item.key]:
                    figures[kind]["received"] += 1
                else:
                    figures[kind]["lost"] += 1
            for key, copies in conn.copies.items():
                kind = "edits" if key[0] == "e" else "messages"
                if kind == "messages":
                    figures[kind]["duplicated"] += copies - 1
                if key not in expected:
                    figures[kind]["extra"] += 1
        figures["stray"] = self.stray
        return figures

    def delays_between(self, start_ns: int, end_ns: int) -> list[int]:
        """Delays (ns) of the posts' first copies received in [start, end)."""
        return [delay for received, delay in self.delays if start_ns <= received < end_ns]
