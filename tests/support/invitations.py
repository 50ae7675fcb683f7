"""Invitations made straight through the service (``chat.people.invitations``)."""

from __future__ import annotations

from chat.models import Invitation
from chat.people import invitations


def invite(creator, max_uses: int = 1, days: int = 7) -> tuple[Invitation, str]:
    """An invitation ``creator`` makes for ``max_uses`` people over ``days``, and its token."""
    return invitations.create_invitation(
        creator, {"max_uses": str(max_uses), "expires_in_days": str(days)}
    )
