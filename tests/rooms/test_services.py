"""Rooms and memberships (``chat.rooms.services``): who may see, create, join, add and remove."""

from __future__ import annotations

import re

import pytest

from chat.errors import Forbidden, Invalid, NotFound, TooFast
from chat.models import Membership, Room
from chat.rooms import services as rooms
from tests.support.races import at_once, meet_before_writing, raised

pytestmark = pytest.mark.django_db


def create(user, title: str, kind: str = "public") -> Room:
    return rooms.create_room(user, {"title": title, "kind": kind})


def members(room: Room) -> list:
    """The room's members, by username."""
    return [m.user for m in room.memberships.select_related("user").order_by("user__username")]


# --- finding rooms -----------------------------------------------------------------


def test_readable_room_finds_a_public_room_for_anyone(mallory, lunch):
    assert rooms.readable_room(mallory, "lunch") == lunch


def test_readable_room_hides_a_private_room_like_a_missing_one(mallory, secret):
    with pytest.raises(NotFound) as hidden:
        rooms.readable_room(mallory, secret.slug)
    with pytest.raises(NotFound) as missing:
        rooms.readable_room(mallory, "no-such-room")

    assert hidden.value.message == missing.value.message == "No such room."


# --- direct rooms ---------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_open_direct_room_concurrent_first_messages_make_one_room(alice, bob, monkeypatch):
    # Both pass the "does it exist?" lookup before either creates: the unique slug,
    # not timing, must then keep the room single.
    meet_before_writing(monkeypatch, rooms)

    opened = at_once(
        lambda: rooms.open_direct_room(alice, bob), lambda: rooms.open_direct_room(bob, alice)
    )

    assert raised(opened) == []
    assert len({room.id for room in opened}) == 1
    assert Room.objects.filter(kind=Room.Kind.DIRECT).count() == 1
    assert Membership.objects.filter(room=opened[0]).count() == 2


def test_open_direct_room_finds_existing_either_way(alice, bob):
    first = rooms.open_direct_room(alice, bob)

    assert rooms.open_direct_room(bob, alice) == first


def test_find_direct_room_for_self_is_only_the_notes_room(alice, bob):
    rooms.open_direct_room(alice, bob)
    notes = rooms.open_direct_room(alice, alice)

    assert rooms.find_direct_room(alice, alice) == notes
    assert notes.memberships.count() == 1


# --- creating rooms -------------------------------------------------------------------


def test_create_room_slug_from_title(alice):
    assert create(alice, "  Café Crème!  ").slug == "cafe-creme"


def test_create_room_title_without_letters_gets_room_slug(alice):
    assert create(alice, "!!!").slug == "room"


def test_create_room_makes_the_creator_its_first_member(alice):
    room = create(alice, "Lunch")

    assert list(room.memberships.values_list("user__username", flat=True)) == ["alice"]


def test_private_rooms_take_a_random_slug(alice):
    room = create(alice, "Secret plans", "private")

    assert re.fullmatch(r"secret-plans-[0-9a-f]{10}", room.slug)


def test_a_hidden_private_room_does_not_change_a_public_rooms_address(bob, secret):
    # Before: "secret-plans-2", which told bob that a room he cannot see exists.
    assert create(bob, "Secret plans").slug == "secret-plans"


def test_create_room_clashing_with_a_visible_room_is_refused(bob, lunch):
    with pytest.raises(Invalid) as refused:
        create(bob, "lunch!")

    assert refused.value.form.errors["title"] == [
        "“Lunch” already exists: pick another name or join it."
    ]


def test_create_private_room_clashing_with_my_own_private_room_is_refused(alice, secret):
    with pytest.raises(Invalid):
        create(alice, "secret PLANS", "private")


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"title": "", "kind": "public"}, "title", "Give the room a name."),
        ({"title": "\u200b\u200b", "kind": "public"}, "title", "Give the room a name."),
        ({"title": "Lunch", "kind": "direct"}, "kind", "Select a valid choice."),
    ],
    ids=["blank", "invisible", "direct-kind"],
)
def test_create_room_refuses_bad_input(alice, data, field, error):
    with pytest.raises(Invalid) as refused:
        rooms.create_room(alice, data)

    assert refused.value.form.errors[field][0].startswith(error)
    assert not Room.objects.exists()


def test_the_eleventh_room_in_an_hour_is_refused(alice):
    for n in range(10):
        create(alice, f"Room {n}")

    with pytest.raises(TooFast) as refused:
        create(alice, "One more")

    assert refused.value.message.startswith("You have created many rooms in a short time.")
    assert Room.objects.count() == 10


# --- members ------------------------------------------------------------------------------


def test_a_member_adds_someone_to_a_private_room(alice, bob, secret):
    added = rooms.add_member(secret, alice, {"username": "bob"})

    assert added == bob
    assert members(secret) == [alice, bob]


def test_adding_nobody_is_refused_with_the_name_escaped_later(alice, secret):
    with pytest.raises(Invalid) as refused:
        rooms.add_member(secret, alice, {"username": "<img src=x>"})

    assert refused.value.message == "There is nobody called “<img src=x>”."


def test_public_rooms_take_no_members_by_hand(alice, bob, lunch):
    with pytest.raises(NotFound):
        rooms.add_member(lunch, alice, {"username": "bob"})


def test_a_member_leaves_a_private_room(alice, bob, secret):
    rooms.add_member(secret, alice, {"username": "bob"})

    rooms.remove_member(secret, bob, {"username": "bob"})

    assert members(secret) == [alice]


def test_only_the_creator_removes_others(alice, bob, mallory, secret):
    rooms.add_member(secret, alice, {"username": "bob"})
    rooms.add_member(secret, alice, {"username": "mallory"})

    with pytest.raises(Forbidden) as refused:
        rooms.remove_member(secret, bob, {"username": "mallory"})
    rooms.remove_member(secret, alice, {"username": "mallory"})

    assert refused.value.message == "Only the room's creator can remove members."
    assert members(secret) == [alice, bob]


def test_may_remove_others_is_the_creator_of_a_private_room(alice, bob, secret, lunch):
    assert rooms.may_remove_others(secret, alice)
    assert not rooms.may_remove_others(secret, bob)
    assert not rooms.may_remove_others(lunch, alice)


# --- reading ------------------------------------------------------------------------------


def test_mark_room_read_never_goes_backwards(alice, lunch):
    rooms.mark_room_read(alice, lunch, 10)
    rooms.mark_room_read(alice, lunch, 5)

    assert Membership.objects.get(room=lunch, user=alice).last_read == 10


def test_a_creator_who_leaves_hands_the_room_to_its_longest_standing_member(
    alice, bob, mallory, secret
):
    rooms.add_member(secret, alice, {"username": "bob"})
    rooms.add_member(secret, alice, {"username": "mallory"})
    assert rooms.heir(secret, alice) == bob

    rooms.remove_member(secret, alice, {"username": "alice"})

    secret.refresh_from_db()
    assert secret.created_by == bob
    assert rooms.may_remove_others(secret, bob)
    rooms.remove_member(secret, bob, {"username": "mallory"})  # bob looks after it now
    assert members(secret) == [bob]


def test_only_the_creators_leaving_hands_the_room_on(alice, bob, mallory, secret):
    rooms.add_member(secret, alice, {"username": "bob"})
    rooms.add_member(secret, alice, {"username": "mallory"})
    assert rooms.heir(secret, bob) is None

    rooms.remove_member(secret, bob, {"username": "bob"})
    rooms.remove_member(secret, alice, {"username": "mallory"})

    secret.refresh_from_db()
    assert secret.created_by == alice


def test_a_creator_leaving_alone_hands_the_room_to_nobody(alice, secret):
    assert rooms.heir(secret, alice) is None

    rooms.remove_member(secret, alice, {"username": "alice"})

    secret.refresh_from_db()
    assert secret.created_by == alice
    assert members(secret) == []
