"""Rooms and who belongs to them: finding, creating (and who may), adding and removing
members. Joining and leaving public rooms, by one's own choice, is ``chat.rooms.joining``'s.

Every rule about who may see or change a room is here (``chat.rooms.conversations`` finds
a conversation with them). Views and consumers call these and turn ``chat.errors`` into
answers; they decide nothing themselves.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils.text import slugify

from chat import ratelimit
from chat.broadcast import events, presence, receipts
from chat.errors import Forbidden, Invalid, Missing, NotFound, validated
from chat.models import Membership, Room
from chat.rooms import lobby
from chat.rooms.forms import NotifyForm, RoomForm, UsernameForm
from chat.rooms.people_keys import rekey

NO_SUCH_ROOM = "No such room."
NO_SUCH_PERSON = "There is nobody by that name."
BOT_HAS_NO_DIRECTS = "{name} is a bot: it answers in its own room, not in direct messages."
BOTS_STAY_HOME = "{name} is a bot of another room: bots belong to the room they were made for."
ONLY_PRIVATE_ROOMS_HAVE_MEMBERS = (
    "Only private rooms and group conversations have members to add or remove."
)
BOTS_STAY_OUT = "{name} is a bot: bots have no place in a conversation between people."
ONLY_CREATOR_REMOVES = "Only the room's creator can remove members."
ONLY_STAFF_CREATE = "Only staff can create rooms here: ask one of them for the room you need."
MEMBERS_OF_PRIVATE_ROOMS = (
    "Members are chosen for private rooms only: anyone may join a public room."
)


# --- finding rooms -------------------------------------------------------------


#: Sent inside the transaction that takes ``person`` out of ``room`` (with ``room`` and
#: ``person``): what builds on rooms (a leaver's bots) goes with them, and this module need
#: not know of it.
member_left = Signal()


def readable_room(user: AbstractBaseUser, slug: str) -> Room:
    """The room ``slug`` (public or private) if ``user`` may read it.

    Raises ``NotFound`` for a private room the user is not in exactly as for a missing
    one: a private room's existence must not be confirmable by guessing URLs.
    """
    if not user.is_authenticated:
        raise NotFound(NO_SUCH_ROOM)
    room = Room.objects.readable(user, slug)
    if room is None or room.kind in (Room.Kind.DIRECT, Room.Kind.GROUP):
        raise NotFound(NO_SUCH_ROOM)
    return room


def person(username: str) -> AbstractBaseUser:
    """The person called ``username`` (exactly) to talk with directly, or ``NotFound``
    (nobody, or a bot: it only posts into its own room, and reads nothing)."""
    other = get_user_model().objects.filter(username=username).select_related("profile").first()
    if other is None:
        raise NotFound(NO_SUCH_PERSON)
    if _is_bot(other):
        raise NotFound(BOT_HAS_NO_DIRECTS.format(name=other.get_username()))
    return other


def _is_bot(user: AbstractBaseUser) -> bool:
    profile = getattr(user, "profile", None)
    return bool(profile and profile.is_bot)


def _direct_slug(first: AbstractBaseUser, second: AbstractBaseUser) -> str:
    low, high = sorted([first.pk, second.pk])
    # A dot never appears in a slug made from a title, so direct slugs cannot clash.
    return f"dm.{low}.{high}"


def find_direct_room(user: AbstractBaseUser, other: AbstractBaseUser) -> Room | None:
    """The direct room between ``user`` and ``other`` if either has written in it yet."""
    return Room.objects.filter(slug=_direct_slug(user, other)).first()


def open_direct_room(user: AbstractBaseUser, other: AbstractBaseUser) -> Room:
    """Find or create the one direct room for the pair; ``other == user`` is one's notes.

    Called by the first message, never by looking at the page (a GET changes nothing).
    The unique slug makes two concurrent first messages end in one room: the loser of
    the race gets an IntegrityError and reads the winner's.
    """
    slug = _direct_slug(user, other)
    room = Room.objects.filter(slug=slug).first()
    if room is not None:
        return room
    try:
        with transaction.atomic():
            room = Room.objects.create(
                slug=slug,
                title="Notes" if other == user else f"{user} & {other}",
                kind=Room.Kind.DIRECT,
                created_by=user,
            )
            Membership.objects.bulk_create(
                [Membership(room=room, user=member) for member in {user, other}]
            )
    except IntegrityError:
        return Room.objects.get(slug=slug)
    for member in {user, other}:
        events.room_joined(member.pk, room.id)
    return room


# --- creating rooms ----------------------------------------------------------------


def _base_slug(title: str) -> str:
    return slugify(title)[:50].strip("-") or "room"


def _private_slug(title: str) -> str:
    # Private rooms never take a plain slug: if they did, someone creating a public room
    # of the same name would get "-2" and so learn that a room they cannot see exists.
    return f"{_base_slug(title)}-{secrets.token_hex(5)}"


def _refuse_clash(user: AbstractBaseUser, form: RoomForm, title: str, kind: str) -> None:
    base = _base_slug(title)
    clash = Room.objects.filter(slug=base).first()
    if clash is None and kind == Room.Kind.PRIVATE:
        clash = Membership.objects.filter(
            user=user, room__kind=Room.Kind.PRIVATE, room__title__iexact=title
        ).first()
        clash = clash.room if clash else None
    if clash is None:
        return
    if Room.objects.visible_to(user).filter(pk=clash.pk).exists():
        form.add_error("title", f"“{clash.title}” already exists: pick another name or join it.")
    else:  # only reachable by guessing a private room's random slug
        form.add_error("title", "That name is taken: pick another.")
    raise Invalid(form)


def may_create_rooms(user: AbstractBaseUser) -> bool:
    """Whether ``user`` may create rooms: anyone, or staff only when ``CHAT_ROOM_CREATION``
    is "staff" (read when asked)."""
    return settings.CHAT_ROOM_CREATION != "staff" or bool(user.is_staff)


def _first_members(user: AbstractBaseUser, form: RoomForm, kind: str) -> list:
    # Bots belong to the room they were made for; a public room is joined by choice.
    chosen = [person for person in form.cleaned_data["members"] if person.pk != user.pk]
    if chosen and kind != Room.Kind.PRIVATE:
        form.add_error("members", MEMBERS_OF_PRIVATE_ROOMS)
    bots = [person.get_username() for person in chosen if _is_bot(person)]
    if bots:
        form.add_error("members", BOTS_STAY_HOME.format(name=", ".join(bots)))
    if form.errors:
        raise Invalid(form)
    return chosen


def create_room(user: AbstractBaseUser, data: Mapping) -> Room:
    """Create a public or private room from the lobby form, with ``user`` as first member
    and, in a private room, the people its members field names.

    Raises ``Forbidden`` when only staff may create rooms (``may_create_rooms``),
    ``Invalid`` (the form, with its errors) for a bad title, one that clashes with a room
    the user can see, or members that are unknown, bots or named for a public room, and
    ``TooFast`` past ``ROOMS_PER_HOUR``.
    """
    if not may_create_rooms(user):
        raise Forbidden(ONLY_STAFF_CREATE)
    form = validated(RoomForm, data)
    title, kind = form.cleaned_data["title"], form.cleaned_data["kind"]
    others = _first_members(user, form, kind)
    _refuse_clash(user, form, title, kind)
    ratelimit.take(ratelimit.ROOM_CREATION, user.pk)
    slug = _private_slug(title) if kind == Room.Kind.PRIVATE else _base_slug(title)
    try:
        with transaction.atomic():
            room = Room.objects.create(slug=slug, title=title, kind=kind, created_by=user)
            Membership.objects.bulk_create(
                [Membership(room=room, user=member) for member in [user, *others]]
            )
    except IntegrityError:
        # Someone created the same public room between the check and the insert.
        ratelimit.give_back(ratelimit.ROOM_CREATION, user.pk)
        _refuse_clash(user, form, title, kind)
        raise
    for member in [user, *others]:
        events.room_joined(member.pk, room.id)
    if kind == Room.Kind.PUBLIC:
        events.public_rooms_changed(lobby.public_rooms_frame())
    return room


# --- members -------------------------------------------------------------------------


def _private_room(room: Room) -> Room:
    # Public rooms are joined and left by choice (chat.rooms.joining), direct rooms have
    # their two people for ever; a group's people add and leave.
    if room.kind not in (Room.Kind.PRIVATE, Room.Kind.GROUP):
        raise Missing(ONLY_PRIVATE_ROOMS_HAVE_MEMBERS)
    return room


def _named_person(data: Mapping) -> AbstractBaseUser:
    return validated(UsernameForm, data).cleaned_data["username"]


def add_member(room: Room, actor: AbstractBaseUser, data: Mapping) -> AbstractBaseUser:
    """A member of a private room or a group conversation adds someone by username;
    returns who was added.

    ``actor`` is already a reader of ``room`` (found through ``readable_room``), and in a
    private room every reader is a member, so any member may add. A group's key follows
    its new set of people (``people_keys.rekey``), and its new name reaches every lobby
    of its people.
    """
    _private_room(room)
    form = validated(UsernameForm, data)
    newcomer = form.cleaned_data["username"]
    if _is_bot(newcomer):
        refusal = BOTS_STAY_OUT if room.kind == Room.Kind.GROUP else BOTS_STAY_HOME
        form.add_error("username", refusal.format(name=newcomer.get_username()))
        raise Invalid(form)
    _membership, created = Membership.objects.get_or_create(room=room, user=newcomer)
    if created and room.kind == Room.Kind.GROUP:
        rekey(room)
        members_changed(room, *_people_of(room))
    elif created:
        members_changed(room, newcomer)
    return newcomer


def _people_of(room: Room) -> list[AbstractBaseUser]:
    return [m.user for m in Membership.objects.filter(room=room).select_related("user")]


def may_remove_others(room: Room, actor: AbstractBaseUser) -> bool:
    """Whether ``actor`` may remove other people from ``room`` (its creator, in a private room)."""
    return room.kind == Room.Kind.PRIVATE and room.created_by_id == actor.pk


def may_moderate(room: Room, actor: AbstractBaseUser) -> bool:
    """Whether ``actor`` looks after ``room`` (deletes anyone's messages): its creator, in a
    public or private room. A conversation between people (two, or a group) has equals,
    whoever started it."""
    people = (Room.Kind.DIRECT, Room.Kind.GROUP)
    return room.kind not in people and room.created_by_id == actor.pk


def members_changed(room: Room, *people: AbstractBaseUser) -> None:
    """Tell the room's sockets its members list changed, and ``people``'s lobbies."""
    presence.send_members(room.id)
    for person in people:
        events.room_joined(person.pk, room.id)


def removable_member(room: Room, actor: AbstractBaseUser, data: Mapping) -> AbstractBaseUser:
    """The member ``data`` names, if ``actor`` may take them out of ``room``: themselves,
    or anyone when ``actor`` created this private room."""
    _private_room(room)
    leaving = _named_person(data)
    if leaving != actor and not may_remove_others(room, actor):
        raise Forbidden(ONLY_CREATOR_REMOVES)
    if not Membership.objects.filter(room=room, user=leaving).exists():
        raise Missing(f"{leaving.get_username()} is not a member of this room.")
    return leaving


def heir(room: Room, leaving: AbstractBaseUser) -> AbstractBaseUser | None:
    """Who looks after ``room`` once ``leaving`` has left it: when its creator leaves a
    private room, the person (not a bot) who has been a member longest; else None.

    A private room is never left without someone who may add and remove its members
    and delete its messages, while anyone is still in it.
    """
    if room.kind != Room.Kind.PRIVATE or room.created_by_id != leaving.pk:
        return None
    successor = (
        Membership.objects.filter(room=room)
        .exclude(user=leaving)
        .exclude(user__profile__is_bot=True)
        .select_related("user")
        .order_by("joined_at", "pk")
        .first()
    )
    return successor.user if successor else None


def remove_member(room: Room, actor: AbstractBaseUser, data: Mapping) -> AbstractBaseUser:
    """Leave a private room or a group, or (a private room's creator only) remove
    someone; returns who left.

    A creator who leaves hands the room to its longest-standing member (``heir``). Their
    sockets in the room are closed at once, on every process, and the bots they made for
    it are revoked (``member_left``, heard by ``chat.bots.services``). A group's key
    follows the people who stay, and its new name reaches their lobbies; a group of two
    stays a group (their direct conversation is another one).
    """
    leaving = removable_member(room, actor, data)
    successor = heir(room, leaving)
    with transaction.atomic():
        Membership.objects.filter(room=room, user=leaving).delete()
        if successor is not None:
            Room.objects.filter(pk=room.pk).update(created_by=successor)
            room.created_by = successor
        member_left.send(Room, room=room, person=leaving)  # its lists are sent below
    events.membership_ended(leaving.pk, room.id)
    if room.kind == Room.Kind.GROUP:
        rekey(room)
        members_changed(room, *_people_of(room))
    else:
        members_changed(room)
    return leaving


def room_ids_of(user: AbstractBaseUser) -> list[int]:
    """The ids of the rooms ``user`` belongs to."""
    return list(Membership.objects.filter(user=user).values_list("room_id", flat=True))


def members_named(room: Room, prefix: str, limit: int = 8) -> list:
    """Up to ``limit`` members of ``room`` whose username or display name starts with
    ``prefix``, by username (with their profiles: the choices show both names)."""
    prefix = prefix.strip()[:150]
    memberships = room.memberships.filter(
        Q(user__username__istartswith=prefix) | Q(user__profile__display_name__istartswith=prefix)
    )
    chosen = memberships.select_related("user__profile").order_by("user__username")[:limit]
    return [m.user for m in chosen]


def is_member(room: Room, user: AbstractBaseUser) -> bool:
    """Whether ``user`` belongs to ``room``."""
    return Membership.objects.filter(room=room, user=user).exists()


def membership(room: Room, user: AbstractBaseUser) -> Membership:
    """``user``'s membership of ``room``; ``NotFound`` when they are not in it (a public room
    they only looked at)."""
    found = Membership.objects.filter(room=room, user=user).first()
    if found is None:
        raise Missing("You are not a member of this room: join it first.")
    return found


def set_notify(room: Room, user: AbstractBaseUser, data: Mapping) -> Membership:
    """Choose what of ``room`` reaches ``user`` (counts in the lobby, notifications)."""
    joined = membership(room, user)
    form = validated(NotifyForm, data)
    joined.notify = form.cleaned_data["notify"]
    joined.save(update_fields=["notify"])
    events.room_read(user.pk, room.id)
    return joined


def mark_room_read(user: AbstractBaseUser, room: Room, upto: int) -> bool:
    """Record that ``user`` has read ``room`` up to message ``upto`` (never backwards);
    whether their read position moved (False too when they are not a member)."""
    # One plain statement: it is on every message's path (the author's own position), where
    # the ORM's building of the UPDATE cost more than running it (bench/message_path.py).
    table = connection.ops.quote_name(Membership._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET last_read = %s"  # noqa: S608 - our own table
            " WHERE room_id = %s AND user_id = %s AND last_read < %s",
            [upto, room.pk, user.pk, upto],
        )
        return cursor.rowcount > 0


def open_room(user: AbstractBaseUser, room: Room, upto: int) -> None:
    """Called when a person opens a room's page: read up to ``upto``, on every tab of theirs;
    in a conversation of two, the other person's "Seen" follows (``chat.broadcast.receipts``).

    Posting (``chat.messages.posting``) moves the author's position too but sends no
    receipt: a page with a socket has noted what it showed already (the read tracker
    sends it), and the form's POST without JavaScript redirects here, which does."""
    moved = mark_room_read(user, room, upto)
    events.room_read(user.pk, room.id)
    if moved and room.is_direct:
        key = [(user.pk, room.id)]
        transaction.on_commit(lambda: receipts.announce_moved(key))
