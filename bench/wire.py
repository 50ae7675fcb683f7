"""What each side's sockets send, and how the messages are found in the frames they get.

With R rooms and K people, socket i is in room i mod R and belongs to person
(i div R) mod K: the rooms' sizes differ by one at most, and each room's sockets cycle
over the people (with one room, socket i is person i mod K).

A message's body carries its sequence number and its send time (``time.monotonic_ns``,
one clock for the whole harness process): ``bench <seq> <sent_ns>``. The receiver finds
it again in whatever the server wraps it in, so a delivery is matched to its send by
the body alone.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass

from tests.support.accounts import Person

BODY = re.compile(r"bench (\d+) (\d+)")
#: Our frames: each message is an <article> (templates/chat/room.html#message).
ARTICLE = re.compile(r'<article id="message-(\d+)"')
#: A notice to the sending socket (rate limit, storage failure...); empty ones clear it.
NOTICE = re.compile(r'<div id="notice"[^>]*>([^<]+)</div>')


def room_of(socket_index: int, rooms: int) -> int:
    """The room socket ``socket_index`` is in: i mod R."""
    return socket_index % rooms


def person_of(socket_index: int, rooms: int, people: int) -> int:
    """The person socket ``socket_index`` belongs to: (i div R) mod K."""
    return socket_index // rooms % people


def body(seq: int, sent_ns: int) -> str:
    """The text of message ``seq`` sent at ``sent_ns``."""
    return f"bench {seq} {sent_ns}"


@dataclass(frozen=True)
class Delivery:
    """One message found in a received frame."""

    seq: int
    sent_ns: int
    message_id: int | None = None



def socket_base(base_url: str) -> str:
    """The sockets' address for a server's ``http://`` or (through the proxy) ``https://``."""
    return re.sub(r"^http", "ws", base_url, count=1)

class Ours:
    """The chat's room sockets, as the page's htmx ws extension speaks it."""

    name = "ours"

    def __init__(self, base_url: str, slugs: list[str], people: list[Person]) -> None:
        self.base_url = base_url
        self.slugs = slugs
        self.people = people

    def _slug(self, socket_index: int) -> str:
        return self.slugs[room_of(socket_index, len(self.slugs))]

    def url(self, socket_index: int) -> str:
        """The socket's room: ``/ws/r/<slug>/``."""
        return socket_base(self.base_url) + f"/ws/r/{self._slug(socket_index)}/"

    def person(self, socket_index: int) -> Person:
        """Whose cookie and CSRF token the socket carries (``person_of``)."""
        return self.people[person_of(socket_index, len(self.slugs), len(self.people))]

    def headers(self, socket_index: int) -> dict[str, str]:
        """Handshake headers: the person's session cookie and the page's origin."""
        return {"Cookie": self.person(socket_index).cookie, "Origin": self.base_url}

    def message_frame(self, socket_index: int, text: str) -> str:
        """The composer form as the htmx ws extension sends it (values + HEADERS)."""
        return json.dumps(
            {
                "csrfmiddlewaretoken": self.person(socket_index).csrf,
                "body": text,
                "client_id": str(uuid.uuid4()),
                "HEADERS": {
                    "HX-Request": "true",
                    "HX-Trigger": "composer-form",
                    "HX-Trigger-Name": None,
                    "HX-Target": "composer-form",
                    "HX-Current-URL": f"{self.base_url}/r/{self._slug(socket_index)}/",
                },
            }
        )

    @staticmethod
    def typing_frame() -> str:
        """What the page sends, every few seconds at most, while its person types."""
        return json.dumps({"type": "typing"})

    @staticmethod
    def read(frame: str) -> tuple[list[Delivery], list[str]]:
        """The messages in a frame (one per <article>), and any notice text."""
        starts = list(ARTICLE.finditer(frame))
        found = []
        for number, start in enumerate(starts):
            end = starts[number + 1].start() if number + 1 < len(starts) else len(frame)
            match = BODY.search(frame, start.end(), end)
            if match:
                found.append(Delivery(int(match[1]), int(match[2]), int(start[1])))
        notices = [text.strip() for text in NOTICE.findall(frame) if text.strip()]
        return found, notices


class Baseline:
    """The Channels tutorial's chat socket: ``{"message": ...}`` both ways."""

    name = "baseline"

    def __init__(self, base_url: str, rooms: int = 1) -> None:
        self.base_url = base_url
        self.rooms = rooms

    def url(self, socket_index: int) -> str:
        """The socket's room: ``/ws/bench/bench<r>/``."""
        room = room_of(socket_index, self.rooms)
        return socket_base(self.base_url) + f"/ws/bench/bench{room}/"

    def headers(self, socket_index: int) -> dict[str, str]:
        """Only the origin: the tutorial's consumer checks nothing else."""
        return {"Origin": self.base_url}

    @staticmethod
    def message_frame(socket_index: int, text: str) -> str:
        """The tutorial page's frame."""
        return json.dumps({"message": text})

    @staticmethod
    def typing_frame() -> None:
        """The tutorial's page has no such thing."""
        return None

    @staticmethod
    def read(frame: str) -> tuple[list[Delivery], list[str]]:
        """The one message of a frame."""
        try:
            message = json.loads(frame).get("message", "")
        except (ValueError, AttributeError):
            return [], [f"unreadable frame: {frame[:80]}"]
        match = BODY.fullmatch(message) if isinstance(message, str) else None
        return ([Delivery(int(match[1]), int(match[2]))] if match else []), []


Side = Ours | Baseline
