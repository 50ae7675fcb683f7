"""A conversation as one reader meets it (``chat.conversations``): its name for that
reader, decided in one place, its links, and who is in it before its room exists."""

from __future__ import annotations

import pytest

from chat.conversations import (
    NOTES_TO_SELF,
    Conversation,
    address_of,
    key_for,
    name_and_links,
    name_for,
)
from chat.links import BY_PERSON, BY_SLUG
from chat.models import Room
from chat.rooms import services as rooms

pytestmark = pytest.mark.django_db


def named(user, display_name: str):
    user.profile.display_name = display_name
    user.profile.save()
    return user


def test_a_room_is_called_by_its_title_and_addressed_by_its_slug(alice, secret):
    conversation = Conversation(alice, BY_SLUG, secret)

    assert conversation.name == "Secret plans"
    assert conversation.kind == "Private"
    assert conversation.links.page == f"/r/{secret.slug}/"
    assert conversation.links.socket == f"/ws/r/{secret.slug}/"
    assert conversation.partner is None


def test_a_conversation_is_called_by_the_other_persons_name(alice, bob):
    conversation = Conversation(alice, BY_PERSON, None, (named(bob, "Bob Builder"),))

    assert conversation.name == "Bob Builder"
    assert conversation.kind == "Direct"
    assert conversation.partner == bob


def test_a_conversation_is_addressed_by_the_other_persons_username(alice, bob):
    links = Conversation(alice, BY_PERSON, rooms.open_direct_room(alice, bob), (bob,)).links

    assert (links.page, links.older, links.socket) == ("/p/bob/", "/p/bob/messages", "/ws/p/bob/")


def test_each_of_two_people_calls_their_conversation_by_the_other(alice, bob):
    room = rooms.open_direct_room(alice, bob)

    for reader, other in [(alice, bob), (bob, alice)]:
        conversation = Conversation(reader, BY_PERSON, room, (other,))
        assert conversation.name == other.username
        assert conversation.links.page == f"/p/{other.username}/"


def test_my_notes_are_notes_to_self_at_my_own_name(alice):
    conversation = Conversation(alice, BY_PERSON, None)

    assert conversation.name == "Notes to self"
    assert conversation.links.page == "/p/alice/"
    assert conversation.partner == alice
    assert conversation.people == [alice]


def test_before_its_room_exists_a_conversation_lists_both_people(alice, bob):
    assert Conversation(bob, BY_PERSON, None, (alice,)).people == [alice, bob]


def test_the_one_rule_for_names():
    assert name_for(BY_SLUG, "Lunch", ["bob"]) == "Lunch"  # a room's others do not name it
    assert name_for(BY_PERSON, "alice & bob", ["Bob Builder"]) == "Bob Builder"
    assert name_for(BY_PERSON, "Notes", []) == NOTES_TO_SELF
    # Three people or more (the next kind of conversation) are named by the others.
    assert name_for(BY_PERSON, "", ["bob", "carol"]) == "bob, carol"


def test_the_one_rule_for_keys():
    assert key_for(BY_SLUG, "lunch", ["bob"], "alice") == "lunch"
    assert key_for(BY_PERSON, "dm.1.2", ["bob"], "alice") == "bob"
    assert key_for(BY_PERSON, "dm.1.1", [], "alice") == "alice"


def test_lists_name_and_link_rooms_by_the_same_rules(alice, bob, lunch):
    direct = rooms.open_direct_room(alice, bob)

    assert address_of(lunch) is BY_SLUG
    assert address_of(direct) is BY_PERSON
    assert name_and_links(lunch, "alice", [])[0] == "Lunch"
    name, links = name_and_links(direct, "alice", [("bob", "Bob Builder")])
    assert (name, links.page) == ("Bob Builder", "/p/bob/")
    notes = Room(slug="dm.1.1", title="Notes", kind=Room.Kind.DIRECT)
    name, links = name_and_links(notes, "alice", [])
    assert (name, links.page) == ("Notes to self", "/p/alice/")
