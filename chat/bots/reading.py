"""Bots that see the conversation: read their room's changes, edit and delete their own
messages, react to any, with ``Authorization: Bearer <token>``.

A bot reads with its token what its room's members read: every message created or changed
after a room revision (``Message.revision``), oldest change first, as JSON
(``message_json``: the same shape its event feed sends, ``chat.bots.feed``). Reading moves
``Bot.feed_revision`` up to the last revision returned, so the feed resumes after what the
bot already has: each change reaches it once, whichever way it came. An archived room is
still read; writing to it is refused by the services a person's writing goes through.

Edits, deletions and reactions are a person's (``chat.messages.edits``), done as the bot's
account: the same validation, edit window, posting limit, revisions and broadcast. A bot
edits and deletes only its own messages (never as a room's moderator), and touches no
message outside its room: those are ``NotFound``, as for a message that does not exist.

Every refusal of a token (none, malformed, unknown, revoked, its room deleted with it) is
``SignedOut`` in the same words, so nothing tells one from another.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from chat import ratelimit
from chat.bots import services as bots
from chat.errors import Forbidden, NotFound, Refused, SignedOut
from chat.limits import MAX_ID
from chat.messages import edits
from chat.models import Bot, Message, Room, name_of

#: The most changes one read returns; ``limit`` may ask for fewer.
PAGE_SIZE = 100
BAD_AFTER = "after is a room revision: a whole number, 0 or more."
BAD_LIMIT = f"limit is a whole number from 1 to {PAGE_SIZE}."
ONLY_OWN = "A bot edits and deletes only its own messages."
#: Reads one bot may make in a minute (a poll a second fits, with room to catch up).
READING = ratelimit.Rate(
    "bot-read", 120, 60, "This bot reads too often. Wait {wait} and try again."
)


def bot_for_bearer(token: str) -> Bot:
    """The bot of ``token`` (from an ``Authorization: Bearer`` header), if it may still act
    for its maker in its room; ``SignedOut`` otherwise, in one sentence for every reason."""
    try:
        return bots.require_may_post(bots.bot_for_token(token))
    except Forbidden:
        raise SignedOut(bots.UNKNOWN_BOT) from None


def revision_param(raw: str | None, default: int) -> int:
    """A room revision from a query string's text; ``default`` when it is not given,
    ``Refused`` (400) for anything but a whole number from 0 up."""
    if raw is None:
        return default
    if not raw.isascii() or not raw.isdigit() or len(raw) > 18:
        raise Refused(BAD_AFTER)
    return int(raw)


def limit_param(raw: str | None) -> int:
    """How many changes to return: ``PAGE_SIZE`` unless fewer are asked for."""
    if raw is None:
        return PAGE_SIZE
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw[:4]) <= PAGE_SIZE:
        raise Refused(BAD_LIMIT)
    return int(raw)


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def message_json(message: Message) -> dict:
    """A message as bots see it: the source as typed ("" for a tombstone), who said it,
    its reactions (emoji → count and usernames) and its file, if any. Expects what
    ``Message.objects.for_room`` fetches along."""
    author = message.author
    reactions: dict[str, dict] = {}
    for reaction in sorted(message.reactions.all(), key=lambda r: (r.created_at, r.pk)):
        entry = reactions.setdefault(reaction.emoji, {"count": 0, "usernames": []})
        entry["count"] += 1
        entry["usernames"].append(reaction.user.get_username())
    attachment = None
    if message.has_attachment and not message.deleted:
        file = getattr(message, "attachment", None)
        if file is not None:
            attachment = {
                "name": file.name,
                "kind": file.kind,
                "content_type": file.content_type,
                "size": file.size,
                "url": file.url,
            }
    return {
        "id": message.id,
        "revision": message.revision,
        "author": {
            "id": author.pk,
            "username": author.get_username(),
            "name": name_of(author),
            "is_bot": bool(author.profile.is_bot),
        },
        "body": "" if message.deleted else message.body,
        "deleted": message.deleted,
        "created_at": _iso(message.created_at),
        "edited_at": _iso(message.edited_at),
        "reply_to": message.reply_to_id,
        "reactions": reactions,
        "attachment": attachment,
    }


def changes(room: Room, after: int, limit: int) -> tuple[list[Message], bool]:
    """The room's messages changed after revision ``after``, oldest change first (at most
    ``limit``), and whether more remain."""
    found = list(
        Message.objects.for_room(room).changed_since(after).order_by("revision")[: limit + 1]
    )
    return found[:limit], len(found) > limit


def advance(bot: Bot, revision: int) -> None:
    """Move ``bot``'s cursor up to ``revision``; never back (a reader of an older page, or a
    feed delivering concurrently, leaves it where it is)."""
    Bot.objects.filter(pk=bot.pk, feed_revision__lt=revision).update(
        feed_revision=revision, feed_failing_since=None
    )
    bot.feed_revision = max(bot.feed_revision, revision)


@dataclass(frozen=True)
class Page:
    """What one read returns: the messages, the ``after`` to ask with next, and whether
    more changes wait already."""

    messages: list[dict]
    after: int
    more: bool

    def as_json(self) -> dict:
        """The answer's JSON object."""
        return {"messages": self.messages, "after": self.after, "more": self.more}


def read(token: str, query: Mapping) -> Page:
    """``GET /bots/messages?after=<revision>&limit=<n>``: the changes of the bot's room after
    ``after`` (by default, after the last one it had: ``Bot.feed_revision``). Raises
    ``SignedOut``, ``Refused`` (a bad ``after`` or ``limit``) or ``TooFast``."""
    bot = bot_for_bearer(token)
    after = revision_param(query.get("after"), bot.feed_revision)
    limit = limit_param(query.get("limit"))
    ratelimit.take(READING, bot.pk)
    found, more = changes(bot.room, after, limit)
    if found:
        after = found[-1].revision
        advance(bot, after)
    return Page([message_json(message) for message in found], after, more)


def _own_room_message(bot: Bot, message_id: int) -> int:
    """The author of message ``message_id`` (a user id); ``NotFound`` unless it is in the
    bot's room."""
    author = None
    if 0 < message_id <= MAX_ID:
        author = (
            Message.objects.filter(pk=message_id, room_id=bot.room_id)
            .values_list("author_id", flat=True)
            .first()
        )
    if author is None:
        raise NotFound(edits.NO_SUCH_MESSAGE)
    return author


def _own_message(bot: Bot, message_id: int) -> None:
    """``NotFound`` outside its room, ``Forbidden`` for someone else's message."""
    if _own_room_message(bot, message_id) != bot.user_id:
        raise Forbidden(ONLY_OWN)


def edit(token: str, message_id: int, data: Mapping) -> Message:
    """Edit one of the bot's own messages (``body``), exactly as its author would."""
    bot = bot_for_bearer(token)
    _own_message(bot, message_id)
    return edits.edit_message(bot.user, message_id, data).message


def delete(token: str, message_id: int) -> Message:
    """Delete one of the bot's own messages: a tombstone, as its author's deletion."""
    bot = bot_for_bearer(token)
    _own_message(bot, message_id)
    return edits.delete_message(bot.user, message_id).message


def react(token: str, message_id: int, data: Mapping) -> Message:
    """Toggle the bot's reaction (``emoji``) on any message of its room."""
    bot = bot_for_bearer(token)
    _own_room_message(bot, message_id)
    return edits.toggle_reaction(bot.user, message_id, data).message


def fresh(message: Message) -> dict:
    """``message`` read again with what its JSON shows (after a change)."""
    return message_json(Message.objects.for_room(message.room).get(pk=message.pk))

