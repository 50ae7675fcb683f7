"""Bots: a room's accounts that post through a secret token, and hear when they are mentioned.

Any member of a group room (public or private) makes a bot for it: an account of its own
(``Profile.is_bot``, no usable password, a member of the room) and a random token, shown
once; only its SHA-256 is kept. With the token, ``POST /bots/<token>/messages`` posts as
the bot through ``chat.messages.posting.post_message``, under everyone's rules: the same
validation, the same posting limit (the bot is a person to the limiter), rendered once and
sent to every socket of the room. Any member revokes a bot: it posts nothing more and
leaves the members list; its old messages keep its name.

A bot speaks with its maker's access, so it never outlives it: when its maker leaves the
room, is removed from it or is deactivated, their bots there are revoked (not handed to
someone else: nobody else chose its hook's URL or holds its token). And since an account
can be deactivated without a word (``QuerySet.update()``), every post and every hook call
checks again that the maker is active and still a member of the room.

A bot with an outgoing URL is called (``chat.bots.webhooks``) when a new message mentions it: the
mentions recorded at save say who was named, and ``message_posted`` (a receiver of
``chat.messages.posting.message_posted``) hands each call to the hook pool, so neither the room
nor the socket ever waits for it. What the hook answers is posted back as the bot, under
the same rules as a post with its token.
"""

from __future__ import annotations

import asyncio
import contextvars
import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlsplit

from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, close_old_connections, transaction
from django.utils import timezone

from chat import ratelimit
from chat.bots import webhooks as hooks
from chat.bots.forms import BotForm
from chat.broadcast import fanout
from chat.errors import Forbidden, Invalid, Missing, Refused, validated
from chat.links import BY_SLUG
from chat.messages import posting as messages
from chat.models import Bot, Membership, Message, Room
from chat.rooms import services as rooms
from chat.tokens import new_token, token_hash

logger = logging.getLogger(__name__)

UNKNOWN_BOT = "This bot token is not valid, or its bot was revoked."
NO_SUCH_BOT = "There is no such bot in this room."
ONLY_GROUP_ROOMS = "Only group rooms have bots."
NOT_A_MEMBER = "This bot is no longer a member of its room."
MAKER_GONE = "This bot's maker is no longer a member of its room."

#: Bots one person may create in an hour: as many as rooms, on a counter of their own.
BOT_CREATION = ratelimit.Rate(
    "bot",
    "CHAT_ROOMS_PER_PERSON_PER_HOUR",
    3600,
    "You have created many bots in a short time. Try again in {wait}.",
)
#: How long a hook's answer may take to be posted once it is back (the database's turn).
ANSWER_SECONDS = 30.0


# --- making and revoking -----------------------------------------------------------------


def _group_member(room: Room, person: AbstractBaseUser) -> None:
    if room.between_people:
        raise Missing(ONLY_GROUP_ROOMS)
    rooms.membership(room, person)  # NotFound for someone who only looked at a public room


def create_bot(room: Room, creator: AbstractBaseUser, data: Mapping) -> tuple[Bot, str]:
    """A member of group room ``room`` makes a bot for it from the bot form's ``data``;
    the bot and its token, which is never stored and so can never be shown again.

    Raises ``NotFound`` (not a member, or a direct conversation), ``Invalid`` (the form,
    with its errors) and ``TooFast`` past ``BOT_CREATION``.
    """
    _group_member(room, creator)
    form = validated(BotForm, data)
    name = form.cleaned_data["name"]
    ratelimit.take(BOT_CREATION, creator.pk)
    token = new_token()
    try:
        with transaction.atomic():
            # No password: the account can never sign in, only post through its token.
            user = get_user_model().objects.create_user(username=name)
            profile = user.profile  # made by the user's post_save signal (chat.apps)
            profile.is_bot = True
            profile.save(update_fields=["is_bot"])
            Membership.objects.create(room=room, user=user)
            bot = Bot.objects.create(
                room=room,
                user=user,
                avatar_letter=form.cleaned_data["avatar_letter"],
                token_hash=token_hash(token),
                outgoing_url=form.cleaned_data["outgoing_url"],
                feed_url=form.cleaned_data["feed_url"],
                created_by=creator,
            )
    except IntegrityError:
        # Someone took the name between the form's check and the insert.
        ratelimit.give_back(BOT_CREATION, creator.pk)
        form.add_error("name", f"“{name}” is taken: pick another name.")
        raise Invalid(form) from None
    rooms.members_changed(room)
    return bot, token


def of_room(room: Room) -> list[Bot]:
    """The room's bots, revoked ones included, oldest first."""
    return list(
        Bot.objects.filter(room=room)
        .select_related("user__profile", "created_by__profile")
        .order_by("created_at")
    )


def revoke_bot(room: Room, actor: AbstractBaseUser, bot_id: int) -> Bot:
    """A member of ``room`` revokes one of its bots: its token posts nothing more, nor does
    its hook, and it leaves the members list (its old messages keep its name)."""
    _group_member(room, actor)
    bot = Bot.objects.filter(pk=bot_id, room=room).select_related("user").first()
    if bot is None:
        raise Missing(NO_SUCH_BOT)
    if bot.revoked_at is None:
        with transaction.atomic():
            bot.revoked_at = timezone.now()
            bot.save(update_fields=["revoked_at"])
            Membership.objects.filter(room=room, user=bot.user).delete()
        rooms.members_changed(room)
    return bot


def member_left(sender: object, room: Room, person: AbstractBaseUser, **kwargs: object) -> None:
    """``chat.rooms.services.member_left``: the bots ``person`` made for ``room`` go with them
    (the room's lists are sent by the leaving itself)."""
    revoke_made_by(person, room, announce=False)


def revoke_made_by(
    maker: AbstractBaseUser, room: Room | None = None, *, announce: bool = True
) -> list[Bot]:
    """Revoke the bots ``maker`` made (in ``room``, or in every room): called when they
    leave a room, are removed from it or are deactivated. The bots revoked; their rooms'
    members lists are sent again once committed, unless the caller sends them itself
    (``announce=False``)."""
    made = Bot.objects.filter(created_by=maker, revoked_at__isnull=True).select_related("room")
    if room is not None:
        made = made.filter(room=room)
    revoked = list(made)
    if not revoked:
        return []
    with transaction.atomic():
        Bot.objects.filter(pk__in=[bot.pk for bot in revoked]).update(revoked_at=timezone.now())
        Membership.objects.filter(user__in=[bot.user_id for bot in revoked]).delete()
    if announce:
        for bot_room in {bot.room_id: bot.room for bot in revoked}.values():
            transaction.on_commit(partial(rooms.members_changed, bot_room))
    return revoked


# --- posting as a bot ---------------------------------------------------------------------


def bot_for_token(token: str) -> Bot:
    """The bot ``token`` belongs to, if it may post; ``Forbidden`` otherwise, in the same
    words for a token that never existed and one that was revoked."""
    if not isinstance(token, str) or not 0 < len(token) <= 128:
        raise Forbidden(UNKNOWN_BOT)
    digest = token_hash(token)
    bot = Bot.objects.filter(token_hash=digest).select_related("room", "user__profile").first()
    # The lookup is by the hash of a 256-bit random token, so its timing tells a guesser
    # nothing; the constant-time comparison keeps it so if the lookup ever changes.
    if bot is None or not hmac.compare_digest(bot.token_hash, digest):
        raise Forbidden(UNKNOWN_BOT)
    if bot.revoked_at is not None:
        raise Forbidden(UNKNOWN_BOT)
    return bot


def require_may_post(bot: Bot) -> Bot:
    """``bot``, if it and its maker are still members of its room and its maker is active;
    ``Forbidden`` otherwise (one query)."""
    present = set(
        Membership.objects.filter(
            room_id=bot.room_id, user_id__in=[bot.user_id, bot.created_by_id], user__is_active=True
        ).values_list("user_id", flat=True)
    )
    # Removed from a private room by its creator, a bot must not keep talking into it.
    if bot.user_id not in present:
        raise Forbidden(NOT_A_MEMBER)
    # Nor may it speak for a maker who left, was removed or was deactivated (even by an
    # update that told nobody): it had only their access.
    if bot.created_by_id is None or bot.created_by_id not in present:
        raise Forbidden(MAKER_GONE)
    return bot


def bot_post(token: str, data: Mapping) -> messages.Posted:
    """Post ``data`` (``body``, optionally ``client_id``) as the bot of ``token``, exactly as
    a person posts: ``Forbidden`` for an unknown or revoked token, then ``Invalid``,
    ``TooFast`` or ``Unavailable`` from ``chat.messages.posting``; nothing is stored then."""
    bot = require_may_post(bot_for_token(token))
    return messages.post_message(bot.room, bot.user, data)


# --- outgoing hooks ---------------------------------------------------------------------------

#: Set while a hook's answer is posted: that message calls no hook at all, so two bots
#: that name each other in their answers cannot keep each other talking for ever.
_answering: contextvars.ContextVar[bool] = contextvars.ContextVar("answering", default=False)


@dataclass(frozen=True)
class HookCall:
    """One call of a bot's hook, and where to post its answer from."""

    bot_id: int
    name: str
    url: str
    payload: dict
    #: What the call is signed with (``hooks.signature``): the bot's token hash.
    key: str
    #: The event loop serving this process's sockets (None in scripts and sync tests).
    loop: asyncio.AbstractEventLoop | None


def _cached_bot(user: AbstractBaseUser) -> Bot | None:
    # Only what the mention's row brought along (chat.messages.mentions.record): a lookup here
    # would be a query on the event loop for every socket post.
    if not type(user).bot.is_cached(user):
        return None
    try:
        return user.bot
    except ObjectDoesNotExist:
        return None


def _called_bots(message: Message) -> list[Bot]:
    """The bots ``message`` mentions that have a hook to call; never its author itself."""
    # Most messages name nobody, and ``message.mentions.all()`` would build a related
    # manager for every post to learn it.
    mentions = message.carried_mentions
    if not mentions:
        return []
    found = []
    for mention in mentions:
        bot = _cached_bot(mention.user)
        # A bot's own message never calls its own hook: it would answer itself for ever.
        if bot is None or bot.user_id == message.author_id:
            continue
        # Only in its own room: named in a direct conversation someone opened with it, a bot
        # would answer into its room what was said elsewhere.
        if bot.outgoing_url and bot.revoked_at is None and bot.room_id == message.room_id:
            found.append(bot)
    return found


def _payload(message: Message, bot: Bot) -> dict:
    room = message.room
    return {
        "message": {
            "id": message.id,
            "body": message.body,
            "author": message.author.get_username(),
            "room": {"slug": room.slug, "title": room.title},
            "url": f"{BY_SLUG.links(room.slug).page}#message-{message.id}",
        },
        "bot": {"name": bot.user.get_username()},
    }


def message_posted(sender: object, message: Message, **kwargs: object) -> None:
    """Receiver of ``chat.messages.posting.message_posted``: hand a call of the hook of each bot
    ``message`` mentions to the hook pool. Reads only what the message carries (it runs
    on the event loop for socket posts) and never raises: the message is stored already."""
    if _answering.get():
        return
    try:
        called = _called_bots(message)
        if not called:
            return
        loop = fanout.server_loop()
        for bot in called:
            name = bot.user.get_username()
            payload = _payload(message, bot)
            hook_call = HookCall(bot.pk, name, bot.outgoing_url, payload, bot.token_hash, loop)
            hooks.submit(_call_hook, hook_call)
    except Exception:
        logger.exception("the hooks of the bots message %s mentions were not called", message.pk)


def _answering_bot(bot_id: int) -> Bot:
    """The bot whose hook answered, if it may still post (revoked meanwhile: it may not)."""
    bot = Bot.objects.filter(pk=bot_id).select_related("room", "user__profile").first()
    if bot is None or bot.revoked_at is not None:
        raise Forbidden(UNKNOWN_BOT)
    return require_may_post(bot)


def _post_answer(bot_id: int, text: str) -> None:
    """Post a hook's answer from the hook's own thread (no event loop serves sockets here)."""
    answering = _answering.set(True)
    try:
        bot = _answering_bot(bot_id)
        messages.post_message(bot.room, bot.user, {"body": text})
    finally:
        _answering.reset(answering)
        close_old_connections()  # this thread's connection, as a request's would be


async def _apost_answer(bot_id: int, text: str) -> None:
    """Post a hook's answer on the server's event loop, as a socket's post is."""
    _answering.set(True)  # this task's own context: it ends with the task
    bot = await database_sync_to_async(_answering_bot)(bot_id)
    await messages.apost_message(bot.room, bot.user, {"body": text})


def _is_still_called(bot_id: int) -> bool:
    """Whether the bot may still hear of its mentions (on the hook's thread: the message
    was handed over from what it carried, without asking the database)."""
    try:
        _answering_bot(bot_id)
    except Forbidden:
        return False
    finally:
        close_old_connections()  # this thread's connection, as a request's would be
    return True


def _call_hook(call: HookCall) -> None:
    """On the hook pool: call the bot's URL and post its answer back as the bot. A failure
    is one warning in the log and changes nothing."""
    host = urlsplit(call.url).hostname  # not the whole URL: its path or query may be secret
    if not _is_still_called(call.bot_id):
        return  # revoked, or its maker's access ended: the room's words stay in the room
    try:
        answer = hooks.call(call.url, call.payload, key=call.key)
    except hooks.HookFailed as failure:
        logger.warning("bot %s: its hook at %s failed: %s", call.name, host, failure)
        return
    if answer is None:
        return
    try:
        if call.loop is None:
            _post_answer(call.bot_id, answer)
        else:
            posting = asyncio.run_coroutine_threadsafe(
                _apost_answer(call.bot_id, answer), call.loop
            )
            posting.result(ANSWER_SECONDS)
    except Refused as refusal:
        logger.warning("bot %s: its hook's answer was not posted: %s", call.name, refusal.message)
    except Exception:
        logger.exception("bot %s: its hook's answer was not posted", call.name)
