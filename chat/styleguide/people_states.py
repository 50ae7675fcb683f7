"""The styleguide's states of the people directory, muting and the welcome
(``chat/people.html``, ``chat/profile.html#mute-form``, ``chat/lobby.html#held-directs``
and ``#welcome-panel``, a muted person's message): a section of the table
(``chat.styleguide.states``)."""

from __future__ import annotations

from dataclasses import replace

from django.core.paginator import Paginator

from chat.people.directory import Directory, Person
from chat.people.welcome import Welcome
from chat.styleguide.rows import Section, State
from chat.styleguide.samples import Samples, person


def _gone(s: Samples):
    """A deactivated account, as the directory lists it."""
    user = person(900_990, "former")
    user.is_active = False
    return user


def _rows(s: Samples) -> list[Person]:
    return [
        Person(s.bob, True, "/p/bob/", False),
        Person(s.carol, False, "/p/carol/", False),
        Person(s.bot, False, None, False),
        Person(_gone(s), False, None, False),
        Person(s.me, True, None, True),
    ]


def _directory(s: Samples, query: str, rows: list[Person]) -> Directory:
    page = Paginator([row.user for row in rows], 2 if rows else 30).get_page(1)
    return Directory(query, rows, page)


# fmt: off
PEOPLE_DIRECTORY = Section("people-directory", "Directory, muting, welcome", (
    State("person-row-online", "A person, online",
          "The directory's row: pick them, their profile, online in words, a way to write.",
          "chat/people.html#person-row",
          lambda s: {"person": Person(s.bob, True, "/p/bob/", False)}, wrap="people-list"),
    State("person-row-bot", "A bot", "Marked in words; nobody writes to a bot.",
          "chat/people.html#person-row",
          lambda s: {"person": Person(s.bot, False, None, False)}, wrap="people-list"),
    State("person-row-deactivated", "A deactivated account",
          "Marked in words, and not to be written to.", "chat/people.html#person-row",
          lambda s: {"person": Person(_gone(s), False, None, False)}, wrap="people-list"),
    State("people-results", "The directory's results",
          "/people/ as someone types (htmx asks for these alone): rows, the button that "
          "messages the people picked, and a link to more.", "chat/people.html#results",
          lambda s: {"directory": _directory(s, "", _rows(s))},
          within=("chat/people.html#person-row",)),
    State("people-results-none", "Nobody matches", "A query nobody's name holds.",
          "chat/people.html#results", lambda s: {"directory": _directory(s, "zebra", [])}),
    State("mute-form", "Mute", "On someone's profile: collapse their messages for me alone.",
          "chat/profile.html#mute-form", lambda s: {"person": s.bob, "muted": False}),
    State("mute-form-muted", "Unmute", "On the profile of someone I muted (they are not told).",
          "chat/profile.html#mute-form", lambda s: {"person": s.bob, "muted": True}),
    State("message-muted", "A muted person's message",
          "On my pages only (my page's style block): collapsed to a link that opens it.",
          "chat/room.html#message",
          lambda s: {"message": s.message(s.carol, "Anyone for lunch?")}, wrap="messages"),
    State("held-directs", "Conversations held back",
          "The lobby: my conversations with people I muted, apart and without counts.",
          "chat/lobby.html#held-directs",
          lambda s: {"held_directs": [replace(s.direct, held=True)]}),
    State("welcome-panel", "The welcome", "A new account's lobby, until dismissed: what next.",
          "chat/lobby.html#welcome-panel",
          lambda s: {"welcome": Welcome("/r/general/", "General")}),
))
# fmt: on
