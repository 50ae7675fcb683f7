"""The switcher's rules (``chat.rooms.switcher``): what matches a query, in what order, only
what the reader may read, and its limits."""

from __future__ import annotations

import pytest

from chat import ratelimit
from chat.errors import TooFast
from chat.limits import SWITCHER_MAX_CHARS, SWITCHER_MAX_CHOICES
from chat.models import Room
from chat.rooms import admin, switcher
from chat.rooms import services as rooms
from tests.support.joining import join
from tests.support.profiles import edit

pytestmark = pytest.mark.django_db


def names(choices: list[switcher.Choice]) -> list[str]:
    return [choice.name for choice in choices]


def make(user, title: str, kind: str = Room.Kind.PUBLIC) -> Room:
    return rooms.create_room(user, {"title": title, "kind": kind})


def test_rooms_match_by_title_anywhere_in_it(alice, lunch):
    make(alice, "Team lunches")
    make(alice, "Tea")

    found = switcher.choices(alice, "lunch")

    assert names(found.rooms) == ["Lunch", "Team lunches"]  # starting with it first
    assert found.rooms[0].url == "/r/lunch/"


def test_rooms_match_by_address_too(alice):
    make(alice, "Café society")

    assert names(switcher.choices(alice, "cafe-soc").rooms) == ["Café society"]


def test_my_rooms_come_before_the_others(alice, bob, mallory):
    make(mallory, "Lunch A")
    make(bob, "Lunch B")
    join(alice, "lunch-b")

    assert names(switcher.choices(alice, "lunch").rooms) == ["Lunch B", "Lunch A"]


def test_a_private_room_of_others_never_appears(alice, mallory, secret):
    make(mallory, "Secret lair", Room.Kind.PRIVATE)

    found = switcher.choices(mallory, "secret")

    assert names(found.rooms) == ["Secret lair"]  # hers, not alice's "Secret plans"


def test_a_private_room_i_am_in_appears_marked_private(alice, secret):
    [choice] = switcher.choices(alice, "plans").rooms

    assert (choice.name, choice.detail) == ("Secret plans", "private")
    assert choice.url == f"/r/{secret.slug}/"


def test_a_private_room_i_was_removed_from_is_gone(alice, bob, secret):
    rooms.add_member(secret, alice, {"username": "bob"})
    assert names(switcher.choices(bob, "secret").rooms) == ["Secret plans"]

    rooms.remove_member(secret, alice, {"username": "bob"})

    assert switcher.choices(bob, "secret").rooms == []


def test_direct_rooms_are_found_as_people_not_rooms(alice, bob):
    rooms.open_direct_room(alice, bob)

    found = switcher.choices(alice, "bob")

    assert found.rooms == []
    assert [(c.name, c.url, c.detail) for c in found.people] == [("bob", "/p/bob/", "@bob")]


def test_people_match_by_username_and_by_display_name(alice, bob, mallory):
    edit(mallory, display_name="Ada Lovelace")

    assert names(switcher.choices(alice, "love").people) == ["Ada Lovelace"]
    assert names(switcher.choices(alice, "MALL").people) == ["Ada Lovelace"]
    assert names(switcher.choices(alice, "bo").people) == ["bob"]


def test_people_who_start_with_it_come_first(alice, make_user):
    make_user("zed_ann")
    make_user("anna")

    assert names(switcher.choices(alice, "ann").people) == ["anna", "zed_ann"]


def test_deactivated_people_and_bots_are_not_listed(alice, bob, mallory):
    bob.is_active = False
    bob.save()
    mallory.profile.is_bot = True
    mallory.profile.save()

    found = switcher.choices(alice, "o")

    assert "bob" not in names(found.people)
    assert "mallory" not in names(switcher.choices(alice, "mall").people)


def test_an_empty_query_lists_my_rooms_and_the_people_i_talk_with(alice, bob, mallory, lunch):
    make(mallory, "Not mine")
    rooms.open_direct_room(alice, bob)

    found = switcher.choices(alice, "  ")

    assert found.query == ""
    assert names(found.rooms) == ["Lunch"]
    assert names(found.people) == ["bob"]


def test_an_archived_room_is_listed_only_when_its_name_is_typed(alice, lunch):
    make(alice, "Old plans")
    admin.archive(Room.objects.get(title="Old plans"), alice)

    assert names(switcher.choices(alice, "").rooms) == ["Lunch"]  # as the sidebar lists
    assert names(switcher.choices(alice, "old").rooms) == ["Old plans"]


def test_nothing_matches(alice, lunch):
    found = switcher.choices(alice, "zebra")

    assert found.empty and found.query == "zebra"


def test_like_wildcards_are_matched_as_themselves(alice, lunch):
    make(alice, "100% fun")

    assert names(switcher.choices(alice, "%").rooms) == ["100% fun"]
    assert switcher.choices(alice, "_").rooms == []


def test_a_long_query_is_clipped_and_says_so(alice):
    found = switcher.choices(alice, "x" * (SWITCHER_MAX_CHARS + 50))

    assert found.clipped
    assert len(found.query) == SWITCHER_MAX_CHARS


def test_at_most_so_many_of_each(alice, make_user):
    for number in range(SWITCHER_MAX_CHOICES + 3):
        make_user(f"sam{number:02}")

    assert len(switcher.choices(alice, "sam").people) == SWITCHER_MAX_CHOICES


def test_two_queries_however_many_rooms(alice, make_user, django_assert_num_queries):
    for number in range(5):
        make(alice, f"Room {number}")
        make_user(f"roomie{number}")

    with django_assert_num_queries(2):
        found = switcher.choices(alice, "room")
    assert len(found.rooms) == 5 and len(found.people) == 5


def test_asking_too_often_is_refused(alice):
    for _ in range(ratelimit.SWITCHING.limit):
        switcher.choices(alice, "a")

    with pytest.raises(TooFast):
        switcher.choices(alice, "a")
