"""The styleguide's states of moderation (``chat.people.moderation``): staff's Delete on
anyone's message, the delete page of a conversation they are not in, and the ban form."""

from __future__ import annotations

from chat.people.forms import BanForm
from chat.styleguide.rows import Section, State
from chat.styleguide.samples import bound

# fmt: off
MODERATION = Section("moderation", "Moderation", (
    State("message-staff-delete", "Someone else's message, to staff",
          "Staff see Delete on every message (hover or focus it; on a phone, in its ⋯ menu): "
          "base.html's style block shows it to them, the article is the same for everyone.",
          "chat/room.html#message",
          lambda s: {"message": s.message(s.bob, "Buy cheap watches at spam.example")},
          wrap="messages sg-staff"),
    State("message-quoted", "A message's own page: the message",
          "Above a message's form without JavaScript (chat/message.html): who said what.",
          "chat/message.html#quoted", lambda s: {"message": s.draft, "readable": True}),
    State("message-quoted-unreadable", "The message, to staff outside its conversation",
          "Staff deleting a message of a conversation they are not in, from a report: who "
          "wrote it and when, never its words.",
          "chat/message.html#quoted",
          lambda s: {"message": s.message(s.bob, "Not for your eyes"), "readable": False}),
    State("ban-form", "The ban form", "From the staff's people page: for how long new "
          "accounts are refused from the person's last address, and whether their messages "
          "and files go too.", "chat/staff_ban.html#ban-form",
          lambda s: {"target": s.bob, "form": BanForm()}),
    State("ban-form-error", "The ban form, refused", "A length that is not offered.",
          "chat/staff_ban.html#ban-form",
          lambda s: {"target": s.bob, "form": bound(BanForm, {"days": "365"})}),
))
# fmt: on
