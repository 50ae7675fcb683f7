"""The lobby's live parts (``chat.rooms.lobby``): mentions and unread totals, and the frames its
socket sends (my rooms with the page title, the first page of public rooms)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from chat.limits import LOBBY_PAGE_SIZE
from chat.models import Room
from chat.rooms import lobby
from chat.rooms import services as rooms
from tests.support.joining import join
from tests.support.messages import say

pytestmark = pytest.mark.django_db


def entry_for(user, room) -> lobby.RoomEntry:
    groups, directs = lobby.my_rooms(user)
    [entry] = [e for e in groups + directs if e.room.pk == room.pk]
    return entry


def create(user, title: str, minutes_ago: int) -> Room:
    room = rooms.create_room(user, {"title": title, "kind": Room.Kind.PUBLIC})
    cache.clear()  # past the per-person limit on rooms an hour
    room.created_at = timezone.now() - timedelta(minutes=minutes_ago)
    room.save(update_fields=["created_at"])
    return room


# --- mentions ------------------------------------------------------------------------------


def test_mentioned_counts_the_unread_mentions_of_me(alice, bob, mallory, lunch):
    for person in (bob, mallory):
        join(person, "lunch")

    say(lunch, bob, "@alice one", "@mallory two", "three", "@alice four")

    assert entry_for(alice, lunch).mentioned == 2


def test_mentioned_is_zero_once_read_past_them(alice, bob, lunch):
    join(bob, "lunch")
    posted = say(lunch, bob, "@alice one", "@alice two")

    rooms.mark_room_read(alice, lunch, posted[-1].id)

    assert entry_for(alice, lunch).mentioned == 0


def test_mentioned_counts_only_those_after_the_read_position(alice, bob, lunch):
    join(bob, "lunch")
    posted = say(lunch, bob, "@alice one", "@alice two")

    rooms.mark_room_read(alice, lunch, posted[0].id)

    assert entry_for(alice, lunch).mentioned == 1


def test_mentioned_of_someone_else_does_not_count_for_me(alice, bob, mallory, lunch):
    for person in (bob, mallory):
        join(person, "lunch")

    say(lunch, bob, "@mallory hi")

    assert entry_for(alice, lunch).mentioned == 0


# --- unread total --------------------------------------------------------------------------


def test_unread_total_adds_up_every_room_and_conversation(alice, bob, lunch, secret):
    join(bob, "lunch")
    rooms.add_member(secret, alice, {"username": "bob"})
    say(lunch, bob, "one", "two")
    say(secret, bob, "three")
    rooms.open_direct_room(bob, alice)
    say(rooms.find_direct_room(bob, alice), bob, "four")
    groups, directs = lobby.my_rooms(alice)

    total = lobby.unread_total(groups + directs)

    assert total == 4


def test_unread_total_of_nothing_is_zero():
    assert lobby.unread_total([]) == 0


# --- my rooms' frame ------------------------------------------------------------------------


def test_my_rooms_frame_puts_the_unread_total_in_the_page_title(alice, bob, lunch, secret):
    join(bob, "lunch")
    rooms.add_member(secret, alice, {"username": "bob"})
    say(lunch, bob, "one", "two")
    say(secret, bob, "three")

    html = lobby.my_rooms_frame(alice)

    assert html.startswith('<div id="lobby-mine" hx-swap-oob="true" data-page-title="(3) Chat">')


def test_my_rooms_frame_without_unread_has_the_plain_title(alice, lunch):
    html = lobby.my_rooms_frame(alice)

    assert html.startswith('<div id="lobby-mine" hx-swap-oob="true" data-page-title="Chat">')


def test_my_rooms_frame_lists_each_room_by_id(alice, bob, lunch, secret):
    rooms.open_direct_room(alice, bob)
    direct = rooms.find_direct_room(alice, bob)

    html = lobby.my_rooms_frame(alice)

    for room in (lunch, secret, direct):
        entry = f'<li id="lobby-room-{room.id}" class="lobby-entry" data-notify="everything">'
        assert entry in html


def test_my_rooms_frame_leaves_out_rooms_i_am_not_in(alice, bob, lunch):
    tea = rooms.create_room(bob, {"title": "Tea", "kind": Room.Kind.PUBLIC})

    html = lobby.my_rooms_frame(alice)

    assert f'id="lobby-room-{tea.id}"' not in html


# --- public rooms' frame --------------------------------------------------------------------


def test_public_rooms_frame_holds_the_first_page_only(alice):
    for number in range(LOBBY_PAGE_SIZE + 1):
        create(alice, f"Room {number:02}", minutes_ago=number)  # Room 00 is the newest

    html = lobby.public_rooms_frame()

    assert html.startswith('<div id="public-rooms" hx-swap-oob="true">')
    assert html.count('<a href="/r/room-') == LOBBY_PAGE_SIZE
    assert f'<a href="/r/room-{LOBBY_PAGE_SIZE - 1:02}/">Room {LOBBY_PAGE_SIZE - 1:02}</a>' in html
    assert f">Room {LOBBY_PAGE_SIZE:02}</a>" not in html
