"""Catching up: where a reader's news begins, marking a message unread, marking everything
read, and the mentions of (and replies to) a person.

A person's read position in a room is ``Membership.last_read``: the messages after it are
unread, and the lobby and the sidebar count them (``chat.rooms.lobby``). A conversation's
page shows the line "New since your last visit" before the first of them, as the page
opens (``new_since``: read before the visit marks the room read). "Mark unread" moves the
position back to just before a message; it holds on the page that asked until the person
comes back to the conversation or writes in it, as the room socket stops recording what
it shows (``chat.sockets.consumers``, told by ``events.marked_unread``); a read it noted
just before the news reached it, and wrote just after the mark, is put back
(``keep_unread``). "Mark all read" moves every position of the person to their rooms'
newest message.

The mentions page lists every ``Mention`` of the person (an ``@username``, or a reply to
one of their messages: ``chat.messages.replies`` records the replied-to author as
mentioned), newest first, only from conversations the person is a member of now: a room
they left, or a private room they were taken out of, is not theirs to read there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery

from chat import ratelimit
from chat.broadcast import events
from chat.conversations import name_and_links, others_in
from chat.links import RoomLinks
from chat.messages.edits import readable_message
from chat.models import Membership, Mention, Message, Room
from chat.rooms import services as rooms

#: Mentions on one page of ``/mentions/``.
MENTIONS_PAGE_SIZE = 20

#: Marking read or unread is cheap, but each one renders every lobby and sidebar of the
#: person again: a script hammering it is held back.
READ_MARKS = ratelimit.Rate(
    "read-mark", 60, 60, "You are marking messages read or unread too fast. Wait {wait}."
)


def new_since(user: AbstractBaseUser, room: Room | None, shown: Sequence[Message]) -> int | None:
    """The id of the first message of ``shown`` (oldest first) that ``user`` has not read,
    where the page draws "New since your last visit"; None when they read them all, are not
    a member (a visitor of a public room has no read position), or when their news begins
    before the first one shown (the line would say something untrue there)."""
    if room is None or not shown:
        return None
    last_read = (
        Membership.objects.filter(room=room, user=user).values_list("last_read", flat=True).first()
    )
    if last_read is None:
        return None
    unread = [message for message in shown if message.id > last_read]
    if not unread or (unread[0] is shown[0] and _older_unread(room, last_read, shown[0].id)):
        return None
    return unread[0].id


def _older_unread(room: Room, last_read: int, first_shown: int) -> bool:
    return Message.objects.filter(room=room, id__gt=last_read, id__lt=first_shown).exists()


def mark_unread(user: AbstractBaseUser, message_id: int) -> Message:
    """Make message ``message_id`` and every newer one of its room unread for ``user``
    (their read position moves back to just before it), on every tab of theirs. ``NotFound``
    when they may not read it, ``Missing`` when they are not a member of its room (a
    visitor has nothing to mark)."""
    message = readable_message(user, message_id)
    membership = rooms.membership(message.room, user)
    ratelimit.take(READ_MARKS, user.pk)
    # Ids grow across every room, so "just before it" is its id less one, whatever the room.
    Membership.objects.filter(pk=membership.pk).update(last_read=message.id - 1)
    transaction.on_commit(lambda: events.marked_unread(user.pk, message.room_id, message.id))
    return message


def keep_unread(user_id: int, room_id: int, message_id: int) -> bool:
    """Called by each page of the person showing the room, once it stopped recording reads
    there: a read it noted before the mark reached it, written after the mark, is put back
    to just before ``message_id``, and the counts sent again. True if one was."""
    moved = Membership.objects.filter(
        user_id=user_id, room_id=room_id, last_read__gte=message_id
    ).update(last_read=message_id - 1)
    if moved:
        transaction.on_commit(lambda: events.marked_unread(user_id, room_id, message_id))
    return bool(moved)


def mark_all_read(user: AbstractBaseUser) -> int:
    """Mark every room and conversation of ``user`` read up to its newest message, on every
    tab of theirs; how many read positions moved."""
    ratelimit.take(READ_MARKS, user.pk)
    newest = Subquery(
        Message.objects.filter(room=OuterRef("room"))
        .order_by()
        .values("room")
        .annotate(top=Max("id"))
        .values("top")[:1]
    )
    # One statement for every room of the person, however many (a room without messages
    # has no newest and is left as it is).
    with transaction.atomic():
        moved = Membership.objects.filter(user=user, last_read__lt=newest).update(
            last_read=newest
        )
        transaction.on_commit(lambda: events.all_read(user.pk))
    return moved


# --- the mentions page -----------------------------------------------------------------


@dataclass(frozen=True)
class MentionEntry:
    """A message that mentions (or answers) the reader, with its conversation as they see it."""

    message: Message
    room_name: str
    links: RoomLinks
    #: Newer than the reader's read position in its room.
    unread: bool


def _last_read() -> Subquery:
    return Subquery(
        Membership.objects.filter(room=OuterRef("message__room"), user=OuterRef("user")).values(
            "last_read"
        )[:1]
    )


def _mine(user: AbstractBaseUser):
    """``user``'s mentions in the conversations they are a member of now, tombstones left out."""
    member_of = Membership.objects.filter(user=user).values("room")
    return Mention.objects.filter(
        user=user, message__room__in=member_of, message__deleted=False
    ).exclude(message__author=user)


def mentions_page(user: AbstractBaseUser, page_number: object = 1) -> Page:
    """A page of ``user``'s mentions, newest first, each a ``MentionEntry`` (a few queries
    for the page, whatever its size)."""
    found = _mine(user).annotate(last_read=_last_read()).order_by("-message_id")
    page = Paginator(found.values_list("message_id", "last_read"), MENTIONS_PAGE_SIZE).get_page(
        page_number
    )
    read_upto = dict(page.object_list)
    messages = Message.objects.filter(id__in=read_upto).select_related(
        "room", "author__profile", "attachment", "reply_to__author__profile"
    )
    by_id = {message.id: message for message in messages}
    others = others_in(user, {m.room_id for m in by_id.values() if m.room.between_people})
    entries = []
    for message_id, last_read in page.object_list:
        message = by_id[message_id]
        name, links = name_and_links(
            message.room, user.get_username(), others.get(message.room_id, [])
        )
        entries.append(MentionEntry(message, name, links, message_id > (last_read or 0)))
    page.object_list = entries
    return page
