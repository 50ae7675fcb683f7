"""Who hears of a message while away: the other people of a direct or group conversation,
and the members it mentions, unless they turned that room down (``Membership.notify``) or
muted its author (``chat.people.mutes``: nothing of a muted person reaches the muter).

Each of them gets one small frame on every socket of theirs (any room, the lobby), the
same bytes for all of them: the page shows a browser notification if its tab is hidden
and its person switched notifications on. The tag is the message's, so several open tabs
make one notification, not several. It goes out as ``events.notify``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.template.loader import render_to_string
from django.urls import reverse

from chat.conversations import address_of
from chat.models import Membership, Mention, Message, Mute, Room, name_of

PREVIEW_CHARS = 140
_MEMBERSHIPS = Membership._meta.db_table
_MUTES = Mute._meta.db_table


def recipients(message: Message, mentions: Iterable[Mention]) -> list[int]:
    """The ids of the people ``message`` should reach while they are away."""
    mentioned = {mention.user_id for mention in mentions}
    mentioned.discard(message.author_id)
    everyone = message.room.between_people
    if not mentioned and not everyone:
        return []
    # One plain statement on every message that names someone or is a conversation's:
    # the members it is for (everyone but its author in a conversation, else those it
    # names), less those who muted its author, with each one's choice for the room. The
    # ORM's version cost two compiled queries, most of their time spent compiling.
    named = ", ".join(["%s"] * len(mentioned)) or "NULL"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT m.user_id, m.notify FROM {_MEMBERSHIPS} m"  # noqa: S608 - our own tables; values bound
            " WHERE m.room_id = %s AND m.user_id <> %s"
            f" AND (%s OR m.user_id IN ({named}))"
            f" AND NOT EXISTS (SELECT 1 FROM {_MUTES} u"
            " WHERE u.user_id = m.user_id AND u.muted_id = %s)",
            [message.room_id, message.author_id, everyone, *sorted(mentioned), message.author_id],
        )
        rows = cursor.fetchall()
    return sorted(
        user_id for user_id, notify in rows if reaches(notify, mentioned=user_id in mentioned)
    )


def reaches(notify: str, *, mentioned: bool) -> bool:
    """Whether a message that is for a member (a conversation's, or naming them) reaches
    them by their room's choice ``notify``; also what an e-mail digest mails
    (``chat.people.digests``)."""
    return notify == Membership.Notify.EVERYTHING or (
        notify == Membership.Notify.MENTIONS and mentioned
    )


def frame(message: Message, author: AbstractBaseUser) -> str:
    """The notification of ``message``, as every recipient's page receives it."""
    return render_to_string("base.html#notification", summary(message, author))


def summary(message: Message, author: AbstractBaseUser) -> dict[str, str]:
    """What a notification of ``message`` says (``title``, ``body``: a short preview) and
    where it leads (``url``, ``tag``): the page's and Web Push's (``chat.people.push``)."""
    room = message.room
    if room.kind == Room.Kind.DIRECT:
        title = name_of(author)
        page = reverse("direct", args=[author.get_username()])
    else:  # a group's title names its people (chat.rooms.people_keys)
        title = f"{name_of(author)} in {room.title}"
        address = address_of(room)
        page = address.links(address.key_of(room.slug)).page
    words = message.words
    body = words if len(words) <= PREVIEW_CHARS else words[:PREVIEW_CHARS] + "…"
    return {
        "title": title,
        "body": body or (f"📎 {message.attachment.name}" if message.has_attachment else ""),
        "url": f"{page}#message-{message.id}",
        "tag": f"message-{message.id}",
    }
