"""The parts of a message's article that are more than one field: its body as rendered
(``chat.messages.formatting``), and its reactions grouped by emoji. Both read what the
message's queryset prefetched (``MessageQuerySet.for_room``), so a page of messages costs
no query each."""

from __future__ import annotations

from dataclasses import dataclass

from django import template
from django.utils.safestring import SafeString, mark_safe

from chat.fields import readable_size
from chat.messages import formatting, replies, sounds
from chat.models import Message

register = template.Library()


def _rendered(message: Message) -> str:
    """The body's HTML: as stored when the message was, or rendered now for a message stored
    before formatting existed (``html`` ""), from its stored mentions."""
    if message.html or not message.body:
        return message.html
    return formatting.render(message.body, [m.user for m in message.mentions.all()])


@register.filter
def body_html(message: Message) -> SafeString:
    """The body, formatted and sanitised, each mention of a member a link to them."""
    return mark_safe(_rendered(message))  # noqa: S308 - formatting.render's output, sanitised


@register.filter
def body_class(message: Message) -> str:
    """The classes of the body's element: ``body``, and ``emoji-only`` for a few emoji."""
    return formatting.body_class(message.body)


@register.filter
def body_text(message: Message) -> str:
    """What the body says, without its markup: for words read out, not shown."""
    return formatting.plain_text(_rendered(message))


@register.filter
def reply_excerpt(message: Message | None) -> str:
    """The words of a message a reply quotes: plain text, cut short (escaped when shown)."""
    return replies.excerpt(message)


@dataclass(frozen=True)
class ReactionGroup:
    """One emoji on a message: how many, and who (ids for CSS, names for people)."""

    emoji: str
    count: int
    #: " 3 8 ": space-separated and padded, for the ``[data-users~="8"]`` selector.
    user_ids: str
    names: str


@register.filter
def reactions(message: Message) -> list[ReactionGroup]:
    """The message's reactions by emoji, in the order each emoji was first given."""
    groups: dict[str, list] = {}
    for reaction in sorted(message.reactions.all(), key=lambda r: (r.created_at, r.pk)):
        groups.setdefault(reaction.emoji, []).append(reaction.user)
    return [
        ReactionGroup(
            emoji=emoji,
            count=len(people),
            user_ids=" " + " ".join(str(p.pk) for p in people) + " ",
            names=", ".join(p.get_username() for p in people),
        )
        for emoji, people in groups.items()
    ]


@register.filter
def file_size(size: int) -> str:
    """A file's size as people read it: ``532 bytes``, ``8.4 kB``, ``12 MB``."""
    return readable_size(size)


@register.filter
def sound(message: Message) -> str:
    """The sound a ``/play`` message plays (its article's ``data-sound``), or "" (a message
    with a file, a deleted one, or any other body plays nothing)."""
    if message.deleted or message.has_attachment:
        return ""
    return sounds.sound_of(message.body) or ""
