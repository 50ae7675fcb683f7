"""A conversation as one reader meets it: its room, how it is addressed, its links, and its
name for that reader, decided here and nowhere else.

Finding one (the read rule: who may read which) is a rule of rooms, so it lives in
``chat.rooms.conversations``, which builds these; this ground-floor module holds only what
follows from the answer, for views, sockets, the lobby and search alike. A conversation
is a room addressed by its slug, one between two people addressed by the other person
(one for one's own notes), or a group of three or more (``chat.links.BY_GROUP``), keyed by
its slug like a room and named by its people like a pair (``name_for``: the others' names).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from django.contrib.auth.models import AbstractBaseUser

from chat.links import BY_GROUP, BY_PERSON, BY_SLUG, Address, RoomLinks
from chat.models import Membership, Room, name_of, name_of_sql

NOTES_TO_SELF = "Notes to self"


def address_of(room: Room) -> Address:
    """How ``room`` is addressed: by the other person for a direct conversation, by its
    key for a group conversation, else by slug."""
    if room.kind == Room.Kind.GROUP:
        return BY_GROUP
    return BY_PERSON if room.is_direct else BY_SLUG


def name_for(address: Address, title: str, others: Sequence[str]) -> str:
    """A conversation's name for one reader: a room's ``title``; for a conversation
    addressed by its people, the names of the ``others`` in it, or "Notes to self" when
    there is nobody else."""
    if not address.by_people:
        return title
    return ", ".join(others) or NOTES_TO_SELF


def key_for(address: Address, slug: str, others: Sequence[str], reader: str) -> str:
    """What a conversation's address holds for one reader: a room's ``slug`` (a group's
    without its prefix); for a conversation between two people, the other person's
    username (``others``), or the ``reader``'s own for their notes."""
    if not address.by_person:
        return address.key_of(slug)
    return others[0] if others else reader


def name_and_links(
    room: Room, reader: str, others: Sequence[tuple[str, str]]
) -> tuple[str, RoomLinks]:
    """``room``'s name and links for ``reader`` (a username), its other people given as
    (username, name): for lists that look them up for many rooms at once (the lobby,
    search results). Only the others of a conversation between people count."""
    address = address_of(room)
    key = key_for(address, room.slug, [username for username, _name in others], reader)
    return name_for(address, room.title, [name for _username, name in others]), address.links(key)


@dataclass(frozen=True)
class Conversation:
    """One conversation as ``reader`` addresses it (found through their rights)."""

    reader: AbstractBaseUser
    address: Address
    #: None for a conversation between people nobody has written in yet: its first
    #: message makes the room (``chat.rooms.conversations.begin``).
    room: Room | None
    #: The other people of a conversation addressed by its people; none for one's notes,
    #: and for a room (its members come and go: ``chat.broadcast.presence``).
    others: tuple[AbstractBaseUser, ...] = ()

    @cached_property
    def key(self) -> str:
        """What the address holds: the slug, or the other person's username."""
        usernames = [person.get_username() for person in self.others]
        slug = self.room.slug if self.room is not None else ""
        return key_for(self.address, slug, usernames, self.reader.get_username())

    @cached_property
    def links(self) -> RoomLinks:
        """Its page, older messages, socket and the rest, as the reader addresses it."""
        return self.address.links(self.key)

    @property
    def name(self) -> str:
        """What the reader calls it ("Notes to self", the other person's name, a title)."""
        title = self.room.title if self.room is not None else ""
        return name_for(self.address, title, [name_of(person) for person in self.others])

    @property
    def kind(self) -> str:
        """Its kind as a page shows it: "Public", "Private", "Direct" or "Group"."""
        return self.room.get_kind_display() if self.room is not None else Room.Kind.DIRECT.label

    @property
    def people(self) -> list[AbstractBaseUser]:
        """Who is in a conversation between people, the reader too, by username: its
        members before its room exists."""
        return sorted({self.reader, *self.others}, key=str)

    @property
    def partner(self) -> AbstractBaseUser | None:
        """The other person of a conversation between two (the reader, for their notes);
        None for a room or a group."""
        if not self.address.by_person:
            return None
        return self.others[0] if self.others else self.reader


def others_in(user: AbstractBaseUser, room_ids) -> dict[int, list[tuple[str, str]]]:
    """room id → the people of each of ``room_ids`` other than ``user``, as (username, name
    to show), by username: one query for them all (none for no rooms), for lists that name
    many conversations between people at once (``name_and_links``). A room missing from the
    answer has nobody else in it (one's own notes)."""
    if not room_ids:
        return {}
    rows = (
        Membership.objects.filter(room_id__in=room_ids)
        .exclude(user_id=user.pk)
        .annotate(name=name_of_sql("user__"))
        .order_by("user__username")
        .values_list("room_id", "user__username", "name")
    )
    people: dict[int, list[tuple[str, str]]] = {}
    for room_id, username, name in rows:
        people.setdefault(room_id, []).append((username, name or username))
    return people
