"""A group conversation's set of people as one value (``Room.people_key``), kept true as
people come and go.

The key is the SHA-256 (hex) of the sorted member ids; the database holds it unique, so
the same set of people finds one group however many start it at once
(``chat.rooms.groups``). When people join or leave a group its key follows; a group whose
new set is another group's keeps its history but gives up the key (None): that set finds
the other group from then on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.db import IntegrityError, transaction

from chat.models import Membership, Room, name_of

#: Longest title a group takes from its people's names (``Room.title``'s length).
TITLE_MAX_CHARS = 80


def people_key(ids: Iterable[int]) -> str:
    """The key of the set of people whose ids are ``ids`` (order and repeats do not count)."""
    joined = ",".join(str(pk) for pk in sorted(set(ids)))
    return hashlib.sha256(joined.encode()).hexdigest()


def title_of(people: Iterable) -> str:
    """A group's title: its people's names, by name, clipped. Each reader sees the others'
    names instead (``chat.conversations.name_for``); the title names it where there is no
    reader (a notification, the admin)."""
    title = ", ".join(sorted((name_of(person) for person in people), key=str.casefold))
    if len(title) <= TITLE_MAX_CHARS:
        return title
    return title[: TITLE_MAX_CHARS - 1].rstrip(", ") + "…"


def rekey(room: Room) -> None:
    """Make ``room``'s key and title follow its members now (after someone joined or left).

    If another group already has this set of people, ``room`` gives up its key rather
    than take the other's: the unique key refuses the second, and the other one stays found.
    The room's row is locked before its members are read, so two people leaving at once
    rekey one after the other, and the later one reads both changes.
    """
    with transaction.atomic():
        Room.objects.select_for_update().filter(pk=room.pk).values_list("pk").first()
        memberships = Membership.objects.filter(room=room).select_related("user__profile")
        people = [m.user for m in memberships]
        key, title = people_key(person.pk for person in people), title_of(people)
        try:
            with transaction.atomic():
                Room.objects.filter(pk=room.pk).update(people_key=key, title=title)
        except IntegrityError:
            key = None
            Room.objects.filter(pk=room.pk).update(people_key=None, title=title)
    room.people_key, room.title = key, title
