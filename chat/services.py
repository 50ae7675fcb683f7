"""The chat's actions. HTTP views and consumers both call these; neither holds rules of its own."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from uuid import UUID

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils.text import slugify

from chat import rendering
from chat.limits import RESUME_MAX_MESSAGES
from chat.models import Membership, Message, Room

logger = logging.getLogger(__name__)


def room_group(room_id: int) -> str:
    """The channel-layer group every socket of a room listens on."""
    return f"room.{room_id}"


def user_group(user_id: int) -> str:
    """The channel-layer group every socket of one person listens on."""
    return f"user.{user_id}"


def socket_event(group: str, kind: str, **fields: object) -> dict:
    """A channel-layer event for the sockets of ``group``; it names the group it is for.

    Each process receives its groups' events on one channel (``chat.fanout``), and
    finds the sockets an event is for by this name.
    """
    return {"type": kind, "group": group, **fields}


def _tell_user_sockets(user_id: int, kind: str, **fields: object) -> None:
    group = user_group(user_id)
    try:
        async_to_sync(get_channel_layer().group_send)(group, socket_event(group, kind, **fields))
    except Exception:
        # The change itself is stored; sockets are re-authorised when they reconnect.
        logger.warning("could not tell user %s's sockets about %s", user_id, kind)


def end_sessions(user_id: int) -> None:
    """Close every open socket of a user who has logged out."""
    _tell_user_sockets(user_id, "session.ended")


# --- finding rooms -----------------------------------------------------------


def visible_room(user: AbstractBaseUser, slug: str) -> Room:
    """The group room ``slug`` if ``user`` may read it, else ``Room.DoesNotExist``.

    A private room the user is not in is reported exactly like a missing one,
    so that its existence is not revealed.
    """
    return Room.objects.visible_to(user).exclude(kind=Room.Kind.DIRECT).get(slug=slug)


def enter_room(user: AbstractBaseUser, slug: str) -> Room:
    """Called when a person opens a room page: visiting a public room joins it."""
    room = visible_room(user, slug)
    if room.kind == Room.Kind.PUBLIC:
        Membership.objects.get_or_create(room=room, user=user)
    return room


def _direct_slug(first: AbstractBaseUser, second: AbstractBaseUser) -> str:
    low, high = sorted([first.pk, second.pk])
    # A dot never appears in a slug made from a title, so direct slugs cannot clash.
    return f"dm.{low}.{high}"


def open_direct_room(user: AbstractBaseUser, other: AbstractBaseUser) -> Room:
    """Find or create the one direct room for the pair; ``other == user`` is one's notes.

    The unique slug makes a concurrent first visit from both people end in one
    room: the loser of the race gets an IntegrityError and reads the winner's.
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
        room = Room.objects.get(slug=slug)
    return room


def find_direct_room(user: AbstractBaseUser, username: str) -> Room | None:
    """The direct room between ``user`` and ``username``, if it has been opened."""
    other = get_user_model().objects.filter(username=username).first()
    if other is None:
        return None
    return Room.objects.filter(slug=_direct_slug(user, other)).first()


def socket_room(
    user: AbstractBaseUser, *, slug: str | None = None, username: str | None = None
) -> Room | None:
    """The room a socket asks for, or None when ``user`` may not listen to it."""
    if not user.is_authenticated:
        return None
    if username is not None:
        return find_direct_room(user, username)
    try:
        return visible_room(user, slug or "")
    except Room.DoesNotExist:
        return None


# --- changing rooms ----------------------------------------------------------


def _unique_slug(title: str) -> str:
    base = slugify(title)[:50].strip("-") or "room"
    slug, n = base, 1
    while Room.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


class RoomExists(Exception):
    """A room the creator can already see has the same name."""

    def __init__(self, room: Room) -> None:
        super().__init__(room.title)
        self.room = room


def create_room(user: AbstractBaseUser, title: str, kind: str) -> Room:
    """Create a public or private room with ``user`` as its first member.

    A clash with a room the user can see is an error (``RoomExists``); a clash
    with a private room they cannot see quietly takes another slug, so that
    creating rooms cannot be used to discover private ones.
    """
    wanted = slugify(title)[:50].strip("-") or "room"
    clash = Room.objects.visible_to(user).filter(slug=wanted).first()
    if clash is not None:
        raise RoomExists(clash)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                room = Room.objects.create(
                    slug=_unique_slug(title), title=title, kind=kind, created_by=user
                )
                Membership.objects.create(room=room, user=user)
                return room
        except IntegrityError:
            continue  # another request took that slug between our check and insert
    raise RuntimeError("could not find a free slug")


def add_member(room: Room, user: AbstractBaseUser) -> Membership:
    """Add ``user`` to ``room`` (no-op if already there)."""
    membership, _created = Membership.objects.get_or_create(room=room, user=user)
    return membership


def remove_member(room: Room, user: AbstractBaseUser) -> None:
    """Take ``user`` out of ``room`` and close their sockets in it at once."""
    Membership.objects.filter(room=room, user=user).delete()
    _tell_user_sockets(user.pk, "membership.ended", room=room.id)


def mark_room_read(user: AbstractBaseUser, room: Room, upto: int) -> None:
    """Record that ``user`` has read ``room`` up to message ``upto`` (never backwards)."""
    Membership.objects.filter(room=room, user=user, last_read__lt=upto).update(last_read=upto)


# --- messages ----------------------------------------------------------------


def next_revision(room_id: int) -> int:
    """Take the room's next change number; call inside the transaction making the change.

    The UPDATE locks the room's row until commit, so changes to one room commit in
    revision order: a reader who sees revision N has every revision below it.
    """
    if connection.features.can_return_columns_from_insert:  # PostgreSQL, SQLite >= 3.35
        table = connection.ops.quote_name(Room._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET revision = revision + 1 WHERE id = %s RETURNING revision",  # noqa: S608 - our own table name
                [room_id],
            )
            return cursor.fetchone()[0]
    Room.objects.filter(pk=room_id).update(revision=F("revision") + 1)
    return Room.objects.values_list("revision", flat=True).get(pk=room_id)


def _store_message(
    room: Room, author: AbstractBaseUser, body: str, client_id: UUID | None
) -> tuple[Message, dict | None]:
    """Save a message and build its channel-layer event, HTML rendered once for all.

    A ``client_id`` the author already used returns that message and no event:
    a frame resent after a reconnect is stored and broadcast once.
    """
    try:
        with transaction.atomic():  # one transaction, one commit
            message = Message.objects.create(
                room=room,
                author=author,
                body=body,
                client_id=client_id,
                revision=next_revision(room.id),
            )
            mark_room_read(author, room, message.id)
    except IntegrityError:
        # Resends are rare, so the unique (author, client_id) constraint finds them
        # rather than a lookup before every insert; the whole transaction is undone.
        earlier = (
            Message.objects.filter(author=author, client_id=client_id).first()
            if client_id is not None
            else None
        )
        if earlier is None:
            raise
        return earlier, None
    event = socket_event(
        room_group(room.id),
        "chat.message",
        id=message.id,
        html=rendering.new_messages_frame([message]),
    )
    return message, event


@dataclass(frozen=True)
class Posted:
    """A stored message, and whether its live broadcast reached the channel layer."""

    message: Message
    frame: str | None
    broadcast: bool


def _broadcast_failed(room: Room, error: Exception) -> None:
    # Stored is what counts: pages catch up by resuming once the layer is back.
    logger.warning("live delivery to room %s failed (%r); pages will catch up", room.id, error)


def post_message(
    room: Room, author: AbstractBaseUser, body: str, client_id: UUID | None = None
) -> Posted:
    """Save a validated message and push it to every socket of the room (sync callers)."""
    message, event = _store_message(room, author, body, client_id)
    if event is None:
        return Posted(message, None, broadcast=True)
    try:
        async_to_sync(get_channel_layer().group_send)(event["group"], event)
    except Exception as error:
        _broadcast_failed(room, error)
        return Posted(message, event["html"], broadcast=False)
    return Posted(message, event["html"], broadcast=True)


async def apost_message(
    room: Room, author: AbstractBaseUser, body: str, client_id: UUID | None = None
) -> Posted:
    """Save a validated message and push it to every socket of the room (async callers)."""
    message, event = await database_sync_to_async(_store_message)(room, author, body, client_id)
    if event is None:
        return Posted(message, None, broadcast=True)
    try:
        await get_channel_layer().group_send(event["group"], event)
    except Exception as error:
        _broadcast_failed(room, error)
        return Posted(message, event["html"], broadcast=False)
    return Posted(message, event["html"], broadcast=True)


@dataclass(frozen=True)
class CatchUp:
    """What a reconnecting page missed, and the revision it is complete up to after."""

    messages: list[Message]
    revision: int
    replaces_page: bool = False
    has_older: bool = False

    @property
    def newest_id(self) -> int:
        """Id of the newest message covered (0 when none)."""
        return max((m.id for m in self.messages), default=0)


def catch_up(room: Room, *, after_id: int, cursor: int | None) -> CatchUp:
    """Everything a page must change to be current, oldest first.

    With a ``cursor`` (the room revision the page is complete up to): every message
    created, edited or deleted since. Without one: the messages newer than
    ``after_id``. A gap longer than RESUME_MAX_MESSAGES answers with the latest page
    instead (``replaces_page``): the page swaps its list, "load older" reaches the rest.
    """
    messages = Message.objects.for_room(room)
    revision = Room.objects.values_list("revision", flat=True).get(pk=room.pk)
    if cursor is None:
        missed = messages.after(after_id)
    else:
        missed = messages.changed_since(cursor).filter(revision__lte=revision)
    missed = list(missed[: RESUME_MAX_MESSAGES + 1])
    if len(missed) > RESUME_MAX_MESSAGES:
        latest, has_older = messages.page_before()
        return CatchUp(latest, revision, replaces_page=True, has_older=has_older)
    return CatchUp(missed, revision)
