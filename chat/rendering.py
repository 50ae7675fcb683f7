"""HTML frames sent over sockets, rendered from the partials of ``chat/room.html``.

Every frame is a set of top-level elements with ids; the htmx ws extension swaps
each one out of band into the element with the same id.
"""

from __future__ import annotations

from collections.abc import Iterable
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


def composer_frame(form: forms.Form, *, ack: str | None = None) -> str:
    """The composer's fields: fresh after a send, or with the errors of a bad one.

    ``ack`` names the send it answers, so the page stops holding that send for a retry.
    """
    return render_to_string("chat/room.html#composer", {"form": form, "ack": ack})


def fresh_composer_frame(ack: str | None) -> str:
    """An empty composer and a cleared notice, the answer to a send that was stored."""
    from chat.forms import MessageForm

    return composer_frame(MessageForm(), ack=ack) + notice_frame("")


def cursor_frame(revision: int) -> str:
    """The room revision the page is now complete up to (after a resume)."""
    return render_to_string("chat/room.html#cursor", {"revision": revision})


def notice_frame(text: str) -> str:
    """A short notice to the one socket that caused it."""
    return render_to_string("chat/room.html#notice", {"notice": text})
