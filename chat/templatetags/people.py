"""People as pages show them: the name to show (``chat.models.name_of``: the display name,
else the username). The avatar is the partial ``chat/parts.html#avatar``."""

from __future__ import annotations

from django import template

from chat.conversations import address_of
from chat.models import name_of
from chat.people import mutes

register = template.Library()


@register.filter
def shown_name(user) -> str:
    """The name to show for ``user`` (escaped by the template, like any string)."""
    return "" if user is None else name_of(user)


@register.filter
def members_url(room) -> str:
    """Where ``room``'s members are added (``…/members``; ``…/members/remove`` to leave):
    under its slug for a private room, its key for a group conversation."""
    address = address_of(room)
    return f"{address.links(address.key_of(room.slug)).page}members"


@register.simple_tag
def muted_authors(user) -> list[int]:
    """The ids of the people ``user`` muted (``chat.people.mutes``): the page's own style
    block collapses their messages, on this person's pages only."""
    return mutes.muted_ids(user)
