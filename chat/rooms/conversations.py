"""Finding a conversation for a reader, under the read rule, once per request or socket.

A URL names a conversation by one of ``chat.links.ADDRESSES`` (``slug=``, ``username=``
or ``group=``); ``conversation`` picks the finder of that address from a table, so a new
kind of conversation is one more row. Anyone who may not read it is refused with
``NotFound``, exactly as for one that does not exist. The ``Conversation`` itself is
``chat.conversations``'s; the rules it takes are ``chat.rooms.services``'s.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from django.contrib.auth.models import AbstractBaseUser

from chat.conversations import Conversation, address_of
from chat.errors import NotFound
from chat.links import BY_GROUP, BY_PERSON, BY_SLUG, Address, addressed
from chat.models import Room
from chat.rooms import services as rooms


def _by_slug(reader: AbstractBaseUser, slug: str) -> Conversation:
    # Reading a public room joins nobody (chat.rooms.joining).
    return Conversation(reader, BY_SLUG, rooms.readable_room(reader, slug))


def _by_person(reader: AbstractBaseUser, username: str) -> Conversation:
    # Anyone may read their conversation with anyone (not a bot); looking opens nothing.
    other = rooms.person(username)
    others = () if other.pk == reader.pk else (other,)
    return Conversation(reader, BY_PERSON, rooms.find_direct_room(reader, other), others)


def _by_group(reader: AbstractBaseUser, key: str) -> Conversation:
    # Only its people may read a group: anyone else meets it as one that does not exist.
    if not reader.is_authenticated:
        raise NotFound(rooms.NO_SUCH_ROOM)
    room = Room.objects.filter(slug=BY_GROUP.slug_of(key), kind=Room.Kind.GROUP).first()
    if room is None:
        raise NotFound(rooms.NO_SUCH_ROOM)
    people = room.memberships.select_related("user__profile").order_by("user__username")
    others = tuple(m.user for m in people if m.user_id != reader.pk)
    if len(others) == len(people):
        raise NotFound(rooms.NO_SUCH_ROOM)
    return Conversation(reader, BY_GROUP, room, others)


#: How each address finds its conversation: ``(reader, key)``.
_FINDERS: dict[Address, Callable[..., Conversation]] = {
    BY_SLUG: _by_slug,
    BY_PERSON: _by_person,
    BY_GROUP: _by_group,
}


def conversation(
    reader: AbstractBaseUser,
    route: Mapping[str, object],
    *,
    begun: bool = True,
) -> Conversation:
    """The conversation a URL route's keyword arguments name, if ``reader`` may read it;
    ``NotFound`` otherwise.

    ``begun``: only a conversation someone has written in will do (its older messages,
    its settings); otherwise one between people nobody has written in yet comes without
    a room, and its first message makes it (``begin``).
    """
    address, key = addressed(route)
    found = _FINDERS[address](reader, key)
    if begun and found.room is None:
        raise NotFound(rooms.NO_SUCH_ROOM)
    return found


def conversation_of(room: Room, reader: AbstractBaseUser) -> Conversation:
    """``room`` as ``reader`` addresses it, for a member (or any reader of a public room):
    a direct room by the other person's name, a group by its key with the others' names
    (one query), a room by its slug."""
    address = address_of(room)
    if not address.by_people:
        return Conversation(reader, address, room)
    others = room.memberships.exclude(user=reader).select_related("user__profile")
    return Conversation(reader, address, room, tuple(m.user for m in others))


def begin(conversation: Conversation) -> Room:
    """The conversation's room, made now if nobody has written in it yet (called by its
    first message, once that message passed its checks; never by looking)."""
    if conversation.room is not None:
        return conversation.room
    return rooms.open_direct_room(conversation.reader, conversation.partner)
