"""Muting: a person no longer wants to hear from someone, for themselves alone.

**What it does.** The muted person's messages collapse on the muter's pages (a rule in the
per-viewer style of ``base.html``, keyed on the articles' ``data-author``: articles stay
rendered once, the same bytes for everyone); their direct messages are held back (the pair
conversation counts no unread messages and is listed apart, ``chat.rooms.lobby``); and no
notification of theirs reaches the muter (``chat.broadcast.notifications``). Unmuting
undoes all of it: nothing was deleted or marked read.

**Invisible.** Only the muter's own pages hold the rule; nothing sent to the muted person,
or to anyone else, changes. The muted person can still write, and the pair conversation
still exists for both.

**Who.** Anyone may mute anyone but themselves, bots included (a noisy bot is the first
thing one wants to silence); a deactivated account too (its old messages collapse).
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser

from chat.broadcast import events
from chat.errors import Forbidden, NotFound
from chat.models import Mute, Room

NOBODY = "There is nobody called “{name}” here."
NOT_YOURSELF = "You cannot mute yourself."


def _person(username: str) -> AbstractBaseUser:
    person = get_user_model().objects.filter(username=username).first()
    if person is None:
        raise NotFound(NOBODY.format(name=username))
    return person


def mute(user: AbstractBaseUser, username: str) -> AbstractBaseUser:
    """``user`` mutes the person called ``username`` (again is no change); returns them.
    Raises ``NotFound`` for nobody of that name, ``Forbidden`` for oneself."""
    person = _person(username)
    if person.pk == user.pk:
        raise Forbidden(NOT_YOURSELF)
    # One insert that a row already there (muted before, or a moment ago from another
    # tab) leaves as it is: the database's unique pair decides, never a read first.
    Mute.objects.bulk_create([Mute(user_id=user.pk, muted_id=person.pk)], ignore_conflicts=True)
    _recount(user, person)
    return person


def unmute(user: AbstractBaseUser, username: str) -> AbstractBaseUser:
    """``user`` hears from the person called ``username`` again (not muted is no change);
    returns them. Raises ``NotFound`` for nobody of that name."""
    person = _person(username)
    Mute.objects.filter(user_id=user.pk, muted_id=person.pk).delete()
    _recount(user, person)
    return person


def _recount(user: AbstractBaseUser, person: AbstractBaseUser) -> None:
    """The muter's lobbies and sidebars count their pair conversation again (held back or
    released); nobody else is told."""
    pair = (
        Room.objects.filter(kind=Room.Kind.DIRECT, memberships__user_id=user.pk)
        .filter(memberships__user_id=person.pk)
        .values_list("pk", flat=True)
        .first()
    )
    if pair is not None:
        events.room_read(user.pk, pair)


def is_muted(user: AbstractBaseUser, person: AbstractBaseUser) -> bool:
    """Whether ``user`` muted ``person``."""
    return Mute.objects.filter(user_id=user.pk, muted_id=person.pk).exists()


def muted_ids(user: AbstractBaseUser) -> list[int]:
    """The ids of the people ``user`` muted, in order (for the page's style rules)."""
    if not user.is_authenticated:
        return []
    return list(
        Mute.objects.filter(user_id=user.pk).order_by("muted_id").values_list("muted_id", flat=True)
    )
