"""Changes to a message after it was said: edit, delete, react.

Each change takes the room's next revision in the transaction that makes it, so a page
that was away gets the changed article when it resumes, deletions included. The article
is rendered once and goes to every socket of the room (the changer's own tabs too)
inside the same ``#messages`` frame as a new message: the page puts it in place of its
copy, or drops it when that message is older than what the page has loaded. The HTTP
answer to the one who asked is the same article, swapped in by id.

Who may do what: only the author edits, within ``EDIT_WINDOW_SECONDS``; the author, the
room's creator or staff delete; anyone who can read the room reacts. A message of a room
the person may not read is ``NotFound`` whatever they try, but for staff deleting it: they
reach any message by its id, to act on what is reported to them, without reading it there
(``readable_by``). A deletion by staff of someone else's message is announced inside its
transaction (``deleted_by_staff``: the audit log records it, ``chat.people.moderation``).
Every change counts against the person's posting limit. An edit or a deletion re-renders
the replies quoting the message too, so no quote keeps words that were changed or deleted.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError, transaction
from django.dispatch import Signal
from django.utils import timezone

from chat import ratelimit
from chat.broadcast import events
from chat.broadcast import frames as rendering
from chat.errors import Forbidden, NotFound, Unavailable, validated
from chat.limits import EDIT_WINDOW_SECONDS
from chat.messages import attachments, formatting, mentions, replies
from chat.messages.forms import MessageForm, ReactionForm
from chat.messages.posting import next_revision
from chat.models import LinkPreview, Message, Reaction, Room
from chat.rooms import admin
from chat.rooms import services as rooms

logger = logging.getLogger(__name__)

NO_SUCH_MESSAGE = "No such message."
GONE = "This message was deleted."
ONLY_AUTHOR_EDITS = "Only its author can edit a message."
TOO_LATE_TO_EDIT = (
    f"Messages can be edited for {EDIT_WINDOW_SECONDS // 60} minutes after they are sent."
)
#: Sent once an edit is stored and announced, with ``message`` (link previews follow it;
#: this module knows nothing of them).
message_edited = Signal()
#: Sent inside the deletion's transaction when staff delete someone else's message, with
#: ``actor`` and ``message`` (the audit log records it; this module knows nothing of it).
deleted_by_staff = Signal()

ONLY_AUTHOR_OR_CREATOR_DELETES = "Only its author or the room's creator can delete a message."
NOT_CHANGED = "That change could not be saved just now; try again."


@dataclass(frozen=True)
class Changed:
    """A message after a change, its article (rendered once), and whether the layer took it."""

    message: Message
    article: str
    broadcast: bool = True


def readable_message(user: AbstractBaseUser, message_id: int) -> Message:
    """Message ``message_id`` if ``user`` may read its room; ``NotFound`` otherwise, exactly
    as for a message that does not exist."""
    if not 0 < message_id < 2**63:  # beyond what the database's ids can hold
        raise NotFound(NO_SUCH_MESSAGE)
    message = (
        Message.objects.filter(pk=message_id, room__in=Room.objects.visible_to(user))
        .select_related("room", "author__profile", "reply_to__author__profile")
        .first()
    )
    if message is None:
        raise NotFound(NO_SUCH_MESSAGE)
    return message


def deletes_anywhere(user: AbstractBaseUser) -> bool:
    """Whether ``user`` may delete any message anywhere: an active staff member."""
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def deletable_message(user: AbstractBaseUser, message_id: int) -> Message:
    """Message ``message_id`` as ``readable_message`` finds it, or, for staff, wherever it
    is: they act on reports from rooms they are not in. ``NotFound`` otherwise."""
    if not deletes_anywhere(user):
        return readable_message(user, message_id)
    if not 0 < message_id < 2**63:
        raise NotFound(NO_SUCH_MESSAGE)
    found = Message.objects.select_related("room", "author__profile").filter(pk=message_id)
    message = found.first()
    if message is None:
        raise NotFound(NO_SUCH_MESSAGE)
    return message


def readable_by(user: AbstractBaseUser, message: Message) -> bool:
    """Whether ``user`` may read the room of ``message`` (and so see its words)."""
    return Room.objects.visible_to(user).filter(pk=message.room_id).exists()


def why_not_edit(user: AbstractBaseUser, message: Message) -> str | None:
    """Why ``user`` may not edit ``message`` now, or None when they may."""
    if message.deleted:
        return GONE
    if message.author_id != user.pk:
        return ONLY_AUTHOR_EDITS
    if timezone.now() - message.created_at > timedelta(seconds=EDIT_WINDOW_SECONDS):
        return TOO_LATE_TO_EDIT
    return None


def why_not_delete(user: AbstractBaseUser, message: Message) -> str | None:
    """Why ``user`` may not delete ``message``, or None when they may."""
    if message.deleted:
        return GONE
    if message.author_id == user.pk or deletes_anywhere(user):
        return None
    if not rooms.may_moderate(message.room, user):
        return ONLY_AUTHOR_OR_CREATOR_DELETES
    return None


def check_edit(user: AbstractBaseUser, message: Message) -> None:
    """``Forbidden``, saying why, unless ``user`` may edit ``message`` now (``why_not_edit``)."""
    refusal = why_not_edit(user, message)
    if refusal:
        raise Forbidden(refusal)


def check_delete(user: AbstractBaseUser, message: Message) -> None:
    """``Forbidden``, saying why, unless ``user`` may delete ``message`` (``why_not_delete``)."""
    refusal = why_not_delete(user, message)
    if refusal:
        raise Forbidden(refusal)


def check_reaction(message: Message) -> None:
    """``Forbidden`` for a reaction to a deleted message."""
    if message.deleted:
        raise Forbidden(GONE)


def announce(message: Message) -> Changed:
    """The changed message's article, rendered once, to its room's sockets."""
    article = rendering.message_article(message, change=True)
    sent = events.message_changed(message, rendering.changed_messages_frame(article))
    return Changed(message, article, broadcast=sent)


#: The newest replies re-rendered when the message they quote changes; older ones show the
#: change when their page is loaded again.
MOST_REQUOTED = 50


def _requote(message: Message) -> list[Message]:
    """The replies quoting ``message`` (the newest ``MOST_REQUOTED``), each taking the room's
    next revision: call inside the change's transaction, once ``message`` is saved. Their
    quotes then say what it says now ("a deleted message", after a deletion), on every
    page, and on pages that resume from before."""
    quoting = list(
        Message.objects.for_room(message.room)
        .filter(reply_to=message, deleted=False)
        .order_by("-id")[:MOST_REQUOTED]
    )
    for reply in reversed(quoting):
        reply.revision = next_revision(message.room_id)
        reply.save(update_fields=["revision"])
    return quoting[::-1]


def saved(user: AbstractBaseUser, change) -> None:
    """Run ``change`` in a transaction; ``Unavailable`` (the limit given back) if it fails."""
    try:
        with transaction.atomic():
            change()
    except DatabaseError as error:  # the two clicks of a double click race, or storage failed
        logger.exception("could not save a change to a message")
        ratelimit.give_back(ratelimit.CHANGING, user.pk)
        raise Unavailable(NOT_CHANGED) from error


def edit_message(user: AbstractBaseUser, message_id: int, data: Mapping) -> Changed:
    """Replace the body of ``user``'s own recent message; it is marked edited.

    Raises ``NotFound``, ``Forbidden`` (someone else's, deleted, too late), ``Invalid``
    (the same rules as a new message), ``TooFast`` or ``Unavailable``.
    """
    message = readable_message(user, message_id)
    admin.check_writable(message.room)  # archived: read-only
    check_edit(user, message)
    form = validated(MessageForm, {"body": data.get("body")})
    ratelimit.take(ratelimit.CHANGING, user.pk)
    requoted: list[Message] = []  # the replies quoting it, re-rendered after

    def change() -> None:
        message.body = form.cleaned_data["body"]
        named = mentions.members_named(
            message.room_id, message.body, replies.replied_author(message)
        )
        message.html = formatting.render(message.body, named)
        message.edited_at = timezone.now()
        message.revision = next_revision(message.room_id)
        message.save(update_fields=["body", "html", "edited_at", "revision"])
        mentions.record(message, named)
        requoted[:] = _requote(message)

    saved(user, change)
    changed = announce(message)
    for reply in requoted:
        announce(reply)
    message_edited.send(sender=Message, message=message)
    return changed


def erase(message: Message) -> list[Message]:
    """Make ``message`` a tombstone, taking its room's next revision: its body, reactions,
    mentions, file and link preview are gone from the database (its files and picture
    leave storage once committed). Call inside a transaction; the replies quoting it,
    which took revisions too, are returned to be announced after it."""
    message.body = message.html = ""
    message.deleted = True
    message.has_attachment = False
    message.revision = next_revision(message.room_id)
    message.save(update_fields=["body", "html", "deleted", "has_attachment", "revision"])
    message.reactions.all().delete()
    message.mentions.all().delete()
    attachments.detach(message)  # its files leave storage once this is committed
    requoted = _requote(message)
    # Its link preview too (its picture, from storage: previews.forget_picture).
    LinkPreview.objects.filter(message=message).delete()
    return requoted


def delete_message(user: AbstractBaseUser, message_id: int) -> Changed:
    """Delete a message (``erase``); a tombstone stays in its place. Its author, the room's
    creator or staff may; staff deleting someone else's message is ``deleted_by_staff``.
    An archived room is read-only, for staff too."""
    message = deletable_message(user, message_id)
    admin.check_writable(message.room)
    check_delete(user, message)
    ratelimit.take(ratelimit.CHANGING, user.pk)
    requoted: list[Message] = []  # the replies quoting it, re-rendered after

    def change() -> None:
        requoted[:] = erase(message)
        if message.author_id != user.pk and deletes_anywhere(user):
            deleted_by_staff.send(sender=Message, actor=user, message=message)

    saved(user, change)
    changed = announce(message)
    for reply in requoted:
        announce(reply)
    return changed


def toggle_reaction(user: AbstractBaseUser, message_id: int, data: Mapping) -> Changed:
    """Add ``user``'s reaction (an emoji) to a message, or take it back if it was there."""
    message = readable_message(user, message_id)
    admin.check_writable(message.room)  # archived: read-only
    check_reaction(message)
    form = validated(ReactionForm, data)
    ratelimit.take(ratelimit.CHANGING, user.pk)
    emoji = form.cleaned_data["emoji"]

    def change() -> None:
        removed, _ = Reaction.objects.filter(message=message, user=user, emoji=emoji).delete()
        if not removed:
            Reaction.objects.create(message=message, user=user, emoji=emoji)
        message.revision = next_revision(message.room_id)
        message.save(update_fields=["revision"])

    saved(user, change)
    return announce(message)
