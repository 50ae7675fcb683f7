"""Finding a conversation for a reader (``chat.rooms.conversations``): by slug or by the
other person's username, under the read rule."""

from __future__ import annotations

import pytest

from chat.bots import services as bots
from chat.errors import NotFound
from chat.links import BY_PERSON, BY_SLUG
from chat.models import Membership
from chat.rooms import conversations
from chat.rooms import services as rooms

pytestmark = pytest.mark.django_db


def find(reader, **route):
    return conversations.conversation(reader, route, begun=False)


def test_a_room_is_found_by_its_slug(mallory, lunch):
    found = find(mallory, slug="lunch")

    assert (found.address, found.room, found.name) == (BY_SLUG, lunch, "Lunch")


def test_a_private_room_is_not_found_by_an_outsider_as_if_it_did_not_exist(mallory, secret):
    with pytest.raises(NotFound) as hidden:
        find(mallory, slug=secret.slug)
    with pytest.raises(NotFound) as missing:
        find(mallory, slug="no-such-room")

    assert hidden.value.message == missing.value.message


def test_a_direct_room_is_never_found_by_its_slug(alice, bob):
    room = rooms.open_direct_room(alice, bob)

    with pytest.raises(NotFound):
        find(alice, slug=room.slug)


def test_finding_a_public_room_joins_nobody(bob, lunch):
    found = find(bob, slug="lunch")

    assert found.room == lunch
    assert not Membership.objects.filter(room=lunch, user=bob).exists()


def test_a_conversation_nobody_wrote_in_waits_for_its_first_message(alice, bob):
    waiting = find(alice, username="bob")
    assert (waiting.address, waiting.room, waiting.partner) == (BY_PERSON, None, bob)
    with pytest.raises(NotFound):
        conversations.conversation(alice, {"username": "bob"})  # begun only

    room = conversations.begin(waiting)

    assert find(alice, username="bob").room == room
    assert find(bob, username="alice").room == room


def test_a_third_person_finds_their_own_conversation_never_the_pairs(alice, bob, mallory):
    room = rooms.open_direct_room(alice, bob)

    assert find(mallory, username="bob").room is None
    assert find(mallory, username="alice").room is None
    assert find(alice, username="bob").room == room


@pytest.mark.parametrize("username", ["nobody", "helper"])
def test_nobody_and_a_bot_have_no_conversation(alice, lunch, username):
    bots.create_bot(lunch, alice, {"name": "helper"})

    with pytest.raises(NotFound):
        find(alice, username=username)


def test_a_room_as_a_reader_addresses_it(alice, bob, lunch):
    direct = rooms.open_direct_room(alice, bob)

    assert conversations.conversation_of(lunch, bob).links.page == "/r/lunch/"
    assert conversations.conversation_of(direct, alice).links.page == "/p/bob/"
    assert conversations.conversation_of(direct, bob).name == "alice"
    notes = rooms.open_direct_room(alice, alice)
    assert conversations.conversation_of(notes, alice).links.page == "/p/alice/"
