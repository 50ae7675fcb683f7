"""The styleguide's states of catching up: the line new since the last visit, "Mark unread",
"Mark all read", the mentions page and the sidebar's count of unread mentions
(``chat.messages.catching_up``)."""

from __future__ import annotations

from chat.messages.catching_up import MentionEntry
from chat.styleguide.rows import DATA, Section, State
from chat.styleguide.samples import Samples
from chat.views.catching_up import ALL_READ


def mentions(s: Samples) -> list[dict]:
    """Two mentions of me, the newer one not read yet: an entry and its message each."""
    newer = s.message(s.bob, f"@{s.me.username} are you coming?", mentions=(s.me,))
    older = s.message(s.carol, f"Thanks @{s.me.username}!", minutes_ago=60, mentions=(s.me,))
    return [
        {"entry": MentionEntry(newer, "Lunch", s.links, unread=True), "message": newer},
        {"entry": MentionEntry(older, "Lunch", s.links, unread=False), "message": older},
    ]


# fmt: off
CATCHING_UP = Section("catching-up", "Catching up", (
    State("new-since", "New since your last visit",
          "The line before the first message the reader had not read when the page opened; "
          "it stays there while new ones come, and is gone on the next visit.",
          "chat/room.html#older-page", lambda s: {"messages": s.page, "has_older": False,
              "older_url": s.links.older, "new_since": s.page[1].id},
          wrap="messages", within=("chat/room.html#new-since",)),
    State("unread-form", "Mark unread", "After a message's “Mark unread”: the form in the "
          "message (without JavaScript, a page of its own).",
          "chat/message.html#unread-form", lambda s: {"message": s.draft, "back": "#"},
          wrap="messages"),
    State("read-all-form", "Mark all read", "In the lobby, and beside a conversation above "
          "its sidebar: every room of mine read.", "chat/parts.html#read-all-form"),
    State("read-notice", "Marked", "What “Mark all read” and “Mark unread” answer, into "
          "the page's alerts. " + DATA, "chat/parts.html#read-notice",
          lambda s: {"notice": ALL_READ}, invisible=True),
    State("mentions", "Mentions, unread and read",
          "The mentions page: messages that name me or answer mine, newest first; one not "
          "read yet says “new”.", "chat/mentions.html#mention", mentions, wrap="results"),
    State("sidebar-mentions", "The sidebar's mentions",
          "The link to the mentions page at the top of the sidebar, with my unread mentions.",
          "chat/room.html#sidebar-list", lambda s: {**s.sidebar, "mentions_unread": 2}),
))
# fmt: on
