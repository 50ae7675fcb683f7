"""Where a conversation lives: its page, its older messages, its socket and the rest, built
in one place from how its kind is addressed.

A room is addressed by its slug (``/r/<slug>/``); a conversation between two people by the
*other* person's username (``/p/<username>/``), so the same room has a different address
for each of its two people; a group conversation of three or more by the random part of
its slug (``/g/<key>/``), the same for all of them. Each way is an ``Address``, data: the
URL table (``chat.urls``) and the socket routes (``chat.sockets.routing``) register every
conversation page under each one, so a new kind of conversation is one more ``Address``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class RoomLinks:
    """The URLs of one conversation as one reader addresses it."""

    page: str
    older: str
    socket: str
    #: Members whose name starts with ``?q=``, for ``@`` in the composer.
    mentions: str
    #: What of the room reaches me (and its bots).
    settings: str
    #: Where a file is sent (multipart POST, ``chat.views.attachments``).
    attachments: str


@dataclass(frozen=True)
class Address:
    """One way of addressing a conversation: ``/<prefix>/<key>/`` and the pages under it,
    named ``<route>`` and ``<route>-<tail>`` in the URL table."""

    prefix: str
    #: The URL's keyword argument holding the key, and its path converter.
    keyword: str
    converter: str
    route: str
    #: Named by its people (the others' names, for each reader) rather than by a title.
    by_people: bool
    #: Keyed by a person: the other person's username, a different key for each reader.
    by_person: bool = False
    #: What the room's slug holds before the key (a group's ``g.``: a dot never appears
    #: in a slug made from a title, so such slugs cannot clash with a room's).
    slug_prefix: str = ""

    def pattern(self, tail: str = "") -> str:
        """The URL pattern of the page ``tail`` under this address (the page itself: "")."""
        return f"{self.prefix}/<{self.converter}:{self.keyword}>/{tail}"

    def route_name(self, tail: str = "") -> str:
        """The URL name of the page ``tail`` under this address."""
        return f"{self.route}-{tail}" if tail else self.route

    def key_of(self, slug: str) -> str:
        """The key of the room whose slug is ``slug`` (not for one keyed by a person)."""
        return slug.removeprefix(self.slug_prefix)

    def slug_of(self, key: str) -> str:
        """The slug of the room this address calls ``key`` (not for one keyed by a person)."""
        return f"{self.slug_prefix}{key}"

    def links(self, key: str) -> RoomLinks:
        """The links of the conversation this address calls ``key``."""

        def url(tail: str) -> str:
            return reverse(self.route_name(tail), kwargs={self.keyword: key})

        return RoomLinks(
            page=url(""),
            older=url("messages"),
            socket=f"/ws/{self.prefix}/{key}/",
            mentions=url("mentions"),
            settings=url("settings"),
            attachments=url("attachments"),
        )


#: A room, by its slug.
BY_SLUG = Address(prefix="r", keyword="slug", converter="slug", route="room", by_people=False)
#: A conversation between two people (or one's own notes), by the other person's username.
BY_PERSON = Address(
    prefix="p", keyword="username", converter="str", route="direct", by_people=True, by_person=True
)
#: A group conversation of three or more people, by the random part of its slug.
BY_GROUP = Address(
    prefix="g", keyword="group", converter="slug", route="group", by_people=True, slug_prefix="g."
)
ADDRESSES = (BY_SLUG, BY_PERSON, BY_GROUP)


def addressed(route: Mapping[str, object]) -> tuple[Address, str]:
    """The address a URL route's keyword arguments name, and its key; ``LookupError`` for
    a route that names no conversation."""
    for address in ADDRESSES:
        if address.keyword in route:
            return address, str(route[address.keyword])
    raise LookupError(f"no conversation in {sorted(route)}")
