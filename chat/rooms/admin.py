"""Looking after a room: rename it, change it between public and private, archive and
unarchive it, delete it. Every rule about these is here, and the other services ask it
(``writable``, ``check_writable``) before they change anything in a room.

Only a room's creator or a staff member may; direct and group conversations have no
admin at all. What a staff member does is logged (``room_administered``, heard by
``chat.people.audit``: rooms sit under people, so this module cannot call it, and the
signal is sent inside the transaction of the change, so an entry exists exactly when the
change does). Every open page hears of each change at once through
``chat.broadcast.events.room_changed``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.dispatch import Signal
from django.template.loader import render_to_string
from django.utils import timezone

from chat.broadcast import events
from chat.errors import Forbidden, Invalid, Missing, validated
from chat.models import AuditEntry, Membership, Room
from chat.rooms import lobby
from chat.rooms.forms import ConvertForm, DeleteRoomForm, RenameForm

NO_ADMIN = "Direct and group conversations have no settings of this kind: only rooms do."
ONLY_CREATOR_OR_STAFF = "Only the room's creator or a staff member may change this room."
ARCHIVED = "This room is archived: it is read-only until it is unarchived."
ALREADY_ARCHIVED = "This room is archived already."
NOT_ARCHIVED = "This room is not archived."
SAME_KIND = "This room is {kind} already."
WRONG_CONFIRMATION = "Type the room's name exactly as it is shown, “{title}”, to delete it."

Action = AuditEntry.Action

#: Sent inside the transaction of a change a staff member made, with ``actor``, ``action``
#: (an ``AuditEntry.Action``) and ``details`` (which room, what changed): the audit log's.
room_administered = Signal()

#: The kinds of room that have an admin.
ADMINISTERED = (Room.Kind.PUBLIC, Room.Kind.PRIVATE)


# --- who may ---------------------------------------------------------------------------


def has_admin(room: Room) -> bool:
    """Whether ``room`` is one that may be renamed, converted, archived and deleted."""
    return room.kind in ADMINISTERED


def may_administer(room: Room, actor: AbstractBaseUser) -> bool:
    """Whether ``actor`` (a reader of ``room``) may use its admin forms: its creator, or
    a staff member, in a public or private room."""
    if not has_admin(room) or not actor.is_authenticated:
        return False
    return room.created_by_id == actor.pk or bool(actor.is_staff and actor.is_active)


def check_administer(room: Room, actor: AbstractBaseUser) -> None:
    """``Missing`` for a conversation that has no admin, ``Forbidden`` for anyone but the
    creator and staff. ``actor`` already reads ``room`` (found through the read rule)."""
    if not has_admin(room):
        raise Missing(NO_ADMIN)
    if not may_administer(room, actor):
        raise Forbidden(ONLY_CREATOR_OR_STAFF)


def writable(room: Room) -> bool:
    """Whether messages may be said, changed or reacted to in ``room`` as it was read."""
    return room.archived_at is None


def check_writable(room: Room) -> None:
    """``Forbidden`` (saying so) when ``room``, as it was read, is archived."""
    if not writable(room):
        raise Forbidden(ARCHIVED)


# --- what changed, for every page ------------------------------------------------------


def _header_frame(room: Room) -> str:
    """The room's header parts every page of it shows (name, kind, archived or not): the
    same bytes for every reader, as a room's name is its title for everyone."""
    return render_to_string("chat/room.html#room-state", {"room": room, "oob": True})


def _announce(room: Room, *, access: bool = False, listed: bool = False) -> None:
    """Tell every page of ``room`` (its header, its writing area) and every lobby and
    sidebar of its members that it changed, and every lobby showing public rooms when it
    is or was one (``listed``). ``access``: who may read it changed, and each socket
    checks its reader again."""
    events.room_changed(room.id, _header_frame(room), access=access)
    if listed or room.kind == Room.Kind.PUBLIC:
        events.public_rooms_changed(lobby.public_rooms_frame())


def _audit(room: Room, actor: AbstractBaseUser, action: str, details: str) -> None:
    if actor.is_staff:
        room_administered.send(Room, actor=actor, action=action, details=details)


def _describe(room: Room) -> str:
    return f"“{room.title}” (/r/{room.slug}/)"


# --- rename ----------------------------------------------------------------------------


def rename(room: Room, actor: AbstractBaseUser, data: Mapping) -> Room:
    """Give ``room`` a new title; its address stays, so old links keep working."""
    check_administer(room, actor)
    form = validated(RenameForm, data)
    old, title = room.title, form.cleaned_data["title"]
    if title == old:
        return room
    with transaction.atomic():
        Room.objects.filter(pk=room.pk).update(title=title)
        room.title = title
        _audit(room, actor, Action.ROOM_RENAMED, f"“{old}” → {_describe(room)}")
    _announce(room)
    return room


# --- public or private -----------------------------------------------------------------


@dataclass(frozen=True)
class Conversion:
    """What changing ``room`` to ``kind`` does to who may read it."""

    room: Room
    kind: str
    #: Members of the room: they keep it either way.
    members: int
    #: Accounts on the instance who are not members: they lose it (to private) or gain
    #: read access (to public).
    others: int
    #: Whether the person asking is a member (if not, they lose a room made private too).
    actor_is_member: bool = True

    @property
    def to_private(self) -> bool:
        """Whether the room becomes private (the others lose it)."""
        return self.kind == Room.Kind.PRIVATE


def conversion(room: Room, actor: AbstractBaseUser, data: Mapping) -> Conversion:
    """What converting ``room`` as ``data`` asks would do, for the confirmation; raises
    as ``convert`` would, and changes nothing."""
    check_administer(room, actor)
    form = validated(ConvertForm, data)
    kind = form.cleaned_data["kind"]
    if kind == room.kind:
        form.add_error("kind", SAME_KIND.format(kind=room.get_kind_display().lower()))
        raise Invalid(form)
    members = Membership.objects.filter(room=room).count()
    everyone = get_user_model().objects.filter(is_active=True).count()
    mine = Membership.objects.filter(room=room, user_id=actor.pk).exists()
    return Conversion(room, kind, members, max(everyone - members, 0), mine)


def convert(room: Room, actor: AbstractBaseUser, data: Mapping) -> Conversion:
    """Change ``room`` between public and private, once confirmed (``data["confirmed"]``).

    To private: everyone who is not a member loses it at once: its page and search
    results answer as for a room that does not exist, and their open sockets in it close
    (on every process: each re-checks its reader). To public: everyone may read it.
    """
    planned = conversion(room, actor, data)
    old = room.get_kind_display()
    with transaction.atomic():
        Room.objects.filter(pk=room.pk).update(kind=planned.kind)
        room.kind = planned.kind
        _audit(room, actor, Action.ROOM_CONVERTED, f"{_describe(room)}: {old} → {planned.kind}")
    _announce(room, access=planned.to_private, listed=True)
    return planned


# --- archive ---------------------------------------------------------------------------


def archive(room: Room, actor: AbstractBaseUser) -> Room:
    """Make ``room`` read-only and take it out of the lobby and the sidebar; its members
    still find it in search, and its address still opens it."""
    check_administer(room, actor)
    with transaction.atomic():
        now = timezone.now()
        if not Room.objects.filter(pk=room.pk, archived_at__isnull=True).update(archived_at=now):
            raise Forbidden(ALREADY_ARCHIVED)
        room.archived_at = now
        _audit(room, actor, Action.ROOM_ARCHIVED, _describe(room))
    _announce(room)
    return room


def unarchive(room: Room, actor: AbstractBaseUser) -> Room:
    """Open an archived ``room`` again, as it was."""
    check_administer(room, actor)
    with transaction.atomic():
        if not Room.objects.filter(pk=room.pk, archived_at__isnull=False).update(archived_at=None):
            raise Forbidden(NOT_ARCHIVED)
        room.archived_at = None
        _audit(room, actor, Action.ROOM_UNARCHIVED, _describe(room))
    _announce(room)
    return room


# --- delete ----------------------------------------------------------------------------


def delete(room: Room, actor: AbstractBaseUser, data: Mapping) -> None:
    """Delete ``room``, every message in it and every file (attachments, thumbnails, link
    preview pictures: they leave storage once the deletion is committed, by the
    ``post_delete`` receivers of their rows), once ``data["confirm"]`` is its title as
    typed. Its open sockets close, and lobbies list it no more."""
    check_administer(room, actor)
    form = validated(DeleteRoomForm, data)
    if form.cleaned_data["confirm"] != room.title:
        form.add_error("confirm", WRONG_CONFIRMATION.format(title=room.title))
        raise Invalid(form)
    room_id, public = room.pk, room.kind == Room.Kind.PUBLIC
    with transaction.atomic():
        _audit(room, actor, Action.ROOM_DELETED, _describe(room))
        Room.objects.get(pk=room_id).delete()
    events.room_changed(room_id, "", gone=True)
    if public:
        events.public_rooms_changed(lobby.public_rooms_frame())
