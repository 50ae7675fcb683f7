"""Mentions: ``@username`` of a member, found when a message is saved, linked in its body.

A mention is stored (``Mention``) when the message is stored or edited, for the members of
its room only: the link, the highlight of "me" and the lobby's count all read those rows,
so nobody's name is looked up again at every render. The rendered body
(``chat.messages.formatting``) shows each mention of a stored member as a link to their
conversation; ``linked_body`` does the same for a body shown as typed. A reply counts as a
mention of the original's author (``chat.messages.replies``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q
from django.urls import reverse
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

from chat.messages import replies
from chat.models import Membership, Mention, Message

#: ``@`` then a username as Django allows it, not inside a word or an e-mail address;
#: trailing dots and the like end a sentence, not the name.
MENTION = re.compile(r"(?<![\w@.+-])@([\w.@+-]*[\w])", re.UNICODE)
#: Names looked up per message: a body listing hundreds of @names is not a roll call.
MOST_MENTIONS = 50


def named(body: str) -> set[str]:
    """The usernames ``body`` mentions, case folded."""
    return {match.casefold() for match in MENTION.findall(body)}


def members_named(room_id: int, body: str, replied: int | None = None) -> list[AbstractBaseUser]:
    """The members of room ``room_id`` that ``body`` mentions (at most MOST_MENTIONS names
    looked up), and the author ``replied`` to if a member, with their profiles and bots."""
    names = named(body)
    if not names and replied is None:
        return []
    wanted = Q()
    for name in sorted(names)[:MOST_MENTIONS]:
        wanted |= Q(user__username__iexact=name)
    if replied is not None:
        wanted |= Q(user_id=replied)
    # Profiles and bots come along: a bot's outgoing hook is found from these rows
    # without asking the database again (``chat.bots.services``, on the event loop for sockets).
    members = Membership.objects.filter(wanted, room_id=room_id).select_related(
        "user__profile", "user__bot"
    )
    return [member.user for member in members]


def record(message: Message, members: list[AbstractBaseUser] | None = None) -> list[Mention]:
    """Store who ``message`` mentions among its room's members (replacing an earlier
    record, after an edit); the mentions, each with its ``user``. ``members`` are those
    members when the caller found them already (``members_named``), to render the body."""
    if message.pk is not None and message.edited_at is not None:
        Mention.objects.filter(message=message).delete()
    if members is None:
        members = members_named(message.room_id, message.body, replies.replied_author(message))
    if not members:
        return []
    return Mention.objects.bulk_create([Mention(message=message, user=user) for user in members])


def linked_body(body: str, people: Iterable[AbstractBaseUser]) -> SafeString:
    """``body``, escaped, with each ``@username`` of ``people`` a link to them."""
    by_name = {person.get_username().casefold(): person for person in people}
    if not by_name:
        return escape(body)
    pieces: list[str] = []
    last = 0
    for match in MENTION.finditer(body):
        person = by_name.get(match[1].casefold())
        if person is None:
            continue
        pieces.append(escape(body[last : match.start()]))
        username = person.get_username()
        pieces.append(
            format_html(
                '<a class="mention" href="{}" data-user-id="{}">@{}</a>',
                reverse("direct", args=[username]),
                person.pk,
                username,
            )
        )
        last = match.end()
    pieces.append(escape(body[last:]))
    return mark_safe("".join(pieces))  # noqa: S308 - every piece above is escaped
