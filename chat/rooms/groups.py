"""Group conversations: three or more people talking, found by who they are.

``POST /p/`` names the people (``username`` once or more, ``chat.rooms.forms.PeopleForm``).
One other person is the pair's direct conversation, as ever; two or more others are a
group: the one room of kind ``GROUP`` whose ``people_key`` is that set's
(``chat.rooms.people_keys``), made now if there is none. Its address is
``chat.links.BY_GROUP``. Adding and leaving are the members' rules of
``chat.rooms.services`` (anyone in it adds a person, anyone leaves; nobody removes
another). Bots have no place in it, as in a direct conversation.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from chat import ratelimit
from chat.broadcast import events
from chat.errors import validated
from chat.links import BY_GROUP
from chat.models import Membership, Room
from chat.rooms.forms import PeopleForm
from chat.rooms.people_keys import people_key, title_of


def picked(user: AbstractBaseUser, data: Mapping) -> list[AbstractBaseUser]:
    """The people ``user`` picked to talk with (``username`` once or more), without
    themselves; ``Invalid`` (the form, naming who is wrong) for nobody, someone unknown,
    a bot, or too many."""
    return validated(PeopleForm, data, user=user).cleaned_data["username"]


def find_group_room(people: Sequence[AbstractBaseUser]) -> Room | None:
    """The group conversation of exactly ``people``, if someone has started it."""
    return Room.objects.filter(people_key=people_key(p.pk for p in people)).first()


def open_group_room(user: AbstractBaseUser, others: Sequence[AbstractBaseUser]) -> Room:
    """Find or make the one group conversation of ``user`` and ``others`` (two or more).

    The unique key makes two people starting it at once end in one room: the loser of
    the race gets an IntegrityError and reads the winner's. Making one counts towards
    ``user``'s ``ratelimit.ROOM_CREATION`` (``TooFast`` past it); finding one does not.
    Everyone in it sees it in their lobby at once.
    """
    people = list({person.pk: person for person in [user, *others]}.values())
    key = people_key(person.pk for person in people)
    room = Room.objects.filter(people_key=key).first()
    if room is not None:
        return room
    ratelimit.take(ratelimit.ROOM_CREATION, user.pk)
    try:
        with transaction.atomic():
            room = Room.objects.create(
                slug=BY_GROUP.slug_of(secrets.token_hex(5)),
                title=title_of(people),
                kind=Room.Kind.GROUP,
                created_by=user,
                people_key=key,
            )
            Membership.objects.bulk_create([Membership(room=room, user=p) for p in people])
    except IntegrityError:
        ratelimit.give_back(ratelimit.ROOM_CREATION, user.pk)
        return Room.objects.get(people_key=key)
    for person in people:
        events.room_joined(person.pk, room.id)
    return room


def start(user: AbstractBaseUser, data: Mapping) -> Room | AbstractBaseUser:
    """Start talking with the people ``data`` names: a group conversation's room for two
    or more others; else the one other person (``user`` for their own notes), whose
    direct conversation begins with its first message, as from their profile."""
    others = picked(user, data)
    if len(others) >= 2:
        return open_group_room(user, others)
    return others[0] if others else user
