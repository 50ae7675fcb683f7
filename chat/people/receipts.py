"""Read receipts, as a person sets and sees them: the switch on their profile page
(``Profile.send_receipts``), and the receipt their page of a conversation shows when drawn.

Which receipt exists, and who may see it, is ``chat.broadcast.receipts``' rule (the read
tracker, under the capabilities, sends them live); this is the capability's face to views.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from chat.broadcast import receipts
from chat.conversations import Conversation
from chat.models import Message, Profile, Room


def sends_receipts(user: AbstractBaseUser) -> bool:
    """Whether ``user`` shares how far they read (and so sees how far others did)."""
    return bool(
        Profile.objects.filter(user_id=user.pk).values_list("send_receipts", flat=True).first()
    )


def set_send_receipts(user: AbstractBaseUser, on: bool) -> None:
    """Turn ``user``'s read receipts on or off. One UPDATE, and no one else is told (pages
    keep the receipt they show until drawn again), so no rate limit: it costs what a page
    view costs. Off, no receipt of theirs is sent from now on, nor one to them."""
    Profile.objects.filter(user_id=user.pk).update(send_receipts=bool(on))


def on_page(
    viewer: AbstractBaseUser, room: Room | None, shown: list[Message]
) -> receipts.Receipt | None:
    """The receipt ``viewer``'s page of ``room`` draws under one of the messages ``shown``
    (a conversation of two, both with receipts on); None when there is none, or when the
    message it belongs under is not on the page."""
    receipt = receipts.for_viewer(room, viewer.pk)
    if receipt is None or not any(message.id == receipt.upto for message in shown):
        return None
    return receipt


def shown_to(viewer: AbstractBaseUser, conversation: Conversation) -> bool:
    """Whether ``viewer``'s page of ``conversation`` shows receipts (its style block): a
    conversation of two, begun or not (its first message makes the room, and the page
    stays), not one's own notes, while the viewer's receipts are on."""
    partner = conversation.partner  # None for a room or a group; the reader for notes
    return partner is not None and partner.pk != viewer.pk and sends_receipts(viewer)
