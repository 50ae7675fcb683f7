"""HTML frames sent over sockets, rendered from the partials of ``chat/room.html``.

Every frame is a set of top-level elements with ids; the htmx ws extension swaps
each one out of band into the element with the same id.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING

from django.template.loader import render_to_string

if TYPE_CHECKING:
    from django import forms

    from chat.models import Message


def new_messages_frame(messages: Iterable[Message]) -> str:
    """Messages appended to the end of the page's list, the same bytes for every reader."""
    return render_to_string("chat/room.html#new-messages", {"messages": messages})


def message_list_frame(messages: list[Message], has_older: bool, older_url: str) -> str:
    """The whole message list replaced by the latest page (after a long absence)."""
    return render_to_string(
        "chat/room.html#message-list",
        {"messages": messages, "has_older": has_older, "older_url": older_url, "oob": True},
    )


def composer_frame(form: forms.Form) -> str:
    """The composer's fields: fresh after a send, or with the errors of a bad one."""
    return render_to_string("chat/room.html#composer", {"form": form})


@cache
def fresh_composer_frame() -> str:
    """An empty composer and a cleared notice, sent after a successful send.

    The same for every socket, so rendered once per process.
    """
    from chat.forms import MessageForm

    return composer_frame(MessageForm()) + notice_frame("")


def notice_frame(text: str) -> str:
    """A short notice to the one socket that caused it."""
    return render_to_string("chat/room.html#notice", {"notice": text})
