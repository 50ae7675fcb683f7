"""Web Push, sent: a new message reaches the devices of the people it concerns while
every tab of theirs is closed or hidden (``chat.people.push`` holds the keys and rules).

**Who.** The people the page's own notification goes to
(``chat.broadcast.notifications.recipients``: the others of a direct or group
conversation and the people a message mentions or answers, as each room's choice says,
never who muted the author), less those with a tab shown right now
(``chat.broadcast.visibility``). Only they get it, so nothing reaches anyone who could not
read the message.

**Once.** The process that stored the message enqueues one task once it is committed
(``deliver``, on the huey queue); the task claims the message in the shared cache
before it sends, so a task run twice still sends once. Each device (subscription) of
each person gets one push.

**What.** JSON, encrypted for the device (RFC 8291, aes128gcm, pywebpush's
``WebPusher.encode``) and signed with the chat's VAPID key (RFC 8292, py_vapid):
``title`` and ``body`` (the page notification's short preview), ``url`` (``/m/<id>/``),
``tag`` (``message-<id>``: one notification per message however many tabs or
devices) and ``badge`` (the person's unread total, for the app's badge).

**Safely.** The endpoint is a URL a browser gave: the request goes through
``chat.fetching`` (public addresses only, vetted once, one deadline, a capped answer),
unless ``CHAT_PUSH_ALLOW_PRIVATE_URLS``. A subscription answered 404 or 410 is gone at
the push service and is dropped; any other failure is logged and the subscription kept.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import defaultdict
from email.utils import parseaddr
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connections, transaction
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from huey.contrib.djhuey import db_task
from py_vapid import Vapid02
from pywebpush import WebPusher

from chat import fetching
from chat.broadcast import notifications, visibility
from chat.models import Message, PushSubscription
from chat.people import push
from chat.rooms import lobby

logger = logging.getLogger(__name__)

#: Seconds one push service has to answer, all told.
TIMEOUT = 10
#: The most of a push service's answer read (it is not used; a 201 has no body).
ANSWER_MAX_BYTES = 16 * 1024
#: How long the push service keeps a push for a device that is off (then drops it).
TTL_SECONDS = 24 * 3600
#: How long a message stays claimed (a task run again within it sends nothing).
CLAIM_SECONDS = 24 * 3600
GONE = {404, 410}


def message_posted(sender: object, message: Message, **kwargs: object) -> None:
    """Receiver of ``chat.messages.posting.message_posted``: enqueue the push of
    ``message`` once it is committed. Reads only what the message carries (it runs on the
    event loop for socket posts) and never raises: the message is stored already."""
    if not push.enabled():
        return
    try:
        # Most messages are in rooms and mention nobody: they concern no one away.
        found = message.carried_mentions
        room_known = Message.room.is_cached(message)
        if found is not None and not found and room_known and not message.room.between_people:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            transaction.on_commit(partial(_enqueue, message.pk))
            return
        # A socket's post, already committed: the queue's write is I/O, not for the loop.
        loop.run_in_executor(None, _enqueue_on_a_thread, message.pk)
    except Exception:
        logger.exception("the push of message %s was not enqueued", message.pk)


def _enqueue(message_id: int) -> None:
    try:
        deliver(message_id)
    except Exception:
        logger.exception("the push of message %s was not enqueued", message_id)


def _enqueue_on_a_thread(message_id: int) -> None:
    try:
        _enqueue(message_id)
    finally:
        # A queue that runs tasks at once (the tests') used the database on this thread.
        connections.close_all()


@db_task()
def deliver(message_id: int) -> None:
    """The queue's task: ``push_message``."""
    push_message(message_id)


def push_message(message_id: int) -> int:
    """Push message ``message_id`` to every device of the people it concerns who have no
    tab shown; how many pushes the push services took."""
    if not push.enabled():
        return 0
    message = (
        Message.objects.select_related("room", "author__profile")
        .filter(pk=message_id, deleted=False)
        .first()
    )
    if message is None:
        return 0
    people = notifications.recipients(message, list(message.mentions.all()))
    if not people:
        return 0
    shown = visibility.looking(people)
    away = [person for person in people if person not in shown]
    subscriptions = list(PushSubscription.objects.filter(user_id__in=away).order_by("id"))
    if not subscriptions:
        return 0
    # Claimed once, whichever process or retry gets here first.
    if not cache.add(f"push:sent:{message_id}", 1, CLAIM_SECONDS):
        return 0
    vapid = Vapid02.from_pem(push.keys()[0].encode("ascii"))
    summary = notifications.summary(message, message.author)
    summary["url"] = reverse("message-detail", args=[message.pk])
    summary["icon"] = static("chat/icons/icon-192.png")
    devices: dict[int, list[PushSubscription]] = defaultdict(list)
    for subscription in subscriptions:
        devices[subscription.user_id].append(subscription)
    sent = 0
    for user_id, theirs in devices.items():
        payload = json.dumps({**summary, "badge": unread_total(user_id)}).encode()
        sent += sum(send(subscription, payload, vapid) for subscription in theirs)
    return sent


def unread_total(user_id: int) -> int:
    """The person's unread total, as the lobby's title counts it (the app's badge)."""
    person = get_user_model().objects.get(pk=user_id)
    groups, directs = lobby.my_rooms(person)
    return lobby.unread_total(groups + directs)


def contact() -> str:
    """Who runs this chat, for push services (the VAPID ``sub`` claim): the sender of its
    mail."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return f"mailto:{address}" if "@" in address else "mailto:webmaster@localhost"


def allow_private() -> bool | None:
    """Whether pushes may reach private addresses: ``CHAT_PUSH_ALLOW_PRIVATE_URLS``, or
    else what the fetching setting says (None)."""
    return True if settings.CHAT_PUSH_ALLOW_PRIVATE_URLS else None


def send(subscription: PushSubscription, payload: bytes, vapid: Vapid02) -> bool:
    """One push of ``payload`` to one device; whether the push service took it. A device
    the service no longer knows (404, 410) is forgotten."""
    info = {
        "endpoint": subscription.endpoint,
        "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
    }
    try:
        body = WebPusher(info).encode(payload, "aes128gcm")["body"]
        parts = urlsplit(subscription.endpoint)
        claims = {
            "sub": contact(),
            "aud": f"{parts.scheme}://{parts.netloc}",
            "exp": int(time.time()) + 12 * 3600,
        }
        headers = {
            **vapid.sign(claims),
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
            "TTL": str(TTL_SECONDS),
            "Urgency": "high",
        }
        fetching.request(
            "POST",
            subscription.endpoint,
            timeout=TIMEOUT,
            max_bytes=ANSWER_MAX_BYTES,
            headers=headers,
            body=body,
            allow_private=allow_private(),
        )
    except fetching.FetchFailed as answer:
        if answer.status in GONE:
            PushSubscription.objects.filter(pk=subscription.pk).delete()
            logger.info("push subscription %s is gone (%s): dropped", subscription.pk, answer)
        else:
            logger.warning("push to subscription %s failed: %s", subscription.pk, answer)
        return False
    except Exception as error:  # a malformed key, a claim refused: logged, kept
        logger.warning("push to subscription %s failed: %r", subscription.pk, error)
        return False
    PushSubscription.objects.filter(pk=subscription.pk).update(last_sent_at=timezone.now())
    return True
