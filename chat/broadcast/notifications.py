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
from django.template.loader import render_to_string
from django.urls import reverse

from chat.conversations import address_of
from chat.models import Membership, Mention, Message, Mute, Room, name_of

PREVIEW_CHARS = 140


def recipients(message: Message, mentions: Iterable[Mention]) -> list[int]:
    """The ids of the people ``message`` should reach while they are away."""
    wanted = {mention.user_id for mention in mentions}
    if message.room.between_people:
        wanted.update(
            Membership.objects.filter(room_id=message.room_id)
            .exclude(user_id=message.author_id)
            .values_list("user_id", flat=True)
        )
    wanted.discard(message.author_id)
    if not wanted:
        return []
    mentioned = {mention.user_id for mention in mentions}
    # Those who muted the author are left out by the same query (a subquery, not one more).
    muters = Mute.objects.filter(muted_id=message.author_id).values("user_id")
    allowed = []
    for user_id, notify in (
        Membership.objects.filter(room_id=message.room_id, user_id__in=wanted)
        .exclude(user_id__in=muters)
        .values_list("user_id", "notify")
    ):
        if reaches(notify, mentioned=user_id in mentioned):
            allowed.append(user_id)
    return sorted(allowed)


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
