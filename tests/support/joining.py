"""Joining a public room in a test's own process, as its "Join" button does.

A visit joins nobody (``chat.rooms.joining``): a test whose point is a member of a room
(counts, read positions, notifications, members lists) joins them first with ``join``
(``ajoin`` on the event loop).
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from django.contrib.auth.models import AbstractBaseUser

from chat.models import Room
from chat.rooms import joining
from chat.rooms import services as rooms


def join(person: AbstractBaseUser, slug: str) -> Room:
    """``person`` joins the public room ``slug`` (a member already: nothing changes)."""
    room = rooms.readable_room(person, slug)
    joining.join_room(room, person)
    return room


ajoin = database_sync_to_async(join)
