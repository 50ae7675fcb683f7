"""People as pages show them: the name to show (``chat.models.name_of``: the display name,
else the username). The avatar is the partial ``chat/parts.html#avatar``."""

from __future__ import annotations

from django import template

from chat.models import name_of
from chat.people import mutes

register = template.Library()


@register.filter
def shown_name(user) -> str:
    """The name to show for ``user`` (escaped by the template, like any string)."""
    return "" if user is None else name_of(user)


@register.simple_tag
def muted_authors(user) -> list[int]:
    """The ids of the people ``user`` muted (``chat.people.mutes``): the page's own style
    block collapses their messages, on this person's pages only."""
    return mutes.muted_ids(user)
