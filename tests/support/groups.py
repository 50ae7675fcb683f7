"""Group conversations for tests: the people picked, as ``POST /p/`` sends them, and a
group started between people."""

from __future__ import annotations

from django.http import QueryDict

from chat.links import BY_GROUP
from chat.models import Room
from chat.rooms import groups


def names(usernames: list[str]) -> QueryDict:
    """``username`` given once for each of ``usernames``, as a form posts them."""
    query = QueryDict(mutable=True)
    query.setlist("username", usernames)
    return query


def start_group(user, *others) -> Room:
    """The group conversation of ``user`` and ``others``, started by ``user``."""
    return groups.open_group_room(user, list(others))


def page_of(room: Room) -> str:
    """A group's page, ``/g/<key>/``."""
    return BY_GROUP.links(BY_GROUP.key_of(room.slug)).page
