"""People as pages show them: the name to show (``chat.models.name_of``: the display name,
else the username). The avatar is the partial ``chat/parts.html#avatar``."""

from __future__ import annotations

from django import template

from chat.models import name_of

register = template.Library()


@register.filter
def shown_name(user) -> str:
    """The name to show for ``user`` (escaped by the template, like any string)."""
    return "" if user is None else name_of(user)
