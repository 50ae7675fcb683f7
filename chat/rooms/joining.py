"""Who belongs to a public room, by their own choice: joining, leaving, joining by writing,
who may create rooms at all, and the room every new account joins.

Reading a public room needs no membership (``chat.rooms.services.readable_room``): a visit
joins nobody. Being a member is what puts the room in one's lobby and sidebar, with unread
counts and notifications; a person becomes one by "Join", by writing in the room (an
explicit act, unlike looking or reacting), or as a new account, in ``CHAT_DEFAULT_ROOM``.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from chat.broadcast import events, presence
from chat.errors import Forbidden, Missing
from chat.models import Membership, Message, Room
from chat.rooms import lobby
from chat.rooms import services as rooms

NO_LEAVING_A_CONVERSATION = "A conversation between people cannot be left."
NOT_A_MEMBER = "You are not a member of this room."


def is_member(room: Room | None, user: AbstractBaseUser) -> bool:
    """Whether ``user`` belongs to ``room`` (None: a conversation not begun, theirs)."""
    if room is None:
        return True
    return Membership.objects.filter(room=room, user_id=user.pk).exists()


def _become_member(room: Room, user: AbstractBaseUser) -> bool:
    # Read up to the latest message: what was said before one joined is history, not news
    # (the lobby would otherwise count a busy room's whole past as unread).
    latest = Message.objects.filter(room=room).order_by("-id").values_list("id", flat=True)
    defaults = {"last_read": latest.first() or 0}
    _membership, joined = Membership.objects.get_or_create(room=room, user=user, defaults=defaults)
    return joined


def join_room(room: Room, user: AbstractBaseUser) -> bool:
    """``user`` (a reader of ``room``, found through ``readable_room``) joins it; True if
    they were not a member yet. Every reader of any other kind of room is a member already.

    Their lobbies and sidebars (every tab) start following the room, and its members list
    is sent again.
    """
    if room.kind != Room.Kind.PUBLIC:
        return False
    joined = _become_member(room, user)
    if joined:
        rooms.members_changed(room, user)
    return joined


def join_by_writing(room: Room, user: AbstractBaseUser, read_upto: int = 0) -> bool:
    """Make ``user`` a member of the public room they are writing in, inside the
    transaction that stores their message (so a message not stored joins nobody), having
    read it up to ``read_upto`` (their message); True if they joined. The caller announces
    it once committed (``announce_joined``)."""
    if room.kind != Room.Kind.PUBLIC:
        return False
    _membership, joined = Membership.objects.get_or_create(
        room=room, user=user, defaults={"last_read": read_upto}
    )
    return joined


def announce_joined(room: Room, user: AbstractBaseUser) -> None:
    """Tell ``room``'s pages and ``user``'s lobbies that they joined it (``join_by_writing``)."""
    rooms.members_changed(room, user)


def leave_room(room: Room, user: AbstractBaseUser) -> None:
    """``user`` leaves ``room``.

    A public room leaves their lobby and sidebar on every tab, and they may still read it
    as anyone may (their open pages of it stay). A private room is left as its members
    panel leaves it (``chat.rooms.services.remove_member``): their sockets in it close,
    and a creator hands it on. A conversation between people cannot be left.
    """
    if room.kind == Room.Kind.PRIVATE:
        rooms.remove_member(room, user, {"username": user.get_username()})
        return
    if room.kind != Room.Kind.PUBLIC:
        raise Forbidden(NO_LEAVING_A_CONVERSATION)
    with transaction.atomic():
        left, _kinds = Membership.objects.filter(room=room, user=user).delete()
        if not left:
            raise Missing(NOT_A_MEMBER)
        rooms.member_left.send(Room, room=room, person=user)  # the bots they made go too
    events.room_left(user.pk, room.id)
    presence.send_members(room.id)


# --- the default room -----------------------------------------------------------------------


def default_room_name() -> tuple[str, str] | None:
    """The default room's (slug, title) from ``CHAT_DEFAULT_ROOM``: "general" is the
    room ``/r/general/`` titled "General"; "" means none."""
    name = settings.CHAT_DEFAULT_ROOM.strip()
    slug = slugify(name)[:50].strip("-")
    if not slug:
        return None
    title = name.replace("-", " ")
    return slug, title[:1].upper() + title[1:80]


def default_room() -> Room | None:
    """The public room every new account joins, made now if it does not exist yet (by
    nobody: it belongs to the instance). None when ``CHAT_DEFAULT_ROOM`` is "", or when its
    address is taken by a room that is not public or is archived.

    Two first accounts at once make it once: the unique slug refuses the second insert,
    whose maker then reads the first's.
    """
    named = default_room_name()
    if named is None:
        return None
    slug, title = named
    room = Room.objects.filter(slug=slug).first()
    if room is None:
        try:
            with transaction.atomic():
                room = Room.objects.create(slug=slug, title=title, kind=Room.Kind.PUBLIC)
        except IntegrityError:
            room = Room.objects.get(slug=slug)
        else:
            transaction.on_commit(lambda: events.public_rooms_changed(lobby.public_rooms_frame()))
    if room.kind != Room.Kind.PUBLIC or room.archived_at is not None:
        return None
    return room


def welcome_to_default_room(user: AbstractBaseUser) -> Room | None:
    """Make a new account a member of the default room (``default_room``); the room, or
    None when there is none. Called once the account exists, by every way one is made for
    a person: sign-up, an invitation, the first run's setup, the admin's "Add user"."""
    room = default_room()
    if room is None:
        return None
    if _become_member(room, user):
        transaction.on_commit(lambda: rooms.members_changed(room, user))
    return room
