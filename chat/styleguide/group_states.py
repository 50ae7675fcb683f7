"""The styleguide's states of group conversations: a group in the lobby and the sidebar,
its members panel, and the lobby's picker of people (one for a direct conversation, two
or more for a group)."""

from __future__ import annotations

from chat.broadcast.presence import Member
from chat.conversations import name_for
from chat.links import BY_GROUP
from chat.models import Room
from chat.rooms.forms import PeopleForm
from chat.rooms.lobby import RoomEntry
from chat.styleguide.rows import Section, State
from chat.styleguide.samples import bound

#: A made-up group's slug and the key its address holds.
KEY = "0a1b2c3d4e"


def group_room() -> Room:
    """A made-up group conversation of me, bob and carol."""
    return Room(id=900_010, slug=BY_GROUP.slug_of(KEY), title="bob, carol, me", kind="group")


def group_entry(**fields) -> RoomEntry:
    """The group as my lobby and sidebar list it: named by the others."""
    defaults = {"unread": 2, "last_body": "Cake at four?", "last_author": "carol"}
    name = name_for(BY_GROUP, "", ["bob", "carol"])
    return RoomEntry(group_room(), BY_GROUP.links(KEY), name, **{**defaults, **fields})


# fmt: off
GROUPS = Section("groups", "Group conversations", (
    State("group-lobby-entry", "A group in the lobby",
          "A conversation of three or more, named by the others, with its unread count.",
          "chat/lobby.html#lobby-entry", lambda s: {"entry": group_entry()}, wrap="room-list"),
    State("group-sidebar", "A group in the sidebar, open",
          "Beside the group's page: it is listed with the conversations, marked as the open one.",
          "chat/room.html#sidebar-list", lambda s: {"sidebar_rooms": [],
              "sidebar_directs": [s.direct, group_entry(unread=0)], "here": f"/g/{KEY}/"},
          within=("chat/room.html#sidebar-entry",)),
    State("group-members", "A group's people",
          "Leave beside my name only: anyone in it may leave, and add someone (the form of "
          "a private room's panel); nobody removes another.",
          "chat/room.html#members", lambda s: {"room": group_room(), "members": [
              Member(s.me, True), Member(s.bob, False), Member(s.carol, True)]},
          wrap="members-panel"),
    State("people-picker", "Message someone: the picker",
          "The lobby's form: one username for a direct conversation, two or more for a group "
          "(blank inputs are left out; without JavaScript, a third name goes in the blank one).",
          "chat/lobby.html#direct-form", lambda s: {"direct_form": PeopleForm()}),
    State("people-picker-refused", "The picker, refused",
          "Nothing typed: the error under the inputs.",
          "chat/lobby.html#direct-form",
          lambda s: {"direct_form": bound(PeopleForm, {"username": ["", ""]})}),
))
# fmt: on
