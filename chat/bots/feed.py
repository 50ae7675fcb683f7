"""A bot's event feed: every change of its room POSTed to its ``feed_url``, in order, once.

The database is the log. Each change of a room takes its next revision
(``Message.revision``), and a bot's ``feed_revision`` is the last one it has had. Once a
change commits (``chat.messages.posting.revision_taken``), a task is queued for each bot of
the room with a feed (``deliver_feed``). The task sends, oldest first, every message whose
revision is past the bot's cursor, and moves the cursor after each 2xx. Only one delivery
runs for a bot at a time (a lock in the shared cache, ``chat.task_locks``), so the order holds
across workers and processes.

A failed delivery (no answer, a non-2xx, a refused address) is tried again after 5 s,
10 s, 20 s… (``CHAT_BOT_FEED_FIRST_RETRY_SECONDS`` first, then twice the last) at most
``MAX_BACKOFF_SECONDS`` apart, until ``CHAT_BOT_FEED_GIVE_UP_MINUTES`` after the first
failure (``Bot.feed_failing_since``). Then the feed waits for the room's next change, which
tries again from the cursor. So a bot that was down gets everything
since the last event it had when it is back, and ``GET /bots/messages`` (without
``after``) gives the same. A revoked bot, or one whose maker's access ended, gets nothing.

**One event per message, at its latest state.** The table keeps a message's latest state
only, so a replay sends each message changed since the cursor once, as it is now: a
message posted, edited and reacted to while the bot was down arrives once, edited and
with its reaction, at its latest revision. A bot that was up gets each change as it
happens, each its own event. The event's ``type`` is read from that stored state
(``event_type``): ``message.deleted`` for a tombstone; ``reaction.changed`` when its
newest reaction is newer than its last edit; ``message.edited`` when it was edited;
``message.created`` otherwise. Since nothing is stored of what a change was, a change that
leaves no trace reads as the state it left: a reaction taken back (so none is newer than
the edit), a link preview arriving, or a quoted message changing sends the message again
under the type its state reads as (a message never edited nor reacted to comes again as
``message.created``). Bots key what they keep by the message's ``id``; ``revision`` orders
the events.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from huey.contrib.djhuey import db_task

from chat import task_locks
from chat.bots import reading
from chat.bots import services as bots
from chat.bots import webhooks as hooks
from chat.errors import Forbidden
from chat.models import Bot, Message

logger = logging.getLogger(__name__)

#: The longest wait between two retries (the first is ``CHAT_BOT_FEED_FIRST_RETRY_SECONDS``;
#: each next one doubles it up to this).
MAX_BACKOFF_SECONDS = 300
#: Events sent by one run of the task; the rest in the next run, queued at once. It keeps a
#: run (and so the lock) short: each event may take the hooks' whole deadline.
EVENTS_PER_RUN = 20
#: The lock outlives the longest run, and no more: a worker killed while holding it stops
#: the bot's feed that long at most.
LOCK_SECONDS = int(EVENTS_PER_RUN * hooks.TIMEOUT_SECONDS) + 30


def event_type(message: Message) -> str:
    """What the message's latest change reads as, from its stored state (see the module)."""
    if message.deleted:
        return "message.deleted"
    reacted = max((reaction.created_at for reaction in message.reactions.all()), default=None)
    if reacted is not None and reacted > (message.edited_at or message.created_at):
        return "reaction.changed"
    if message.edited_at is not None:
        return "message.edited"
    return "message.created"


def event(bot: Bot, message: Message) -> dict:
    """The JSON POSTed for ``message``'s latest change: its type, the room revision, the
    room and the message as ``GET /bots/messages`` shows it."""
    room = bot.room
    return {
        "type": event_type(message),
        "revision": message.revision,
        "room": {"slug": room.slug, "title": room.title},
        "message": reading.message_json(message),
        "bot": {"name": bot.user.get_username()},
    }


def backoff(attempt: int) -> int:
    """Seconds before retry number ``attempt`` (1 for the first): 5, 10, 20… capped (the
    first is ``settings.CHAT_BOT_FEED_FIRST_RETRY_SECONDS``)."""
    first = settings.CHAT_BOT_FEED_FIRST_RETRY_SECONDS
    return min(first * 2 ** (attempt - 1), MAX_BACKOFF_SECONDS)


def _feeding(bot_id: int) -> Bot | None:
    """The bot, if its feed is to be delivered now: a URL, not revoked, its maker's access
    intact."""
    bot = Bot.objects.filter(pk=bot_id).select_related("room", "user__profile").first()
    if bot is None or not bot.feed_url or bot.revoked_at is not None:
        return None
    try:
        return bots.require_may_post(bot)
    except Forbidden:
        return None


def _lock_key(bot_id: int) -> str:
    return f"bot-feed-lock:{bot_id}"


def deliver(bot_id: int, attempt: int = 0) -> str:
    """Send the bot's pending events, oldest first; what happened, in a word: "idle"
    (nothing to send, or no feed), "busy" (another run has the lock), "more" (a full run:
    the next queued), "sent", "retry" (a failure, retried later), "retrying" (a failure
    while retries are scheduled already) or "gave-up".

    ``attempt`` counts the failures before this run (0 for a run queued by a change).
    """
    # In the shared cache, with an expiry: a lock of the task queue's own storage would
    # outlive a worker killed while holding it.
    token = task_locks.claim(_lock_key(bot_id), LOCK_SECONDS)
    if token is None:
        # The run holding it may have read the table before this change committed. A retry
        # keeps its count: run again as a change's, a failure would schedule no next retry
        # ("retrying") and the chain would end while the endpoint is down.
        kwargs = {"attempt": attempt} if attempt else {}
        deliver_feed.schedule(args=(bot_id,), kwargs=kwargs, delay=backoff(1))
        return "busy"
    try:
        return _deliver(bot_id, attempt)
    finally:
        task_locks.release(_lock_key(bot_id), token)


def _deliver(bot_id: int, attempt: int) -> str:
    bot = _feeding(bot_id)
    if bot is None:
        return "idle"
    pending, more = reading.changes(bot.room, bot.feed_revision, EVENTS_PER_RUN)
    if not pending:
        return "idle"
    for message in pending:
        try:
            hooks.deliver(bot.feed_url, event(bot, message), key=bot.token_hash)
        except hooks.HookFailed as failure:
            return _failed(bot, attempt, failure)
        reading.advance(bot, message.revision)
    if more:
        deliver_feed(bot_id)
        return "more"
    return "sent"


def _failed(bot: Bot, attempt: int, failure: Exception) -> str:
    """Note the failure and retry later, unless the feed has failed for too long. A run
    queued by a change (``attempt`` 0) while retries are under way schedules none of its
    own (one chain of retries per bot); one queued after the feed gave up starts again."""
    now = timezone.now()
    since = bot.feed_failing_since
    give_up = timedelta(minutes=settings.CHAT_BOT_FEED_GIVE_UP_MINUTES)
    name = bot.user.get_username()
    if since is not None and attempt == 0:
        if now - since < give_up:
            return "retrying"  # the chain of retries already scheduled carries on
        since = None  # it had given up: this change starts it again
    if since is None:
        since = now
        Bot.objects.filter(pk=bot.pk).update(feed_failing_since=now)
    if now - since >= give_up:
        logger.warning("bot %s: its feed fails since %s; it waits for the next event", name, since)
        return "gave-up"
    delay = backoff(attempt + 1)
    logger.warning("bot %s: its feed failed (%s); again in %s s", name, failure, delay)
    deliver_feed.schedule(args=(bot.pk,), kwargs={"attempt": attempt + 1}, delay=delay)
    return "retry"


@db_task()
def deliver_feed(bot_id: int, attempt: int = 0) -> str:
    """The task: ``deliver`` the feed of one bot."""
    return deliver(bot_id, attempt)


def feeding_bots(room_id: int) -> list[int]:
    """The bots of room ``room_id`` whose feed is delivered."""
    return list(
        Bot.objects.filter(room_id=room_id, revoked_at__isnull=True)
        .exclude(feed_url="")
        .values_list("pk", flat=True)
    )


def revision_taken(sender: object, room_id: int, **kwargs: object) -> None:
    """Receiver of ``chat.messages.posting.revision_taken`` (sent once a change committed):
    queue a delivery for each bot of the room with a feed. Never raises: the change is
    stored already, and the next one (or the bot's own read) catches up."""
    try:
        for bot_id in feeding_bots(room_id):
            deliver_feed(bot_id)
    except Exception:
        logger.exception("the feeds of the bots of room %s were not queued", room_id)
