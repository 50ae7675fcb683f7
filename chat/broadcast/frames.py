"""HTML frames sent over sockets, rendered from the partials of ``chat/room.html`` (a
byline from the partial library, ``chat/parts.html``).

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


def new_messages_frame(messages: Iterable[Message], *, live: bool = False) -> str:
    """Messages appended to the end of the page's list, the same bytes for every reader.
    ``live``: said just now (not a catch-up), so a ``/play`` in it plays (js/sounds.js)."""
    return render_to_string("chat/room.html#new-messages", {"messages": messages, "live": live})


def message_article(message: Message, *, change: bool = False) -> str:
    """One message's article, the same bytes for every reader; a ``change`` carries
    ``hx-swap-oob="outerHTML"`` so that, as an HTTP answer, htmx puts it in place by id."""
    return render_to_string("chat/room.html#message", {"message": message, "change": change})


def changed_messages_frame(article: str) -> str:
    """A changed message for the room's sockets: in the frame of new messages, so a page
    puts it in place of its copy, or leaves it out when it has not loaded that far back."""
    return render_to_string("chat/room.html#changed-messages", {"article": article})


def message_list_frame(messages: list[Message], has_older: bool, older_url: str) -> str:
    """The whole message list replaced by the latest page (after a long absence)."""
    return render_to_string(
        "chat/room.html#message-list",
        {"messages": messages, "has_older": has_older, "older_url": older_url, "oob": True},
    )


def members_frame(room, members) -> str:
    """A room's members list, who is online marked, the same bytes for every reader."""
    return render_to_string(
        "chat/room.html#members", {"room": room, "members": members, "oob": True}
    )


def byline_frame(person) -> str:
    """A person's picture and name, for every copy of them on a page (``hx-swap-oob`` with
    a selector): sent to their rooms after a rename, the same bytes for every reader."""
    return render_to_string("chat/parts.html#byline", {"person": person, "renamed": True})


def receipt_frame(receipt) -> str:
    """A conversation of two's "Seen" (``chat.broadcast.receipts``), the same bytes for both
    people: the page puts it under message ``receipt.upto`` and shows it to the writer only."""
    return render_to_string("chat/room.html#seen", {"receipt": receipt, "seen_oob": True})


def typing_frame(typists) -> str:
    """Who is typing in a room, one line each (the reader's own is hidden by CSS)."""
    return render_to_string("chat/room.html#typing", {"typists": typists, "oob": True})


def composer_frame(
    form: forms.Form, *, ack: str | None = None, notice: str = "", wait: int | None = None
) -> str:
    """The composer holding a refused send's text and its error, and a notice.

    ``ack`` names the send it answers, so the page stops holding that send for a retry;
    ``wait`` (seconds) is how long a "too fast" notice holds (see ``notice_frame``).
    """
    return render_to_string("chat/room.html#composer", {"form": form, "ack": ack}) + notice_frame(
        notice, wait=wait
    )


def ack_frame(ack: str | None, *, notice: str = "", message_id: int | None = None) -> str:
    """The answer to a stored send: which send it was, the message it was stored as (the
    page's "sending…" copy gives way to that article), and the notice (cleared, or why the
    others will only see it later). The composer is the page's own: nothing else is sent
    back, so what was typed since is never touched."""
    context = {"ack": ack, "message_id": message_id}
    return render_to_string("chat/room.html#ack", context) + notice_frame(notice)


def cursor_frame(revision: int) -> str:
    """The room revision the page is now complete up to (after a resume)."""
    return render_to_string("chat/room.html#cursor", {"revision": revision})


def notice_frame(text: str, *, wait: int | None = None) -> str:
    """A short notice to the one socket that caused it. With ``wait`` (seconds), it is
    about a wait: ``data-clear-after`` tells the page to take it away when that is over."""
    return render_to_string("chat/room.html#notice", {"notice": text, "wait": wait})
