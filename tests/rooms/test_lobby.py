"""The lobby's listings (``chat.rooms.lobby``): public rooms by page, and my rooms with unread
counts."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from chat.limits import LOBBY_PAGE_SIZE
from chat.models import Membership, Room
from chat.rooms import lobby
from chat.rooms import services as rooms
from tests.support.joining import join
from tests.support.messages import say

pytestmark = pytest.mark.django_db


def create(user, title: str, kind: str = Room.Kind.PUBLIC) -> Room:
    room = rooms.create_room(user, {"title": title, "kind": kind})
    cache.clear()  # past the per-person limit on rooms an hour
    return room


def aged(room: Room, minutes: int) -> Room:
    """``room`` as if created ``minutes`` ago."""
    room.created_at = timezone.now() - timedelta(minutes=minutes)
    room.save(update_fields=["created_at"])
    return room


def titles(entries) -> list[str]:
    return [getattr(entry, "room", entry).title for entry in entries]


# --- public rooms ------------------------------------------------------------------------


def test_public_rooms_fills_a_page_then_the_next(alice):
    for number in range(LOBBY_PAGE_SIZE + 3):
        aged(create(alice, f"Room {number:02}"), minutes=number)

    first, second = lobby.public_rooms(1), lobby.public_rooms(2)

    assert len(first) == LOBBY_PAGE_SIZE
    assert titles(second) == [
        f"Room {number:02}" for number in range(LOBBY_PAGE_SIZE, LOBBY_PAGE_SIZE + 3)
    ]
    assert not second.has_next()


def test_public_rooms_lists_the_newest_room_first(alice):
    aged(create(alice, "Old"), minutes=10)
    aged(create(alice, "New"), minutes=1)

    page = lobby.public_rooms()

    assert titles(page) == ["New", "Old"]


def test_public_rooms_a_message_brings_an_older_room_first(alice, lunch):
    aged(lunch, minutes=10)
    aged(create(alice, "Tea"), minutes=1)

    say(lunch, alice, "hi")

    assert titles(lobby.public_rooms()) == ["Lunch", "Tea"]


def test_public_rooms_leaves_out_private_and_direct_rooms(alice, bob, lunch, secret):
    rooms.open_direct_room(alice, bob)

    assert titles(lobby.public_rooms()) == ["Lunch"]


def test_public_rooms_counts_members(alice, bob, lunch):
    join(bob, "lunch")
    say(lunch, alice, "one", "two", "three")

    [room] = lobby.public_rooms()

    assert room.member_count == 2


def test_public_rooms_gives_each_room_its_links(lunch):
    [room] = lobby.public_rooms()

    assert room.links.page == "/r/lunch/"
    assert room.links.socket == "/ws/r/lunch/"


@pytest.mark.parametrize("page_number", ["99", "x", None])
def test_public_rooms_a_page_that_is_not_there_shows_one_that_is(lunch, page_number):
    assert titles(lobby.public_rooms(page_number)) == ["Lunch"]


# --- my rooms ----------------------------------------------------------------------------


def test_my_rooms_lists_my_group_rooms_with_their_links(alice, lunch, secret):
    groups, directs = lobby.my_rooms(alice)

    assert {entry.links.page for entry in groups} == {"/r/lunch/", f"/r/{secret.slug}/"}
    assert directs == []


def test_my_rooms_leaves_out_rooms_i_have_not_joined(bob, lunch):
    assert lobby.my_rooms(bob) == ([], [])


def test_my_rooms_lists_a_conversation_under_the_other_persons_name(alice, bob):
    room = rooms.open_direct_room(alice, bob)
    say(room, bob, "hello")

    _groups, [entry] = lobby.my_rooms(alice)

    assert entry.name == "bob"
    assert entry.links.page == "/p/bob/"
    assert entry.links.socket == "/ws/p/bob/"


def test_my_rooms_lists_my_notes_under_my_own_name(alice):
    room = rooms.open_direct_room(alice, alice)
    say(room, alice, "remember the milk")

    _groups, [entry] = lobby.my_rooms(alice)

    assert entry.name == "Notes to self"
    assert entry.links.page == "/p/alice/"


def test_my_rooms_counts_what_others_wrote_since_i_last_read(alice, bob, lunch):
    join(bob, "lunch")
    say(lunch, alice, "one", "two", "three")

    [entry], _directs = lobby.my_rooms(bob)

    assert entry.unread == 3


def test_my_rooms_counts_nothing_once_read(alice, bob, lunch):
    join(bob, "lunch")
    [*_, last] = say(lunch, alice, "one", "two")
    rooms.mark_room_read(bob, lunch, last.id)

    [entry], _directs = lobby.my_rooms(bob)

    assert entry.unread == 0


def test_my_rooms_never_counts_my_own_messages_as_unread(alice, bob, lunch):
    join(bob, "lunch")
    say(lunch, alice, "one")
    say(lunch, bob, "two", "three")
    Membership.objects.filter(user=bob).update(last_read=0)  # e.g. posted from elsewhere

    [entry], _directs = lobby.my_rooms(bob)

    assert entry.unread == 1


def test_my_rooms_shows_the_last_message_and_its_author(alice, bob, lunch):
    join(bob, "lunch")
    say(lunch, alice, "first")
    say(lunch, bob, "last")

    [entry], _directs = lobby.my_rooms(alice)

    assert (entry.last_body, entry.last_author) == ("last", "bob")


def test_my_rooms_lists_the_most_recently_active_first(alice, lunch, secret):
    say(secret, alice, "earlier")
    say(lunch, alice, "later")

    groups, _directs = lobby.my_rooms(alice)

    assert titles(groups) == ["Lunch", "Secret plans"]


def test_my_rooms_lists_quiet_rooms_newest_first_after_active_ones(alice, lunch):
    aged(lunch, minutes=10)
    aged(create(alice, "Old and quiet"), minutes=20)
    aged(create(alice, "New and quiet"), minutes=1)
    say(lunch, alice, "hi")

    groups, _directs = lobby.my_rooms(alice)

    assert titles(groups) == ["Lunch", "New and quiet", "Old and quiet"]
