"""The switcher (Ctrl+K, ``/switch/?q=``): the rooms and people whose names hold what
was typed, each a way into its conversation.

What it lists follows the read rule, asked in the query: rooms the reader may read now
(``Room.objects.visible_to``: every public room and the rooms they belong to; a private
room of others never), by title or address, theirs first; and people with an active
account (not bots), by username or display name, each a link to the direct conversation
with them (one's own name is one's notes). Names that start with the query come before
those that only hold it. An empty query lists the reader's own rooms and the people they
have talked with (but those they muted).

Two queries, however many rooms and people there are. What was typed is clipped to
``SWITCHER_MAX_CHARS`` and only ever a LIKE parameter (Django escapes ``%`` and ``_``);
each request counts towards the person's ``ratelimit.SWITCHING``, as the page asks once
per pause in typing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.functions import Lower

from chat import ratelimit
from chat.limits import SWITCHER_MAX_CHARS, SWITCHER_MAX_CHOICES
from chat.links import BY_GROUP, BY_PERSON, BY_SLUG
from chat.models import Membership, Mute, Room, name_of

#: What the switcher says when a query was longer than what it uses.
CLIPPED = f"Only the first {SWITCHER_MAX_CHARS} characters are used."


@dataclass(frozen=True)
class Choice:
    """One place to go: its name, a word about it, and its page."""

    name: str
    url: str
    #: "private" for a private room, "group" for a group conversation (its title names its
    #: people), "@username" for a person; "" for a public room.
    detail: str = ""


@dataclass(frozen=True)
class Choices:
    """What matches a query: rooms, then people."""

    #: The query as used: stripped and clipped.
    query: str
    rooms: list[Choice]
    people: list[Choice]
    #: The query was longer than SWITCHER_MAX_CHARS.
    clipped: bool = False

    @property
    def empty(self) -> bool:
        """True when nothing matches."""
        return not self.rooms and not self.people


def choices(user: AbstractBaseUser, query: str) -> Choices:
    """The rooms ``user`` may read and the people whose names hold ``query`` (or, for an
    empty one, ``user``'s rooms and the people they talk with), SWITCHER_MAX_CHOICES of
    each. Raises ``TooFast`` past the person's ``ratelimit.SWITCHING``."""
    ratelimit.take(ratelimit.SWITCHING, user.pk)
    query = query.strip()
    clipped = len(query) > SWITCHER_MAX_CHARS
    query = query[:SWITCHER_MAX_CHARS].strip()
    rooms = [_room_choice(room) for room in _rooms(user, query)[:SWITCHER_MAX_CHOICES]]
    people = [_person_choice(person) for person in _people(user, query)[:SWITCHER_MAX_CHOICES]]
    return Choices(query, rooms, people, clipped)


def _starts_first(*fields: str, query: str) -> Case:
    """0 for a row where one of ``fields`` starts with ``query``, else 1: to sort by."""
    starts = Q()
    for field in fields:
        starts |= Q(**{f"{field}__istartswith": query})
    return Case(When(starts, then=Value(0)), default=Value(1), output_field=IntegerField())


def _rooms(user: AbstractBaseUser, query: str) -> QuerySet[Room]:
    mine = Exists(Membership.objects.filter(room=OuterRef("pk"), user_id=user.pk))
    rooms = Room.objects.visible_to(user).exclude(kind=Room.Kind.DIRECT).annotate(mine=mine)
    if not query:  # what the sidebar lists: an archived room is found by its name only
        return rooms.filter(mine=True, archived_at=None).order_by(Lower("title"), "pk")
    rooms = rooms.filter(Q(title__icontains=query) | Q(slug__icontains=query))
    starts = _starts_first("title", "slug", query=query)
    return rooms.annotate(starts=starts).order_by("-mine", "starts", Lower("title"), "pk")


def _people(user: AbstractBaseUser, query: str) -> QuerySet:
    people = (
        get_user_model()
        .objects.filter(is_active=True)
        .exclude(profile__is_bot=True)
        .select_related("profile")
    )
    if not query:
        talked_with = Membership.objects.filter(
            room__kind=Room.Kind.DIRECT, room__memberships__user_id=user.pk
        ).exclude(user_id=user.pk)
        # Someone I muted stays out of the ones offered unasked (chat.people.mutes): their
        # conversation is held back; typing their name still finds them.
        muted = Mute.objects.filter(user_id=user.pk).values("muted_id")
        return (
            people.filter(pk__in=talked_with.values("user_id"))
            .exclude(pk__in=muted)
            .order_by("username")
        )
    people = people.filter(Q(username__icontains=query) | Q(profile__display_name__icontains=query))
    starts = _starts_first("username", "profile__display_name", query=query)
    return people.annotate(starts=starts).order_by("starts", "username")


def _room_choice(room: Room) -> Choice:
    if room.kind == Room.Kind.GROUP:
        return Choice(room.title, BY_GROUP.links(BY_GROUP.key_of(room.slug)).page, "group")
    detail = "private" if room.kind == Room.Kind.PRIVATE else ""
    return Choice(room.title, BY_SLUG.links(room.slug).page, detail)


def _person_choice(person) -> Choice:
    username = person.get_username()
    return Choice(name_of(person), BY_PERSON.links(username).page, f"@{username}")
