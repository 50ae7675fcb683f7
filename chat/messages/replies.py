"""Replies: a message that answers another one of the same room.

The composer (socket frame or plain form) sends ``reply_to`` beside ``body``. The original
must be in the same room and not deleted, or the send is refused with the form holding
what was typed. The stored message points at it (``Message.reply_to``); its article
quotes it once for everyone (``chat/room.html#message``), and the original's author, when
a member other than the replier, is recorded as mentioned (``chat.messages.mentions``):
the lobby's counts and the notifications treat a reply like a mention.
"""

from __future__ import annotations

from django import forms

from chat.errors import Forbidden, Invalid
from chat.messages.forms import NOT_A_MESSAGE
from chat.models import Message, Room

#: The length of the original's words quoted in a reply, and in the composer's reply bar.
EXCERPT_CHARS = 140
NOT_HERE = NOT_A_MESSAGE
GONE = "The message you are replying to was deleted."


def excerpt(message: Message | None) -> str:
    """The original's words as a reply quotes them: plain text on one line, cut at
    ``EXCERPT_CHARS`` (escaped where shown, like every string)."""
    if message is None or message.deleted:
        return "a deleted message"
    # The words as read, not the Markdown as typed: "**Lunch** at 12" quotes "Lunch at 12".
    text = " ".join(message.words.split())
    if not text and message.has_attachment:
        return "a file"
    if len(text) <= EXCERPT_CHARS:
        return text
    return text[: EXCERPT_CHARS - 1].rstrip() + "…"


def check_reply(message: Message) -> None:
    """``Forbidden`` for "Reply" to a deleted message."""
    if message.deleted:
        raise Forbidden(GONE)


def quotable(room: Room | None, message_id: object) -> Message | None:
    """Message ``message_id`` of ``room``, not deleted, with its author: what a reply in
    ``room`` may answer; None otherwise (another room's, deleted, none, not an id)."""
    if room is None or not isinstance(message_id, int):
        return None
    return (
        Message.objects.filter(pk=message_id, room=room, deleted=False)
        .select_related("author__profile")
        .first()
    )


def original(room: Room, form: forms.Form) -> Message | None:
    """The message a valid ``form`` (``MessageForm``) answers in ``room``, or None for a
    message that answers none; ``Invalid``, the form holding the reason and what was
    typed, for one of another room (or none at all) or one deleted since."""
    wanted = form.cleaned_data.get("reply_to")
    if wanted is None:
        return None
    found = (
        Message.objects.filter(pk=wanted, room=room).select_related("author__profile").first()
    )
    if found is None or found.deleted:
        form.add_error("reply_to", NOT_HERE if found is None else GONE)
        raise Invalid(form)
    return found


def replied_author(message: Message) -> int | None:
    """Whose message ``message`` answers, to count as mentioned: None for no reply, or a
    reply to oneself."""
    if message.reply_to_id is None:
        return None
    author_id = message.reply_to.author_id
    return None if author_id == message.author_id else author_id
