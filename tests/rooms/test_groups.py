"""Group conversations (``chat.rooms.groups``, ``chat.rooms.people_keys``): the same set of
people finds the same room, safe against two starting it at once; anyone in it adds a
person or leaves, and its key follows its people."""

from __future__ import annotations

import hashlib
import threading

import pytest

from chat.errors import Forbidden, Invalid, NotFound
from chat.links import BY_GROUP
from chat.models import Membership, Room
from chat.rooms import conversations, groups, people_keys, switcher
from chat.rooms import services as rooms
from chat.rooms.people_keys import people_key
from tests.support.bots import make_bot
from tests.support.groups import names
from tests.support.races import at_once, meet_before_writing, raised

pytestmark = pytest.mark.django_db


@pytest.fixture
def dave(db, make_user):
    return make_user("dave")


def usernames(room: Room) -> list[str]:
    return sorted(room.memberships.values_list("user__username", flat=True))


def test_people_key_is_the_sha256_of_the_sorted_ids():
    expected = hashlib.sha256(b"2,5,11").hexdigest()

    assert people_key([11, 2, 5, 5]) == expected


def test_start_with_two_others_makes_a_group_of_three(alice, bob, carol):
    room = groups.start(alice, names(["bob", "carol"]))

    assert room.kind == Room.Kind.GROUP
    assert usernames(room) == ["alice", "bob", "carol"]
    assert room.people_key == people_key([alice.pk, bob.pk, carol.pk])
    assert room.slug.startswith("g.") and len(room.slug) == 12


def test_the_same_set_of_people_finds_the_same_group_in_any_order(alice, bob, carol):
    first = groups.start(alice, names(["bob", "carol"]))
    again = groups.start(carol, names(["alice", "bob"]))
    reordered = groups.start(bob, names(["CAROL", " alice ", "carol"]))

    assert first == again == reordered
    assert Room.objects.filter(kind=Room.Kind.GROUP).count() == 1


def test_start_with_one_person_is_the_pair_and_makes_nothing(alice, bob):
    assert groups.start(alice, names(["bob", "", "alice"])) == bob
    assert groups.start(alice, names(["alice"])) == alice
    assert not Room.objects.exists()


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ([], "Type a username."),
        (["bob", "ghost"], "There is nobody called “ghost”."),
        (["bob", "ghost", "nobody"], "There is nobody called “ghost”, “nobody”."),
    ],
)
def test_start_refuses_names_it_cannot_find(alice, bob, typed, error):
    with pytest.raises(Invalid) as refused:
        groups.start(alice, names(typed))

    assert refused.value.form.errors["username"] == [error]
    assert not Room.objects.exists()


def test_bots_have_no_place_in_a_group(alice, bob, lunch):
    bot, _token = make_bot(lunch, alice)

    with pytest.raises(Invalid) as refused:
        groups.start(alice, names(["bob", bot.user.username]))

    assert "bots answer in their own rooms" in refused.value.form.errors["username"][0]
    assert not Room.objects.filter(kind=Room.Kind.GROUP).exists()


def test_anyone_in_a_group_adds_a_person_and_the_key_follows(alice, bob, carol, dave):
    room = groups.start(alice, names(["bob", "carol"]))

    rooms.add_member(room, bob, {"username": "dave"})

    room.refresh_from_db()
    assert usernames(room) == ["alice", "bob", "carol", "dave"]
    assert room.people_key == people_key([alice.pk, bob.pk, carol.pk, dave.pk])
    assert groups.start(dave, names(["alice", "bob", "carol"])) == room


def test_a_bot_cannot_be_added_to_a_group(alice, bob, carol, lunch):
    room = groups.start(alice, names(["bob", "carol"]))
    bot, _token = make_bot(lunch, alice)

    with pytest.raises(Invalid) as refused:
        rooms.add_member(room, alice, {"username": bot.user.username})

    assert "bots have no place" in refused.value.form.errors["username"][0]
    assert not Membership.objects.filter(room=room, user=bot.user).exists()


def test_anyone_leaves_a_group_and_the_key_follows_those_who_stay(alice, bob, carol, dave):
    room = groups.start(alice, names(["bob", "carol", "dave"]))

    rooms.remove_member(room, carol, {"username": "carol"})

    room.refresh_from_db()
    assert usernames(room) == ["alice", "bob", "dave"]
    assert room.people_key == people_key([alice.pk, bob.pk, dave.pk])
    assert room.kind == Room.Kind.GROUP


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_leaving_at_once_leave_the_key_of_those_who_stay(alice, bob, carol, dave, monkeypatch):
    # Carol's rekey has read the members (dave still among them) when dave leaves and
    # rekeys: his must wait for hers, and then read both departures. Without the room's
    # lock, dave's finishes first and carol's stale key is written last. Carol's waits for
    # dave's for at most two seconds: with the lock it cannot come.
    room = groups.start(alice, names(["bob", "carol", "dave"]))
    carol_read, dave_done = threading.Event(), threading.Event()
    in_carols = threading.local()
    title_of = people_keys.title_of

    def title_then_wait(people):
        if getattr(in_carols, "rekey", False):
            carol_read.set()
            dave_done.wait(2)
        return title_of(people)

    monkeypatch.setattr(people_keys, "title_of", title_then_wait)

    def carol_leaves():
        in_carols.rekey = True
        return rooms.remove_member(room, carol, {"username": "carol"})

    def dave_leaves():
        carol_read.wait(10)
        left = rooms.remove_member(room, dave, {"username": "dave"})
        dave_done.set()
        return left

    assert at_once(carol_leaves, dave_leaves) == [carol, dave]

    room.refresh_from_db()
    assert room.people_key == people_key([alice.pk, bob.pk])
    assert room.title == people_keys.title_of([alice, bob])


def test_nobody_removes_another_from_a_group(alice, bob, carol):
    room = groups.start(alice, names(["bob", "carol"]))

    with pytest.raises(Forbidden):
        rooms.remove_member(room, alice, {"username": "bob"})

    assert usernames(room) == ["alice", "bob", "carol"]


def test_a_group_of_two_left_stays_a_group_apart_from_the_pair(alice, bob, carol):
    room = groups.start(alice, names(["bob", "carol"]))

    rooms.remove_member(room, carol, {"username": "carol"})

    room.refresh_from_db()
    assert room.kind == Room.Kind.GROUP
    assert rooms.find_direct_room(alice, bob) is None
    assert groups.start(alice, names(["bob"])) == bob


def test_a_group_whose_people_match_another_gives_up_its_key(alice, bob, carol, dave):
    three = groups.start(alice, names(["bob", "carol"]))
    four = groups.start(alice, names(["bob", "carol", "dave"]))

    rooms.remove_member(four, dave, {"username": "dave"})

    four.refresh_from_db()
    three.refresh_from_db()
    assert four.people_key is None
    assert three.people_key == people_key([alice.pk, bob.pk, carol.pk])
    assert groups.start(bob, names(["alice", "carol"])) == three
    assert four.messages.count() == 0 and Room.objects.filter(pk=four.pk).exists()


def test_the_title_names_everyone_in_it(alice, bob, carol, dave):
    room = groups.start(alice, names(["carol", "bob"]))
    assert room.title == "alice, bob, carol"

    rooms.add_member(room, alice, {"username": "dave"})

    room.refresh_from_db()
    assert room.title == "alice, bob, carol, dave"


def test_a_group_is_found_by_its_key_only_by_its_people(alice, bob, carol, mallory):
    room = groups.start(alice, names(["bob", "carol"]))
    key = BY_GROUP.key_of(room.slug)

    found = conversations.conversation(bob, {"group": key})
    assert found.room == room
    assert found.name == "alice, carol"
    assert found.links.page == f"/g/{key}/"
    with pytest.raises(NotFound):
        conversations.conversation(mallory, {"group": key})
    with pytest.raises(NotFound):
        conversations.conversation(alice, {"group": "0000000000"})
    with pytest.raises(NotFound):
        rooms.readable_room(alice, room.slug)


def test_a_group_is_left_out_of_moderation_and_bots(alice, bob, carol):
    room = groups.start(alice, names(["bob", "carol"]))

    assert not rooms.may_moderate(room, alice)
    assert not rooms.may_remove_others(room, alice)


@pytest.mark.django_db(transaction=True)
def test_two_starting_the_same_group_at_once_make_one_room(alice, bob, carol, monkeypatch):
    # Both pass the "does it exist?" lookup before either creates: the unique key, not
    # timing, must then keep the group single.
    meet_before_writing(monkeypatch, groups)

    opened = at_once(
        lambda: groups.open_group_room(alice, [bob, carol]),
        lambda: groups.open_group_room(carol, [bob, alice]),
    )

    assert raised(opened) == []
    assert len({room.id for room in opened}) == 1
    assert Room.objects.filter(kind=Room.Kind.GROUP).count() == 1
    assert Membership.objects.filter(room=opened[0]).count() == 3


def test_the_switcher_finds_a_group_by_its_peoples_names(alice, bob, carol, mallory):
    room = groups.start(alice, names(["bob", "carol"]))

    found = switcher.choices(bob, "carol")

    assert [(c.name, c.url, c.detail) for c in found.rooms] == [
        ("alice, bob, carol", f"/g/{BY_GROUP.key_of(room.slug)}/", "group")
    ]
    assert switcher.choices(mallory, "carol").rooms == []
