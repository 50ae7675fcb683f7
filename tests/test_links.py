"""Where a room lives (``chat.links``): its page, its older messages and its socket."""

from __future__ import annotations

from chat.links import RoomLinks, direct_links, group_room_links, route_links


def test_group_room_links_are_addressed_by_slug():
    links = group_room_links("lunch")

    assert links == RoomLinks(
        page="/r/lunch/",
        older="/r/lunch/messages",
        socket="/ws/r/lunch/",
        mentions="/r/lunch/mentions",
        settings="/r/lunch/settings",
        attachments="/r/lunch/attachments",
    )


def test_direct_links_are_addressed_by_the_other_persons_username():
    links = direct_links("bob")

    assert links == RoomLinks(
        page="/p/bob/",
        older="/p/bob/messages",
        socket="/ws/p/bob/",
        mentions="/p/bob/mentions",
        settings="/p/bob/settings",
        attachments="/p/bob/attachments",
    )


def test_direct_links_keep_the_punctuation_a_username_may_have():
    links = direct_links("j.doe+chat@example")

    assert links.page == "/p/j.doe+chat@example/"
    assert links.socket == "/ws/p/j.doe+chat@example/"


def test_older_than_asks_for_the_messages_before_one():
    assert group_room_links("lunch").older_than(5) == "/r/lunch/messages?before=5"


def test_older_than_in_a_direct_conversation():
    assert direct_links("bob").older_than(12) == "/p/bob/messages?before=12"


def test_route_links_of_a_slug_are_the_group_rooms():
    assert route_links(slug="lunch") == group_room_links("lunch")


def test_route_links_of_a_username_are_the_direct_conversations():
    assert route_links(username="bob") == direct_links("bob")
