"""The styleguide's states of a room's admin (``chat.rooms.admin``): its forms on the
settings page, the confirmation of a change between public and private, the header every
page of a room takes when it changes, and the archived notice in place of the composer."""

from __future__ import annotations

from chat.models import Room
from chat.rooms.admin import WRONG_CONFIRMATION, Conversion
from chat.rooms.forms import ConvertForm, DeleteRoomForm, RenameForm
from chat.styleguide.rows import Section, State
from chat.styleguide.samples import Samples, bound


def archived(s: Samples) -> Room:
    """The sample room, archived."""
    return Room(id=s.room.id, slug=s.room.slug, title=s.room.title, kind=s.room.kind,
                created_by=s.me, archived_at=s.now)  # fmt: skip


def forms(s: Samples, room: Room, **refused: object) -> dict:
    """The admin panel's context: fresh forms, or ``refused`` ones holding their errors."""
    return {
        "room": room,
        "rename_form": RenameForm(initial={"title": room.title}),
        "convert_form": ConvertForm(initial={"kind": room.kind}),
        "delete_form": DeleteRoomForm(),
        **refused,
    }


def refused(s: Samples) -> dict:
    """A blank new name, and a mismatched name typed to delete."""
    delete = bound(DeleteRoomForm, {"confirm": "lunch"})
    delete.add_error("confirm", WRONG_CONFIRMATION.format(title="Lunch"))
    return forms(s, s.private, rename_form=bound(RenameForm, {"title": " "}), delete_form=delete)


def conversion(s: Samples, kind: str, *, mine: bool = True) -> dict:
    """The confirmation of making a room ``kind``; ``mine``: the one asking is a member."""
    room = s.room if kind == Room.Kind.PRIVATE else s.private
    planned = Conversion(room, kind, members=4, others=17, actor_is_member=mine)
    return {"room": room, "links": s.links, "conversion": planned, "sample": True}


PANEL = "chat/room_admin.html#admin-panel"
CONFIRMATION = "chat/room_convert.html#confirmation"
HEADER = ("chat/room.html#room-title", "chat/room.html#room-kind")

# fmt: off
ROOM_ADMIN = Section("room-admin", "Looking after a room", (
    State("admin-panel", "The admin forms", "A room's settings page, for its creator and "
          "staff: rename, public or private, archive, delete.", PANEL,
          lambda s: forms(s, s.private), wrap="room-settings"),
    State("admin-panel-errors", "The admin forms, refused", "A blank name, and the delete "
          "confirmation not matching the name: the form keeps what was typed.", PANEL,
          refused, wrap="room-settings"),
    State("admin-panel-archived", "The admin forms of an archived room", "Unarchive in "
          "place of Archive.", PANEL, lambda s: forms(s, archived(s)), wrap="room-settings"),
    State("convert-to-private", "Making a room private", "Asked before anything changes: "
          "who loses it, who keeps it.", CONFIRMATION,
          lambda s: conversion(s, Room.Kind.PRIVATE, mine=False)),
    State("convert-to-public", "Making a room public", "Everyone on the instance gains "
          "read access.", CONFIRMATION, lambda s: conversion(s, Room.Kind.PUBLIC)),
    State("room-header", "A room's name and kind", "The room page's header; every page of "
          "the room takes it again when it is renamed or converted.", HEADER,
          lambda s: [{"room": s.room, "sample": True}, {"room": archived(s)}]),
    State("archived-notice", "Archived", "In place of the composer of an archived room, with "
          "Unarchive for its creator and staff.", "chat/room.html#archived-notice",
          lambda s: {"room": archived(s), "may_administer": True}, wrap="writing"),
    State("archived-live", "Archived, live", "What every open page of a room gets as it is "
          "archived: its header, and the notice (Unarchive… links to the settings, shown "
          "to those who may).", "chat/room.html#room-state",
          lambda s: {"room": archived(s), "oob": True, "sample": True},
          within=(*HEADER, "chat/room.html#archived-notice")),
    State("reopened-live", "Unarchived, live", "What every open page of it gets as it is "
          "unarchived.", "chat/room.html#room-state",
          lambda s: {"room": s.room, "oob": True, "sample": True},
          within=(*HEADER, "chat/room.html#reopened-notice")),
))
# fmt: on
