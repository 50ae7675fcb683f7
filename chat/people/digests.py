"""E-mail for what is still unread: a digest of the direct and group messages, mentions and
replies someone has not read ``CHAT_DIGEST_AFTER_MINUTES`` after they were written.

**What is mailed.** What would reach the person as a notification while away
(``chat.broadcast.notifications.reaches``: the room's choice in ``Membership.notify``),
from the rooms they are still members of, by no one they muted, never deleted, never
their own; unread (past ``Membership.last_read``) and not mailed before (past
``Membership.mailed_upto``). Only to active people, not bots, with an e-mail address and
``Profile.email_digests`` on.

**Once.** Every minute a periodic task (each consumer's scheduler enqueues it; a lock lets
one run at a time) finds the people with something due and enqueues one digest each. Sending
one first claims the person's period: a conditional UPDATE of ``Profile.last_digest_at``
(only while it is empty or older than the period), so that of two consumers only one
sends. In the same transaction it reads what is still unread: someone who read it
meanwhile gets nothing, and ``mailed_upto`` moves past what it holds, so each message is
mailed once. A mail that could not be sent gives the period and its messages back, and the
next minute tries again.

**Unsubscribing.** Every digest carries a signed link (``List-Unsubscribe``, and one-click
``List-Unsubscribe-Post``, RFC 8058) that turns digests off, signed out: its page shows a
button (a GET changes nothing); the POST, which mail clients send themselves without a
CSRF token, needs only the signed token. The profile page turns them on again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from chat.broadcast.notifications import reaches
from chat.errors import NotFound
from chat.models import Membership, Mention, Message, Mute, Profile, Room, name_of
from chat.people import instance
from chat.task_locks import one_at_a_time

logger = logging.getLogger(__name__)

#: The unsubscribe token's salt: a token signed for anything else is no unsubscribe token.
SALT = "chat.people.digests.unsubscribe"
#: The most messages one digest lists (the rest come in the next one).
MOST_ITEMS = 30
#: How much of a message a digest quotes.
EXCERPT_CHARS = 200
BAD_LINK = "This unsubscribe link is not valid."
NOTIFYING = (Membership.Notify.EVERYTHING, Membership.Notify.MENTIONS)
BETWEEN_PEOPLE = (Room.Kind.DIRECT, Room.Kind.GROUP)


def period() -> timedelta:
    """How long a message waits unread before it is mailed, and the least time between
    two digests to one person."""
    return timedelta(minutes=settings.CHAT_DIGEST_AFTER_MINUTES)


@dataclass(frozen=True)
class Item:
    """One message of a digest, as the mail shows it."""

    message_id: int
    room_id: int
    where: str
    author: str
    written_at: datetime
    excerpt: str
    url: str


def absolute(path: str) -> str:
    """``path`` on the chat's own address (``CHAT_SITE_URL``): mail has no request."""
    return f"{settings.CHAT_SITE_URL}{path}"


def _where(message: Message) -> str:
    room = message.room
    if room.kind == Room.Kind.DIRECT:
        return f"Direct message from {name_of(message.author)}"
    if room.kind == Room.Kind.GROUP:
        return room.title
    return f"#{room.title}"


def _excerpt(message: Message) -> str:
    words = message.words
    if len(words) > EXCERPT_CHARS:
        words = words[:EXCERPT_CHARS] + "…"
    if not words and message.has_attachment:
        words = "(a file)"
    return words


def eligible_people():
    """The accounts a digest may go to at all: active, with an address, digests on, no bot."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            profile__email_digests=True,
            profile__is_bot=False,
        )
        .exclude(email="")
    )


def unread_items(user: AbstractBaseUser, now: datetime) -> list[Item]:
    """What a digest to ``user`` would hold at ``now``, oldest first (read inside the
    transaction that claims, so a message read meanwhile is left out)."""
    memberships = {
        room_id: (notify, max(last_read, mailed_upto))
        for room_id, notify, last_read, mailed_upto in Membership.objects.filter(
            user=user, notify__in=NOTIFYING
        ).values_list("room_id", "notify", "last_read", "mailed_upto")
    }
    if not memberships:
        return []
    unread = Q()
    for room_id, (_, upto) in memberships.items():
        unread |= Q(room_id=room_id, id__gt=upto)
    mentioned = Exists(Mention.objects.filter(message=OuterRef("pk"), user=user))
    found = (
        Message.objects.filter(unread, deleted=False, created_at__lte=now - period())
        .filter(Q(room__kind__in=BETWEEN_PEOPLE) | Q(mentioned))
        .exclude(author=user)
        .exclude(author__in=Mute.objects.filter(user=user).values("muted_id"))
        .annotate(mentioned=mentioned)
        .select_related("room", "author__profile")
        .order_by("id")[:MOST_ITEMS]
    )
    items = []
    for message in found:
        notify, _ = memberships[message.room_id]
        if not reaches(notify, mentioned=message.mentioned):
            continue
        path = reverse("message-detail", args=[message.id])
        items.append(
            Item(
                message_id=message.id,
                room_id=message.room_id,
                where=_where(message),
                author=name_of(message.author),
                written_at=message.created_at,
                excerpt=_excerpt(message),
                url=absolute(path),
            )
        )
    return items


def due_people(now: datetime) -> list[int]:
    """The ids of the people a digest may be due to at ``now``: eligible, their period
    over, and a message in a conversation of theirs, or naming them, unread for the whole
    delay. (``send`` decides, by every rule; this only keeps the others out.)"""
    before = now - period()
    unread = (
        Message.objects.filter(
            room=OuterRef("room"),
            id__gt=OuterRef("last_read"),
            deleted=False,
            created_at__lte=before,
        )
        .filter(id__gt=OuterRef("mailed_upto"))
        .exclude(author=OuterRef("user"))
    )
    mentioned = Mention.objects.filter(message=OuterRef("pk"), user=OuterRef(OuterRef("user")))
    people = eligible_people().filter(
        Q(profile__last_digest_at=None) | Q(profile__last_digest_at__lte=before)
    )
    return list(
        Membership.objects.filter(user__in=people.values("pk"), notify__in=NOTIFYING)
        .annotate(
            conversation=Exists(unread.filter(room__kind__in=BETWEEN_PEOPLE)),
            named=Exists(unread.filter(Exists(mentioned))),
        )
        .filter(Q(conversation=True, notify=Membership.Notify.EVERYTHING) | Q(named=True))
        .values_list("user_id", flat=True)
        .distinct()
    )


def unsubscribe_token(user: AbstractBaseUser) -> str:
    """The signed token of ``user``'s unsubscribe link (it does not expire: it can only
    turn digests off)."""
    return signing.dumps(user.pk, salt=SALT)


def unsubscribe_url(user: AbstractBaseUser) -> str:
    """The absolute address of ``user``'s unsubscribe page."""
    return absolute(reverse("digests-unsubscribe", args=[unsubscribe_token(user)]))


def person_for_token(token: str) -> AbstractBaseUser:
    """The account whose unsubscribe link holds ``token``; ``NotFound`` for a token that
    is not one (badly signed, another salt, an account gone)."""
    try:
        user_id = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        raise NotFound(BAD_LINK) from None
    if not isinstance(user_id, int):
        raise NotFound(BAD_LINK)
    user = get_user_model().objects.filter(pk=user_id).select_related("profile").first()
    if user is None:
        raise NotFound(BAD_LINK)
    return user


def unsubscribe(token: str) -> AbstractBaseUser:
    """Turn digests off for the account of ``token`` (``NotFound`` as ``person_for_token``)."""
    user = person_for_token(token)
    set_digests(user, on=False)
    return user


def set_digests(user: AbstractBaseUser, *, on: bool) -> None:
    """Turn ``user``'s digests on or off."""
    Profile.objects.filter(user=user).update(email_digests=on)


def compose(user: AbstractBaseUser, items: list[Item]) -> EmailMultiAlternatives:
    """The digest mail to ``user``: text and HTML, with the unsubscribe headers."""
    name = instance.current().name
    count = len(items)
    subject = f"{count} unread message{'s' if count != 1 else ''} on {name}"
    unsubscribe_link = unsubscribe_url(user)
    context = {
        "instance_name": name,
        "person": name_of(user),
        "items": items,
        "count": count,
        "unsubscribe_url": unsubscribe_link,
        "profile_url": absolute(reverse("profile-edit")),
        "delay": settings.CHAT_DIGEST_AFTER_MINUTES,
    }
    mail = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string("chat/mail/digest.txt", context),
        to=[user.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe_link}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )
    mail.attach_alternative(render_to_string("chat/mail/digest.html", context), "text/html")
    return mail


def send(user_id: int, now: datetime | None = None) -> bool:
    """Mail ``user_id`` their digest if one is due (see the module's docstring); whether
    one went. Raises what the mail backend raised, the period and the messages given back."""
    now = now or timezone.now()
    with transaction.atomic():
        previous = (
            Profile.objects.filter(user_id=user_id).values_list("last_digest_at", flat=True).first()
        )
        claimed = (
            Profile.objects.filter(user_id=user_id, user__in=eligible_people().values("pk"))
            .filter(Q(last_digest_at=None) | Q(last_digest_at__lte=now - period()))
            .update(last_digest_at=now)
        )
        if not claimed:
            return False
        user = get_user_model().objects.select_related("profile").get(pk=user_id)
        items = unread_items(user, now)
        if not items:
            transaction.set_rollback(True)  # nothing to say: the period is not used up
            return False
        # Marked with the claim, so that no other digest can take them while this one is
        # sent (even with a period of 0); given back below if the mail does not go.
        marked = mark_mailed(user, items)
    try:
        compose(user, items).send()
    except Exception:
        Profile.objects.filter(user_id=user_id, last_digest_at=now).update(last_digest_at=previous)
        for room_id, (before, upto) in marked.items():
            Membership.objects.filter(user_id=user_id, room_id=room_id, mailed_upto=upto).update(
                mailed_upto=before
            )
        raise
    return True


def mark_mailed(user: AbstractBaseUser, items: list[Item]) -> dict[int, tuple[int, int]]:
    """Move ``mailed_upto`` past the messages of ``items``, room by room (never back); for
    each room, where it was and where it is now."""
    newest: dict[int, int] = {}
    for item in items:
        newest[item.room_id] = max(newest.get(item.room_id, 0), item.message_id)
    before = dict(
        Membership.objects.filter(user=user, room_id__in=newest).values_list(
            "room_id", "mailed_upto"
        )
    )
    marked = {}
    for room_id, upto in newest.items():
        if Membership.objects.filter(user=user, room_id=room_id, mailed_upto__lt=upto).update(
            mailed_upto=upto
        ):
            marked[room_id] = (before.get(room_id, 0), upto)
    return marked


@db_task()
def send_digest(user_id: int) -> None:
    """The task of one person's digest."""
    send(user_id)


@db_periodic_task(crontab())
@one_at_a_time("chat.people.digests", expires_after=5 * 60)
def send_due_digests() -> None:
    """Every minute: enqueue the digest of everyone something may be due to."""
    for user_id in due_people(timezone.now()):
        send_digest(user_id)
