"""Where a conversation lives (``chat.links``): each way of addressing one, and its links."""

from __future__ import annotations

import pytest

from chat.links import ADDRESSES, BY_GROUP, BY_PERSON, BY_SLUG, RoomLinks, addressed


def test_a_room_is_addressed_by_its_slug():
    links = BY_SLUG.links("lunch")

    assert links == RoomLinks(
        page="/r/lunch/",
        older="/r/lunch/messages",
        socket="/ws/r/lunch/",
        mentions="/r/lunch/mentions",
        settings="/r/lunch/settings",
        attachments="/r/lunch/attachments",
    )


def test_a_conversation_between_people_is_addressed_by_the_other_persons_username():
    links = BY_PERSON.links("bob")

    assert links == RoomLinks(
        page="/p/bob/",
        older="/p/bob/messages",
        socket="/ws/p/bob/",
        mentions="/p/bob/mentions",
        settings="/p/bob/settings",
        attachments="/p/bob/attachments",
    )


def test_a_username_keeps_the_punctuation_it_may_have():
    links = BY_PERSON.links("j.doe+chat@example")

    assert links.page == "/p/j.doe+chat@example/"
    assert links.socket == "/ws/p/j.doe+chat@example/"


def test_each_address_names_its_url_patterns_and_routes():
    assert [a.pattern("messages") for a in ADDRESSES] == [
        "r/<slug:slug>/messages",
        "p/<str:username>/messages",
        "g/<slug:group>/messages",
    ]
    assert [a.route_name("") for a in ADDRESSES] == ["room", "direct", "group"]
    assert [a.route_name("settings") for a in ADDRESSES] == [
        "room-settings",
        "direct-settings",
        "group-settings",
    ]


def test_a_routes_keyword_arguments_say_which_address_and_key():
    assert addressed({"slug": "lunch"}) == (BY_SLUG, "lunch")
    assert addressed({"username": "bob", "bot_id": 3}) == (BY_PERSON, "bob")
    assert addressed({"group": "0a1b2c3d4e"}) == (BY_GROUP, "0a1b2c3d4e")
    with pytest.raises(LookupError):
        addressed({"message_id": 3})


def test_a_group_is_keyed_by_its_slug_without_its_prefix():
    assert BY_GROUP.slug_of("0a1b2c3d4e") == "g.0a1b2c3d4e"
    assert BY_GROUP.key_of("g.0a1b2c3d4e") == "0a1b2c3d4e"
    links = BY_GROUP.links("0a1b2c3d4e")
    assert (links.page, links.socket) == ("/g/0a1b2c3d4e/", "/ws/g/0a1b2c3d4e/")
    assert (BY_GROUP.by_people, BY_GROUP.by_person) == (True, False)
