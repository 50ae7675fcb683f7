"""The welcome: what a person who just signed up might do next, shown in the lobby until
they dismiss it (``Profile.welcomed``).

Accounts made through sign-up (``chat.people.accounts.sign_up``, an invitation's
``chat.people.invitations.join``, the admin's "Add user", ``chat.admin``) start unwelcomed;
accounts made otherwise (a script, a bot) are never greeted. Dismissing is for good, from
any tab.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser

from chat.links import BY_SLUG
from chat.models import Profile, Room
from chat.rooms import joining


@dataclass(frozen=True)
class Welcome:
    """What the welcome panel offers."""

    #: The page of the room every new account joins (``CHAT_DEFAULT_ROOM``), if it exists.
    default_room_url: str | None
    default_room_title: str | None


def greet_later(user: AbstractBaseUser) -> None:
    """Mark ``user``, just made through sign-up, as one the lobby is to welcome."""
    Profile.objects.filter(user_id=user.pk).update(welcomed=False)


def welcome_for(user: AbstractBaseUser) -> Welcome | None:
    """The welcome ``user``'s lobby shows, or None once they dismissed it (or were never
    to be greeted)."""
    welcomed = Profile.objects.filter(user_id=user.pk).values_list("welcomed", flat=True)
    if welcomed.first() is not False:
        return None
    named = joining.default_room_name()  # looked for, never made by looking
    room = (
        Room.objects.filter(slug=named[0], kind=Room.Kind.PUBLIC, archived_at=None).first()
        if named
        else None
    )
    if room is None:
        return Welcome(None, None)
    return Welcome(BY_SLUG.links(room.slug).page, room.title)


def dismiss(user: AbstractBaseUser) -> None:
    """``user`` has read the welcome: the lobby no longer shows it."""
    Profile.objects.filter(user_id=user.pk).update(welcomed=True)
