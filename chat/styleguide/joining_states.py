"""The styleguide's states of joining and leaving rooms (``chat/room.html#membership``) and
of choosing a private room's members as it is made (``chat/lobby.html#room-form``)."""

from __future__ import annotations

from chat.rooms import services as rooms
from chat.rooms.forms import RoomForm
from chat.styleguide.rows import Section, State
from chat.styleguide.samples import bound

PLANS = {"title": "Plans", "kind": "private"}


def members_refused() -> RoomForm:
    """The new-room form naming a bot, as it comes back (the service's own words). The
    made-up people are not in the database, so the words are set rather than looked up."""
    form = bound(RoomForm, {**PLANS, "members": ""})
    form.data = {**PLANS, "members": "bob, weatherbot"}
    form.add_error("members", rooms.BOTS_STAY_HOME.format(name="weatherbot"))
    return form


# fmt: off
JOINING = Section("joining", "Joining and leaving", (
    State("membership-join-bar", "The Join bar",
          "A public room read by someone who has not joined it: what joining gives, and Join "
          "(writing a message joins too).",
          "chat/room.html#membership",
          lambda s: {"room": s.room, "room_name": s.room.title, "is_member": False},
          wrap="room-header"),
    State("membership-leave", "Leave a public room",
          "A member's button at the end of the room's header: the room leaves their lobby and "
          "sidebar, and stays readable.",
          "chat/room.html#membership",
          lambda s: {"room": s.room, "room_name": s.room.title, "is_member": True},
          wrap="room-header"),
    State("membership-leave-private", "Leave a private room",
          "The same place; it opens “are you sure?” first, as the room is then gone from sight.",
          "chat/room.html#membership",
          lambda s: {"room": s.private, "room_name": s.private.title, "is_member": True},
          wrap="room-header"),
    State("room-form-members", "Create a private room with members",
          "The members field, filled: usernames, separated by commas.",
          "chat/lobby.html#room-form",
          lambda s: {"room_form": RoomForm(initial={**PLANS, "members": "bob, carol"})}),
    State("room-form-members-error", "Members refused",
          "An unknown name or a bot: the form comes back as typed, with why.",
          "chat/lobby.html#room-form", lambda s: {"room_form": members_refused()}),
))
# fmt: on
