"""The chat's events: every one a socket or a process hears, named here and nowhere else.

An event is a channel-layer message for the sockets of one group (``chat.broadcast.fanout``:
a room's, a person's, or every lobby's): its ``type``, its ``group`` and its fields. This
module builds each kind in one function (``members``, ``message``…), and services send it
through the typed function that says what happened (``members_changed``,
``membership_ended``…), so no service spells a type, a group or a field. The async twins
(``amessage_posted``…) are for code on the event loop, which must not wait for Redis on the
database thread; the sync ones are for views and services. Every sender returns whether the
layer took the event: a failure is logged, never raised, since what it announces is stored
and pages catch up when they resume.

A socket handles an event with the method Channels' own naming gives its type
(``chat.message`` → ``chat_message``, ``channels.consumer.get_handler_name``). The events in
``PAGE_HTML`` carry HTML a page takes as is: a socket lists those it shows, and one
pass-through handler serves them all (``chat.sockets.persons``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from chat.broadcast import fanout

if TYPE_CHECKING:
    from chat.models import Message

# --- the types -------------------------------------------------------------------------

#: A new or changed message of a room (its article in its ``html``): room sockets, lobbies.
MESSAGE = "chat.message"
#: HTML a process worked out for a room's pages (who is typing, a new byline).
FRAME = "chat.frame"
#: A message a person should hear of while away (``chat.broadcast.notifications``).
NOTIFY = "chat.notify"
#: A room's members list again (who is in it, who is online).
MEMBERS = "presence.members"
#: Someone types in a room: heard by every process's typing board, not by sockets.
TYPING = "typing.started"
#: A person joined a room (``joined``), left a public room they may still read (``left``)
#: or read one on another tab (``read``), marked one unread from a message (``unread``, with
#: ``upto``: their room sockets stop recording it read) or marked all read (``all_read``):
#: their lobbies.
LOBBY_CHANGED = "lobby.changed"
#: The first page of public rooms again, for every lobby showing it.
LOBBY_PUBLIC = "lobby.public"
#: A person left or was removed from a room: their sockets in it close.
MEMBERSHIP_ENDED = "membership.ended"
#: A room was renamed, converted, archived, unarchived or deleted: its pages take its new
#: header (``html``), its sockets check their reader again (``access``) or close (``gone``),
#: and its members' lobbies and sidebars list it again.
ROOM_CHANGED = "room.changed"
#: A session of a person's logged out: its sockets close.
SESSION_ENDED = "session.ended"
#: A person's account changed (deactivated, a new password): their sockets check their session.
USER_CHANGED = "user.changed"
#: A person's name or picture changed: their sockets read their profile again.
PROFILE_CHANGED = "profile.changed"

#: Every event type.
TYPES = (
    MESSAGE,
    FRAME,
    NOTIFY,
    MEMBERS,
    TYPING,
    LOBBY_CHANGED,
    LOBBY_PUBLIC,
    MEMBERSHIP_ENDED,
    ROOM_CHANGED,
    SESSION_ENDED,
    USER_CHANGED,
    PROFILE_CHANGED,
)
#: The events whose ``html`` a socket that shows them sends its page as is, once accepted.
PAGE_HTML = frozenset({FRAME, NOTIFY, MEMBERS, LOBBY_PUBLIC})


# --- a room's sockets ------------------------------------------------------------------


def message(room_id: int, message_id: int, revision: int, author: int | None, html: str) -> dict:
    """A message of the room: its id and revision (the pages' cursor), its author when it is
    new (whose typing ends with it; None for a change) and its HTML, rendered once."""
    return fanout.event(
        fanout.room_group(room_id),
        MESSAGE,
        id=message_id,
        revision=revision,
        author=author,
        html=html,
    )


def _new(stored: Message, html: str) -> dict:
    return message(stored.room_id, stored.id, stored.revision, stored.author_id, html)


def message_posted(stored: Message, html: str) -> bool:
    """Hand the room's sockets the message just stored (sync callers)."""
    return fanout.send(_new(stored, html))


async def amessage_posted(stored: Message, html: str) -> bool:
    """Hand the room's sockets the message just stored (async callers)."""
    return await fanout.asend(_new(stored, html))


def message_changed(changed: Message, html: str) -> bool:
    """Hand the room's sockets a message edited, deleted or reacted to (no author: it ends
    nobody's typing)."""
    return fanout.send(message(changed.room_id, changed.id, changed.revision, None, html))


async def amessage_changed(changed: Message, html: str) -> bool:
    """Hand the room's sockets a message changed (async callers)."""
    return await fanout.asend(message(changed.room_id, changed.id, changed.revision, None, html))


def room_frame(room_id: int, html: str) -> dict:
    """HTML worked out for the room's pages, passed on as is."""
    return fanout.event(fanout.room_group(room_id), FRAME, html=html)


def byline_changed(room_id: int, html: str) -> bool:
    """Hand the room's sockets a person's byline again (their name or picture changed)."""
    return fanout.send(room_frame(room_id, html))


def receipt_moved(room_id: int, html: str) -> bool:
    """Hand a direct room's sockets its "Seen" again: one person read further
    (``chat.broadcast.receipts``; sync callers)."""
    return fanout.send(room_frame(room_id, html))


async def areceipt_moved(room_id: int, html: str) -> bool:
    """Hand a direct room's sockets its "Seen" again (async callers)."""
    return await fanout.asend(room_frame(room_id, html))


def members(room_id: int, html: str) -> dict:
    """The room's members list, rendered once; each process keeps the last one it saw."""
    return fanout.event(fanout.room_group(room_id), MEMBERS, room=room_id, html=html)


def members_changed(room_id: int, html: str) -> bool:
    """Hand the room's sockets its members list again (sync callers)."""
    return fanout.send(members(room_id, html))


async def amembers_changed(room_id: int, html: str) -> bool:
    """Hand the room's sockets its members list again (async callers)."""
    return await fanout.asend(members(room_id, html))


def typing(room_id: int, user_id: int, name: str) -> dict:
    """Someone, shown as ``name``, types in the room."""
    return fanout.event(fanout.room_group(room_id), TYPING, room=room_id, user=user_id, name=name)


async def atyping_started(room_id: int, user_id: int, name: str) -> bool:
    """Tell every process's typing board that someone types in the room."""
    return await fanout.asend(typing(room_id, user_id, name))


def room_changed(room_id: int, html: str, *, access: bool = False, gone: bool = False) -> bool:
    """The room itself changed (``chat.rooms.admin``): every page of it takes ``html`` (its
    header again, rendered once); with ``access``, each socket checks its reader may still
    read it and closes if not; with ``gone`` (deleted), every socket of it closes."""
    group = fanout.room_group(room_id)
    event = fanout.event(group, ROOM_CHANGED, room=room_id, html=html, access=access, gone=gone)
    return fanout.send(event)


# --- a person's sockets ----------------------------------------------------------------


def notification(user_id: int, html: str) -> dict:
    """A message the person should hear of while away, as their pages receive it."""
    return fanout.event(fanout.user_group(user_id), NOTIFY, html=html)


def notify(user_ids: list[int], html: str) -> None:
    """Hand the notification to each person's sockets (sync callers)."""
    for user_id in user_ids:
        fanout.send(notification(user_id, html))


async def anotify(user_ids: list[int], html: str) -> None:
    """Hand the notification to each person's sockets (async callers)."""
    for user_id in user_ids:
        await fanout.asend(notification(user_id, html))


def room_joined(user_id: int, room_id: int) -> bool:
    """The person is in the room now: their lobbies listen to it, and a socket of theirs
    waiting on a direct conversation joins it."""
    return fanout.send(fanout.event(fanout.user_group(user_id), LOBBY_CHANGED, joined=room_id))


def room_read(user_id: int, room_id: int) -> bool:
    """The person read the room, or changed what of it reaches them: their lobbies count again."""
    return fanout.send(fanout.event(fanout.user_group(user_id), LOBBY_CHANGED, read=room_id))


def marked_unread(user_id: int, room_id: int, message_id: int) -> bool:
    """The person marked the room unread from ``message_id`` on: their lobbies and sidebars
    count again, and their sockets in the room stop recording it read (it holds until they
    come back to it or write in it)."""
    group = fanout.user_group(user_id)
    return fanout.send(fanout.event(group, LOBBY_CHANGED, unread=room_id, upto=message_id))


def all_read(user_id: int) -> bool:
    """The person marked every room of theirs read: their lobbies and sidebars count again,
    and their sockets record what they show again."""
    return fanout.send(fanout.event(fanout.user_group(user_id), LOBBY_CHANGED, all_read=True))


def room_left(user_id: int, room_id: int) -> bool:
    """The person left a public room: their lobbies and sidebars stop following it (their
    pages of it stay open: anyone may read a public room)."""
    return fanout.send(fanout.event(fanout.user_group(user_id), LOBBY_CHANGED, left=room_id))


def membership_ended(user_id: int, room_id: int) -> bool:
    """The person left or was taken out of the room: their sockets in it close."""
    return fanout.send(fanout.event(fanout.user_group(user_id), MEMBERSHIP_ENDED, room=room_id))


def session_ended(user_id: int, session_key: str | None) -> bool:
    """The person's session ``session_key`` logged out: its sockets close."""
    group = fanout.user_group(user_id)
    return fanout.send(fanout.event(group, SESSION_ENDED, session=session_key))


def user_changed(user_id: int) -> bool:
    """The person's account changed: each socket of theirs checks its session."""
    return fanout.send(fanout.event(fanout.user_group(user_id), USER_CHANGED))


def profile_changed(user_id: int) -> bool:
    """The person's name or picture changed: their sockets read their profile again."""
    return fanout.send(fanout.event(fanout.user_group(user_id), PROFILE_CHANGED))


# --- every lobby -----------------------------------------------------------------------


def public_rooms_changed(html: str) -> bool:
    """Hand every lobby showing the first page of public rooms that page again."""
    return fanout.send(fanout.event(fanout.LOBBY_GROUP, LOBBY_PUBLIC, html=html))
