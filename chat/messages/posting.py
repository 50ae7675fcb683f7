"""Messages: posting (from a socket or a plain form), and catching up after an absence.

Posting validates with ``MessageForm``, counts the person's posting limit in the cache,
stores the message with the room's next revision and its body rendered
(``chat.messages.formatting``), renders its article once and hands that HTML to
the room's sockets through ``chat.broadcast.events``. The socket and the HTTP form call the same
function, so a rule cannot hold on one path and not the other.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import timedelta
from functools import partial
from uuid import UUID

from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models import F
from django.dispatch import Signal
from django.utils import timezone

from chat import ratelimit
from chat.broadcast import events, notifications
from chat.broadcast import frames as rendering
from chat.compiled import CompiledInsert
from chat.conversations import Conversation
from chat.errors import Forbidden, SignedOut, TooFast, Unavailable, validated
from chat.limits import GROUP_SECONDS, RESUME_MAX_MESSAGES
from chat.messages import formatting, mentions, replies
from chat.messages.forms import MessageForm
from chat.models import Attachment, Bot, Message, Room
from chat.rooms import admin, conversations, joining
from chat.rooms import services as rooms

logger = logging.getLogger(__name__)

NOT_STORED = "Your message could not be saved just now; it is still here, try again."
DEACTIVATED = "This account has been deactivated: nothing more can be posted from it."

#: Sent once a new message is stored and handed to its room's sockets, with ``message``
#: (its mentions fetched along, with their people's profiles and bots). Features that
#: follow new messages (bots' outgoing hooks) listen here, so this module knows none of
#: them. Socket posts send it on the event loop: receivers must not touch the database
#: or wait.
message_posted = Signal()
#: Sent once the transaction that took a room's next revision has committed (a message
#: stored, edited, deleted, reacted to, its preview or quote changed), with ``room_id``, in
#: rooms someone follows (a bot with an event feed: ``_take_revision`` asks).
#: Whoever follows every change of a room (bots' event feeds) reads the changes from the
#: messages table from there: this module knows none of them. Sent on the thread that
#: committed (never on the event loop: revisions are taken in sync code only).
revision_taken = Signal()


@dataclass(frozen=True)
class Posted:
    """A stored message; its frame, if this call stored it; whether the layer took it; and
    the page's id for the send (``ack``), to name in the answer."""

    message: Message
    frame: str | None
    broadcast: bool = True
    ack: str | None = None
    #: Who hears of it while away (``chat.broadcast.notifications``), and what they receive.
    notify: tuple[int, ...] = ()
    notification: str = ""


def next_revision(room_id: int) -> int:
    """Take the room's next change number; call inside the transaction making the change.

    The UPDATE locks the room's row until commit, so changes to one room commit in
    revision order: a reader who sees revision N has every revision below it.
    """
    return _take_revision(room_id)[0]


def _take_revision(room_id: int) -> tuple[int, bool]:
    """``next_revision``, and whether the room is archived, read by the same statement
    (with its row locked): a new message asks this, and no second query. The same statement
    says whether anyone follows the room's changes (a bot with an event feed): only then is
    ``revision_taken`` sent once the change commits, so a room without costs nothing more."""
    if connection.features.can_return_columns_from_insert:  # PostgreSQL, SQLite >= 3.35
        table = connection.ops.quote_name(Room._meta.db_table)
        bots = connection.ops.quote_name(Bot._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET revision = revision + 1 WHERE id = %s"  # noqa: S608 - our own table names
                f" RETURNING revision, archived_at, EXISTS (SELECT 1 FROM {bots}"
                " WHERE room_id = %s AND revoked_at IS NULL AND feed_url <> '')",
                [room_id, room_id],
            )
            revision, archived_at, followed = cursor.fetchone()
    else:
        Room.objects.filter(pk=room_id).update(revision=F("revision") + 1)
        revision, archived_at = Room.objects.values_list("revision", "archived_at").get(pk=room_id)
        followed = _followed(room_id)
    if followed:
        # Robust: the change is committed already, so a follower's failure is not the caller's.
        transaction.on_commit(
            partial(revision_taken.send, sender=Room, room_id=room_id), robust=True
        )
    return revision, archived_at is not None


def _followed(room_id: int) -> bool:
    return (
        Bot.objects.filter(room_id=room_id, revoked_at__isnull=True).exclude(feed_url="").exists()
    )


def _author_still_active(author_id: int) -> bool:
    """Whether the author's account is still active, their row locked until commit where the
    database can (PostgreSQL; ``FOR NO KEY UPDATE``: the message's own reference to the row
    is not held up). One plain statement: through the ORM, building it cost about as much as
    a tenth of a message's whole path (bench/message_path.py under py-spy)."""
    table = connection.ops.quote_name(get_user_model()._meta.db_table)
    lock = " FOR NO KEY UPDATE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM {table} WHERE id = %s AND is_active = %s{lock}",  # noqa: S608 - our own table
            [author_id, True],
        )
        return cursor.fetchone() is not None


def earlier_message(author: AbstractBaseUser, client_id: UUID | None) -> Message | None:
    """What ``author`` already stored for the send ``client_id`` (a resend), or None."""
    if client_id is None:
        return None
    return Message.objects.filter(author=author, client_id=client_id).first()


def follows_on(room: Room, author: AbstractBaseUser, now) -> bool:
    """Whether a message ``author`` says in ``room`` at ``now`` is grouped under the byline
    of the room's message before it: the same author, not deleted, less than
    ``GROUP_SECONDS`` older. Asked inside the transaction that stores it (the room's row
    locked), so two messages said at once cannot both look at the same "before"."""
    # One plain statement: the ORM's query building cost more than the query itself, on
    # every message (bench/message_path.py).
    table = connection.ops.quote_name(Message._meta.db_table)
    since = connection.ops.adapt_datetimefield_value(now - timedelta(seconds=GROUP_SECONDS))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT author_id, deleted, created_at > %s FROM {table}"  # noqa: S608 - our own table
            " WHERE room_id = %s ORDER BY id DESC LIMIT 1",
            [since, room.id],
        )
        before = cursor.fetchone()
    return before is not None and before[0] == author.pk and not before[1] and bool(before[2])


#: Every message is stored with the INSERT compiled once (``chat.compiled``).
_NEW_MESSAGE = CompiledInsert(Message)


def insert(
    room: Room,
    author: AbstractBaseUser,
    body: str,
    client_id: UUID | None,
    *,
    attachment: Attachment | None = None,
    reply_to: Message | None = None,
) -> tuple[Message, list]:
    """Store a message that passed its form and its limits, with the room's next revision,
    in one transaction (with its ``attachment``, unsaved until then, whose files are in
    storage already; answering ``reply_to``, its author fetched along), joining its author
    to a public room they were only reading; the message and its mentions. Raises
    ``IntegrityError`` for a resent ``client_id``, ``DatabaseError`` when storing fails,
    ``SignedOut`` for an account no longer active and ``Forbidden`` in an archived room:
    nothing is stored then."""
    with transaction.atomic():  # one transaction, one commit
        # Every HTTP request checks this as it signs its person in; a socket signed in long
        # ago, or a bot's token, must too. Read here, not trusted from a signal: a
        # deactivation by QuerySet.update() sends none. The row stays locked until commit
        # (PostgreSQL; NO KEY: the message's own reference to it is not held up), so a ban
        # (chat.people.moderation) waits for this message and its purge deletes it.
        if not _author_still_active(author.pk):
            raise SignedOut(DEACTIVATED)
        replied = (
            None if reply_to is None or reply_to.author_id == author.pk else reply_to.author_id
        )
        named = mentions.members_named(room.id, body, replied)
        # Rendered before the room's revision is taken (which locks the room's row, and on
        # SQLite the database, until commit): no other post waits on Markdown.
        html = formatting.render(body, named)
        revision, archived = _take_revision(room.id)  # the row is locked from here on
        # The room as it is now, read with its row locked: an archive committed before this
        # post refuses it, and one after it waits for it (a socket's room was read when it
        # connected).
        room.archived_at = (room.archived_at or timezone.now()) if archived else None
        admin.check_writable(room)
        now = timezone.now()
        message = _NEW_MESSAGE.save(
            Message(
                room=room,
                author=author,
                body=body,
                html=html,
                client_id=client_id,
                has_attachment=attachment is not None,
                reply_to=reply_to,
                revision=revision,
                created_at=now,
                follows_on=follows_on(room, author, now),
            )
        )
        if attachment is not None:
            attachment.message = message  # and the message keeps it, for its article
            attachment.save()
        found = mentions.record(message, named)
        # A member (the usual case) has read up to their own message: one statement. Else,
        # writing in a public room is joining it: an explicit act, as "Join" is.
        if not rooms.mark_room_read(author, room, message.id) and joining.join_by_writing(
            room, author, message.id
        ):
            # Once committed (several files are stored in one outer transaction).
            transaction.on_commit(lambda: joining.announce_joined(room, author))
    # What the article shows, known already: rendering it asks the database nothing more.
    message._prefetched_objects_cache = {"mentions": found, "reactions": []}
    Message.preview.related.set_cached_value(message, None)  # its preview comes later
    return message, found


def _store(room: Room, author: AbstractBaseUser, data: Mapping) -> Posted:
    """Validate, count against the posting limit, store and render once (no sending)."""
    form = validated(MessageForm, data)
    body, client_id = form.cleaned_data["body"], form.cleaned_data["client_id"]
    original = replies.original(room, form)  # Invalid for another room's, or a deleted one
    try:
        ratelimit.take(ratelimit.POSTING, author.pk)
    except TooFast:
        # A send resent after a reconnect was counted the first time: answer it.
        earlier = earlier_message(author, client_id)
        if earlier is None:
            raise
        return Posted(earlier, None, ack=form.ack)
    try:
        message, found = insert(room, author, body, client_id, reply_to=original)
    except IntegrityError:
        # Resends are rare, so the unique (author, client_id) constraint finds them
        # rather than a lookup before every insert; the whole transaction was undone.
        earlier = earlier_message(author, client_id)
        if earlier is None:
            raise
        ratelimit.give_back(ratelimit.POSTING, author.pk)
        return Posted(earlier, None, ack=form.ack)
    except DatabaseError as error:
        logger.exception("could not store a message in room %s", room.id)
        ratelimit.give_back(ratelimit.POSTING, author.pk)
        raise Unavailable(NOT_STORED) from error
    except Forbidden:  # archived: nothing was said, so nothing counts
        ratelimit.give_back(ratelimit.POSTING, author.pk)
        raise
    return rendered(message, found, ack=form.ack)


def rendered(message: Message, found: list, *, ack: str | None = None) -> Posted:
    """A message just stored (``insert``), rendered once, with who hears of it while away."""
    notify = notifications.recipients(message, found)
    return Posted(
        message,
        rendering.new_messages_frame([message], live=True),
        ack=ack,
        notify=tuple(notify),
        notification=notifications.frame(message, message.author) if notify else "",
    )


#: ``_store`` on the database thread, wrapped once rather than for every post.
_astore = database_sync_to_async(_store)


async def apost_message(room: Room, author: AbstractBaseUser, data: Mapping) -> Posted:
    """Post what a socket sent (the composer's fields) as ``author`` in ``room``.

    Raises ``Invalid``, ``TooFast`` or ``Unavailable``; nothing is stored then.
    """
    posted = await _astore(room, author, data)
    if posted.frame is None:
        return posted
    sent = await events.amessage_posted(posted.message, posted.frame)
    await events.anotify(list(posted.notify), posted.notification)
    message_posted.send(sender=Message, message=posted.message)
    return replace(posted, broadcast=sent)


def post_message(room: Room, author: AbstractBaseUser, data: Mapping) -> Posted:
    """Post what a form sent as ``author`` in ``room`` (sync callers: views, scripts)."""
    return broadcast(_store(room, author, data))


def broadcast(posted: Posted) -> Posted:
    """Hand a message just stored to its room's sockets, and its notification to whoever
    hears of it while away (sync callers); an answered resend (no frame) goes nowhere."""
    if posted.frame is None:
        return posted
    sent = events.message_posted(posted.message, posted.frame)
    events.notify(list(posted.notify), posted.notification)
    message_posted.send(sender=Message, message=posted.message)
    return replace(posted, broadcast=sent)


def begin(conversation: Conversation, data: Mapping) -> Room:
    """The conversation's room to post ``data`` in (a message about to be posted), made by
    it if nobody has written in the conversation yet; ``Invalid`` if that message would
    not be stored (an empty first message must not open a conversation)."""
    if conversation.room is None:
        validated(MessageForm, data)
    return conversations.begin(conversation)


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
