"""Read receipts in conversations of two: "Seen" under the last message of one person's
that the other person has read (their ``Membership.last_read``).

A receipt is one element, ``<p id="seen" data-reader="<id>" data-upto="<message id>">``
(``chat/room.html#seen``), rendered once and the same for both people: the reader's page
hides it by CSS (it is about their own reading), the writer's page shows it under their own
message ``upto`` (the room page's style block, and js/seen.js that moves it there).

``upto`` is the newest message *not written by the reader* at or before their read
position: in a conversation of two that is the other person's, so the receipt always sits
under a message of the one who sees it (the reader's own replies carry none).

Rules, all here: only direct rooms (a group has no "the other person"; the issue asks for
conversations of two only); nothing while either person has ``Profile.send_receipts`` off
(the reader does not share how far they read; the viewer, like in other chats, gives up
seeing others' too). In a conversation of two the only one who could see a receipt is the
other person, so a receipt is computed and sent only when both have it on: a page whose
viewer turned it off never receives one.

The position is the current ``last_read``, never a remembered maximum: if a person marks
a message unread, their position moves back and so does the receipt. What the other person
sees then is what the chat knows now, and keeping the maximum would need a column of its own.
"""

from __future__ import annotations

from dataclasses import dataclass

from chat.broadcast import events
from chat.broadcast import frames as rendering
from chat.models import Membership, Message, Room


@dataclass(frozen=True)
class Receipt:
    """The reader ``reader`` (a user id) has read the conversation up to message ``upto``."""

    room_id: int
    reader: int
    upto: int


def _members(room_ids: set[int]) -> dict[int, list[tuple[int, int, bool]]]:
    """room id → (user id, last_read, receipts on) of each member, for the direct rooms
    among ``room_ids`` (one query)."""
    rows = (
        Membership.objects.filter(room_id__in=room_ids, room__kind=Room.Kind.DIRECT)
        .values_list("room_id", "user_id", "last_read", "user__profile__send_receipts")
        .order_by()
    )
    found: dict[int, list[tuple[int, int, bool]]] = {}
    for room_id, user_id, last_read, on in rows:
        found.setdefault(room_id, []).append((user_id, last_read, bool(on)))
    return found


def _receipt(room_id: int, reader: int, members: list[tuple[int, int, bool]]) -> Receipt | None:
    """The receipt of ``reader`` in a direct room of ``members``; None when there is no
    other person (one's own notes), either has receipts off, or nothing of the other
    person's is read yet."""
    mine = [m for m in members if m[0] == reader]
    others = [m for m in members if m[0] != reader]
    if len(mine) != 1 or len(others) != 1 or not (mine[0][2] and others[0][2]):
        return None
    last_read = mine[0][1]
    upto = (
        Message.objects.filter(room_id=room_id, id__lte=last_read)
        .exclude(author_id=reader)
        .order_by("-id")
        .values_list("id", flat=True)
        .first()
    )
    return Receipt(room_id, reader, upto) if upto else None


def for_viewer(room: Room | None, viewer_id: int) -> Receipt | None:
    """The receipt ``viewer_id``'s page of ``room`` shows when drawn: the other person's
    reading, if the room is direct and both have receipts on; else None."""
    if room is None or room.kind != Room.Kind.DIRECT:
        return None
    members = _members({room.id}).get(room.id, [])
    others = [user_id for user_id, _read, _on in members if user_id != viewer_id]
    if len(others) != 1 or len(members) != 2:
        return None
    return _receipt(room.id, others[0], members)


def frames_for_moved(moved: list[tuple[int, int]]) -> list[tuple[int, str]]:
    """(room id, frame) for each (reader, room) whose read position just moved and whose
    room is direct with receipts on for both: what the rooms' sockets should receive.
    One query for every room of the batch, and one per receipt sent."""
    if not moved:
        return []
    members = _members({room_id for _reader, room_id in moved})
    sent = []
    for reader, room_id in moved:
        if room_id not in members:
            continue  # not a direct room: nothing to do, asked nothing more
        receipt = _receipt(room_id, reader, members[room_id])
        if receipt is not None:
            sent.append((room_id, rendering.receipt_frame(receipt)))
    return sent


def announce_moved(moved: list[tuple[int, int]]) -> None:
    """Send the receipts of read positions that just moved (sync callers, after commit)."""
    for room_id, html in frames_for_moved(moved):
        events.receipt_moved(room_id, html)
