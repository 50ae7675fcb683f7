"""The people directory (``/people/?q=``): everyone with an account, found by username or
display name, each with a way to their profile and into a conversation.

**Matching.** Case-insensitive and *contains*, not only prefix: people remember a piece of
a name ("smith" for "Anna Smith-Jones", "ann" for "joanna"), and a directory that finds
nothing for a surname is no use. Names that *start* with the query come first, so the
prefix matches one would expect lead the list. What was typed is clipped to
``DIRECTORY_MAX_CHARS`` and only ever a LIKE parameter (Django escapes ``%`` and ``_``);
each lookup counts towards the person's ``ratelimit.DIRECTORY``.

**What it shows.** Names, usernames, pictures, and whether each person is online now
(``chat.broadcast.presence``), a bot or deactivated: what every member list already shows.
Never an e-mail address or anything else of the account. Everyone is listed, deactivated
accounts and bots too (marked), since their names are on old messages; only active
people who are not bots can be written to.

A page holds ``DIRECTORY_PAGE_SIZE`` people; two queries, however many people there are.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.db.models import Case, IntegerField, Q, Value, When

from chat import ratelimit
from chat.broadcast import presence
from chat.limits import DIRECTORY_MAX_CHARS, DIRECTORY_PAGE_SIZE
from chat.links import BY_PERSON

#: What the page says when a query was longer than what is used.
CLIPPED = f"Only the first {DIRECTORY_MAX_CHARS} characters are used."


@dataclass(frozen=True)
class Person:
    """One person as the directory lists them."""

    user: AbstractBaseUser
    online: bool
    #: Where "message" leads (None for a bot, a deactivated account, or oneself).
    message_url: str | None
    is_me: bool

    @property
    def is_bot(self) -> bool:
        """A bot's account: it posts through its token and reads nothing."""
        return self.user.profile.is_bot

    @property
    def deactivated(self) -> bool:
        """The account was deactivated by staff."""
        return not self.user.is_active


@dataclass(frozen=True)
class Directory:
    """A page of the directory."""

    #: The query as used: stripped and clipped.
    query: str
    people: list[Person]
    page: Page
    clipped: bool = False


def directory(viewer: AbstractBaseUser, query: str, page_number: object = 1) -> Directory:
    """The page ``page_number`` of the people whose username or display name holds
    ``query`` (everyone for an empty one), prefix matches first, then by username.
    Raises ``TooFast`` past the viewer's ``ratelimit.DIRECTORY``."""
    ratelimit.take(ratelimit.DIRECTORY, viewer.pk)
    query = query.strip()
    clipped = len(query) > DIRECTORY_MAX_CHARS
    query = query[:DIRECTORY_MAX_CHARS].strip()
    people = get_user_model().objects.filter(profile__isnull=False).select_related("profile")
    if query:
        people = people.filter(
            Q(username__icontains=query) | Q(profile__display_name__icontains=query)
        )
        starts = Q(username__istartswith=query) | Q(profile__display_name__istartswith=query)
        order = Case(When(starts, then=Value(0)), default=Value(1), output_field=IntegerField())
        people = people.annotate(starts=order).order_by("starts", "username")
    else:
        people = people.order_by("username")
    page = Paginator(people, DIRECTORY_PAGE_SIZE).get_page(page_number)
    listed = list(page)
    here = presence.online([person.pk for person in listed])
    return Directory(query, [_entry(viewer, p, p.pk in here) for p in listed], page, clipped)


def _entry(viewer: AbstractBaseUser, person, online: bool) -> Person:
    is_me = person.pk == viewer.pk
    writable = person.is_active and not person.profile.is_bot and not is_me
    url = BY_PERSON.links(person.get_username()).page if writable else None
    return Person(person, online, url, is_me)
