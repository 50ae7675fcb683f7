"""The styleguide's states of read receipts and recent searches (``chat/room.html#seen``,
``chat/search.html#recent-searches``, ``chat/profile_edit.html#receipts-switch``): a
section of the table (``chat.styleguide.states``)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from chat.broadcast.receipts import Receipt
from chat.models import RecentSearch
from chat.styleguide.rows import Section, State
from chat.styleguide.samples import Samples


def _recent(s: Samples) -> list[RecentSearch]:
    """Three searches of mine, newest first (made up: never saved)."""
    now = timezone.now()
    queries = ("lunch thursday", "deploy", "“release notes” & <draft>")
    return [
        RecentSearch(id=900_100 + n, user=s.me, query=q, searched_at=now - timedelta(hours=n))
        for n, q in enumerate(queries)
    ]


def _seen(s: Samples) -> list[dict]:
    """My message, and under it bob's receipt."""
    mine = s.message(s.me, "Are we still on for lunch?")
    return [{"message": mine}, {"receipt": Receipt(1, s.bob.pk, mine.id)}]


# fmt: off
RECEIPTS = Section("receipts", "Read receipts, recent searches", (
    State("seen", "Seen",
          "A conversation of two: under my message the other person read last. The same "
          "element for both people; the room page's style block shows it to the writer only.",
          ("chat/room.html#message", "chat/room.html#seen"), _seen, wrap="messages"),
    State("recent-searches", "Recent searches",
          "The search page while its box is empty: my last ten searches, each run again by "
          "its link, forgotten by its remove button, or all cleared.",
          "chat/search.html#recent-searches", lambda s: {"recent": _recent(s)}),
    State("recent-searches-none", "No recent searches",
          "Before any search, or after clearing them.",
          "chat/search.html#recent-searches", lambda s: {"recent": []}),
    State("receipts-switch", "The read receipts switch, on",
          "On my profile page: on by default.",
          "chat/profile_edit.html#receipts-switch", lambda s: {"send_receipts": True}),
    State("receipts-switch-off", "The read receipts switch, off, just saved",
          "As htmx swaps it back after saving.",
          "chat/profile_edit.html#receipts-switch",
          lambda s: {"send_receipts": False, "saved": True}),
))
# fmt: on
