"""A headless chat client speaking the wire contract as the browser page does.

Signs up over HTTP, opens room sockets with the session cookie and an Origin
header, sends frames shaped like the htmx ws extension's, and keeps a model of the
page as static/chat/js/ does: messages by id (a second copy replaces the first), the room
revision the page is complete up to, and sends held until the server answers them.
"""

from __future__ import annotations

import asyncio
import html
import json
import re
import urllib.parse
import uuid
from dataclasses import dataclass, field

import websockets

from tests.support.accounts import Browser

HEAL_AFTER_SECONDS = 1.0
ARTICLE = re.compile(
    r'<article id="message-(\d+)" class="message[^"]*"[^>]*? data-revision="(\d+)"[^>]*>'
    # A body is a div of block content; a deleted message's tombstone is a p.
    r'.*?(?:<div class="body[^"]*"[^>]*>(.*?)</div>|<p class="body[^"]*">(.*?)</p>)',
    re.S,
)
TAG = re.compile(r"<[^>]+>")
CURSOR = re.compile(r'<div id="cursor" hidden data-revision="(\d+)">')
ERROR = re.compile(r'<p class="error"[^>]*>(.*?)</p>', re.S)
ACK = re.compile(r'<div id="(?:ack" hidden|composer" class="composer") data-ack="([0-9a-f-]+)"')


@dataclass
class PageModel:
    """What the room page shows, built from frames as the page builds it: each message's
    text as a reader sees it (a deleted one reads "This message was deleted.")."""

    cursor: int = 0
    messages: dict[int, str] = field(default_factory=dict)
    copies_received: int = 0
    _ahead: set[int] = field(default_factory=set)

    def apply(self, frame: str) -> list[str]:
        """Take in one server frame; returns the client ids it acknowledges."""
        for message_id, revision, body, tombstone in ARTICLE.findall(frame):
            self.copies_received += 1
            text = html.unescape(TAG.sub("", body or tombstone)).strip()
            self.messages[int(message_id)] = text
            self._note(int(revision))
        for revision in CURSOR.findall(frame):
            self._move_to(int(revision))
        return ACK.findall(frame)

    @property
    def has_gap(self) -> bool:
        """Some revision between the cursor and a newer one seen has not arrived."""
        return bool(self._ahead)

    def _note(self, revision: int) -> None:
        if revision > self.cursor:
            self._ahead.add(revision)
        while self.cursor + 1 in self._ahead:
            self._ahead.discard(self.cursor + 1)
            self.cursor += 1

    def _move_to(self, revision: int) -> None:
        if revision > self.cursor:
            self.cursor = revision
            self._ahead = {r for r in self._ahead if r > revision}
            self._note(revision)


class RoomSocket:
    """One open room page: a socket that reconnects and resumes like the real page."""

    def __init__(
        self,
        browser: Browser,
        path: str,
        *,
        base_url: str | None = None,
        label: str = "",
        source: str | None = None,
    ) -> None:
        self.browser = browser
        self.label = label
        #: The local address to connect from (another loopback address: another client).
        self.source = source
        self.base_url = base_url or browser.base_url
        self.path = path
        self.page = PageModel()
        self.unanswered: dict[str, dict] = {}
        #: The error texts of answers that refused a send (a refused send is answered too).
        self.refusals: list[str] = []
        self.changed = asyncio.Condition()
        self._socket = None
        self._reader: asyncio.Task | None = None
        self._healing: asyncio.Task | None = None

    async def open(self) -> None:
        """Connect, then resume from the page's cursor and resend unanswered sends."""
        url = "ws" + self.base_url.removeprefix("http") + self.path  # ws:// or wss://
        headers = {"Cookie": self.browser.cookie_header(), "Origin": self.base_url}
        options = {"ssl": self.browser.tls} if url.startswith("wss:") else {}
        if self.source:
            options["local_addr"] = (self.source, 0)
        self._socket = await websockets.connect(
            url, additional_headers=headers, max_size=2**22, **options
        )
        self._reader = asyncio.create_task(self._read(self._socket))
        await self._resume()
        for fields in list(self.unanswered.values()):
            await self._socket.send(json.dumps(fields))

    async def _resume(self) -> None:
        after = max(self.page.messages, default=0)
        await self._socket.send(
            json.dumps({"type": "resume", "after": after, "cursor": self.page.cursor})
        )

    async def _heal_gap(self) -> None:
        # As the page does (room-sync.js): a gap still open after a moment means a frame was lost
        # (not merely overtaken by one from another process): ask for it.
        await asyncio.sleep(HEAL_AFTER_SECONDS)
        if self.page.has_gap and self._socket is not None:
            await self._resume()

    async def close(self) -> None:
        """Drop the socket as a dying network would, keeping the page model."""
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            await asyncio.gather(self._reader, return_exceptions=True)
        self._socket = self._reader = None

    async def send_message(self, body: str) -> str:
        """Send a message as the composer would; returns its client id."""
        client_id = str(uuid.uuid4())
        fields = {"body": body, "client_id": client_id, "HEADERS": {"HX-Request": "true"}}
        self.unanswered[client_id] = fields
        await self._socket.send(json.dumps(fields))
        return client_id

    async def wait_for(self, predicate, timeout: float) -> None:
        """Wait until ``predicate(self)`` holds, re-checked after every frame."""
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(lambda: predicate(self)), timeout)

    async def _read(self, socket) -> None:
        try:
            async for frame in socket:
                for ack in self.page.apply(frame):
                    self.unanswered.pop(ack, None)
                self.refusals += ERROR.findall(frame)
                if self.page.has_gap and (self._healing is None or self._healing.done()):
                    self._healing = asyncio.create_task(self._heal_gap())
                async with self.changed:
                    self.changed.notify_all()
        except websockets.ConnectionClosed:
            pass


async def two_people_in_a_room(
    title: str, first_url: str, second_url: str
) -> tuple[RoomSocket, RoomSocket]:
    """Sign up two people, the first creates a public room, both open sockets to it."""
    first, second = Browser(first_url), Browser(second_url)
    await asyncio.to_thread(first.sign_up, "alice")
    await asyncio.to_thread(second.sign_up, "bob")
    room_url = await asyncio.to_thread(first.post_form, "/", {"title": title, "kind": "public"})
    slug = urllib.parse.urlsplit(room_url).path.split("/")[2]  # /r/<slug>/
    await asyncio.to_thread(second.get, f"/r/{slug}/")
    sockets = RoomSocket(first, f"/ws/r/{slug}/"), RoomSocket(second, f"/ws/r/{slug}/")
    await asyncio.gather(*(room_socket.open() for room_socket in sockets))
    return sockets
