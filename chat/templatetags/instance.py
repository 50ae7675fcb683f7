"""``{% instance_name %}``: the chat's name (``chat.people.instance``), in every title and
wherever a template needs it, also where no request renders it (a lobby's partial sent
over a socket). A builtin (site/settings.py), so templates need no ``{% load %}``."""

from __future__ import annotations

from django import template

from chat.people import instance

register = template.Library()


@register.simple_tag(takes_context=True)
def instance_name(context) -> str:
    """The chat's name: the page's own copy of the settings (the context processor's),
    else the cached settings."""
    shown = context.get("instance")
    return (shown if isinstance(shown, instance.Settings) else instance.current()).name
