"""Where a room lives: its page, its older messages and its socket, built in one place.

A group room is addressed by its slug; a direct conversation by the *other* person's
username, so the same room has a different address for each of its two people.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse


@dataclass(frozen=True)
class RoomLinks:
    """The URLs of one room as one reader addresses it."""

    page: str
    older: str
    socket: str
    #: Members whose name starts with ``?q=``, for ``@`` in the composer.
    mentions: str
    #: What of the room reaches me (and its bots).
    settings: str
    #: Where a file is sent (multipart POST, ``chat.views.attachments``).
    attachments: str

    def older_than(self, message_id: int) -> str:
        """The "load older" URL for the page of messages before ``message_id``."""
        return f"{self.older}?before={message_id}"


def group_room_links(slug: str) -> RoomLinks:
    """``/r/<slug>/`` and its partial and socket."""
    return RoomLinks(
        page=reverse("room", args=[slug]),
        older=reverse("room-messages", args=[slug]),
        socket=f"/ws/r/{slug}/",
        mentions=reverse("room-mentions", args=[slug]),
        settings=reverse("room-settings", args=[slug]),
        attachments=reverse("room-attachments", args=[slug]),
    )


def direct_links(username: str) -> RoomLinks:
    """``/p/<username>/``: the conversation with ``username``, and its partial and socket."""
    return RoomLinks(
        page=reverse("direct", args=[username]),
        older=reverse("direct-messages", args=[username]),
        socket=f"/ws/p/{username}/",
        mentions=reverse("direct-mentions", args=[username]),
        settings=reverse("direct-settings", args=[username]),
        attachments=reverse("direct-attachments", args=[username]),
    )


def route_links(*, slug: str | None = None, username: str | None = None) -> RoomLinks:
    """The links of the room a URL route names (``slug`` or ``username``)."""
    return direct_links(username) if username is not None else group_room_links(slug or "")
