"""Muting (``chat.people.mutes``): who may mute whom, and what a mute holds back for the
muter alone: the pair conversation's counts and its place in the lobby and the sidebar,
notifications; and that unmuting gives it all back."""

from __future__ import annotations

import threading

import pytest

from chat.bots import services as bots
from chat.broadcast import events, fanout, notifications
from chat.errors import Forbidden, NotFound
from chat.models import Mention, Mute
from chat.people import mutes
from chat.rooms import lobby, switcher
from tests.support.events import record_events
from tests.support.joining import join
from tests.support.messages import say, write_to
from tests.support.races import at_once

pytestmark = pytest.mark.django_db


def recipients_of(message) -> list[int]:
    return notifications.recipients(message, list(Mention.objects.filter(message=message)))


# --- who may mute whom ---------------------------------------------------------------------


def test_muting_someone_records_it_for_the_muter_alone(alice, bob):
    mutes.mute(alice, "bob")

    assert mutes.is_muted(alice, bob)
    assert not mutes.is_muted(bob, alice)
    assert mutes.muted_ids(alice) == [bob.pk]
    assert mutes.muted_ids(bob) == []


def test_muting_twice_keeps_one_mute(alice, bob):
    mutes.mute(alice, "bob")
    mutes.mute(alice, "bob")

    assert Mute.objects.filter(user=alice, muted=bob).count() == 1


def test_nobody_can_mute_themselves(alice):
    with pytest.raises(Forbidden) as refusal:
        mutes.mute(alice, "alice")

    assert refusal.value.message == mutes.NOT_YOURSELF
    assert not Mute.objects.exists()


def test_muting_nobody_is_not_found(alice):
    with pytest.raises(NotFound):
        mutes.mute(alice, "ghost")
    with pytest.raises(NotFound):
        mutes.unmute(alice, "ghost")


def test_a_bot_may_be_muted(alice, lunch):
    bot, _token = bots.create_bot(lunch, alice, {"name": "Reminder"})

    mutes.mute(alice, bot.user.get_username())

    assert mutes.muted_ids(alice) == [bot.user.pk]


def test_unmuting_forgets_the_mute_and_unmuting_again_is_no_change(alice, bob):
    mutes.mute(alice, "bob")

    mutes.unmute(alice, "bob")
    mutes.unmute(alice, "bob")

    assert not mutes.is_muted(alice, bob)


# --- their direct messages are held back ---------------------------------------------------


def _entry(user, room):
    _groups, directs = lobby.my_rooms(user)
    [entry] = [e for e in directs if e.room.pk == room.pk]
    return entry


def test_a_muted_persons_conversation_counts_nothing_and_is_listed_apart(alice, bob):
    room, _ = write_to(bob, alice, "hello")
    say(room, bob, "are you there?")
    mutes.mute(alice, "bob")

    _groups, directs = lobby.my_rooms(alice)
    shown, held = lobby.held_apart(directs)

    assert [e.room.pk for e in held] == [room.pk]
    assert shown == []
    assert lobby.unread_total(directs) == 0
    assert lobby.sidebar(alice, "/")["sidebar_directs"] == []


def test_the_muted_person_still_sees_the_conversation_as_before(alice, bob):
    room, _ = write_to(alice, bob, "hello")
    mutes.mute(alice, "bob")

    entry = _entry(bob, room)

    assert not entry.held
    assert entry.counted == 1


def test_unmuting_gives_back_the_conversation_and_its_unread_count(alice, bob):
    room, _ = write_to(bob, alice, "hello")
    mutes.mute(alice, "bob")
    say(room, bob, "while muted")

    mutes.unmute(alice, "bob")

    entry = _entry(alice, room)
    assert not entry.held
    assert entry.counted == 2


def test_muting_and_unmuting_recount_the_muters_lobbies_and_tell_nobody_else(
    alice, bob, monkeypatch
):
    room, _ = write_to(bob, alice, "hello")
    sent = record_events(monkeypatch)

    mutes.mute(alice, "bob")
    mutes.unmute(alice, "bob")

    assert [(e["group"], e["type"], e["read"]) for e in sent] == [
        (fanout.user_group(alice.pk), events.LOBBY_CHANGED, room.pk)
    ] * 2


def test_a_group_room_is_not_held_back(alice, bob, lunch):
    join(bob, "lunch")
    say(lunch, bob, "soup today")
    mutes.mute(alice, "bob")

    [entry], _directs = lobby.my_rooms(alice)

    assert not entry.held
    assert entry.counted == 1


# --- no notification of theirs reaches the muter -------------------------------------------


def test_a_muted_persons_direct_message_notifies_nobody(alice, bob):
    room, _ = write_to(alice, bob, "hello")
    mutes.mute(alice, "bob")

    [message] = say(room, bob, "ping")

    assert recipients_of(message) == []


def test_a_muted_persons_mention_in_a_room_notifies_the_muter_only_not(alice, bob, carol, lunch):
    join(bob, "lunch")
    join(carol, "lunch")
    mutes.mute(alice, "bob")

    [message] = say(lunch, bob, "@alice @carol lunch?")

    assert recipients_of(message) == [carol.pk]


def test_unmuting_lets_notifications_through_again(alice, bob):
    room, _ = write_to(alice, bob, "hello")
    mutes.mute(alice, "bob")
    mutes.unmute(alice, "bob")

    [message] = say(room, bob, "ping")

    assert recipients_of(message) == [alice.pk]


def test_muting_the_other_way_round_changes_nothing_for_the_muter(alice, bob):
    room, _ = write_to(alice, bob, "hello")
    mutes.mute(bob, "alice")

    [message] = say(room, bob, "ping")

    assert recipients_of(message) == [alice.pk]


# --- the switcher ---------------------------------------------------------------------------


def test_the_switcher_offers_a_muted_person_only_when_asked_by_name(alice, bob):
    write_to(alice, bob, "hello")
    mutes.mute(alice, "bob")

    unasked = switcher.choices(alice, "")
    asked = switcher.choices(alice, "bo")

    assert unasked.people == []
    assert [choice.detail for choice in asked.people] == ["@bob"]
    assert [c.detail for c in switcher.choices(bob, "").people] == ["@alice"]


# --- at the same moment -------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_muting_from_two_tabs_at_once_keeps_one_mute_and_refuses_neither(alice, bob, monkeypatch):
    both_found = threading.Barrier(2, timeout=10)
    find = mutes._person

    def found_then_wait(username):
        person = find(username)
        both_found.wait()  # each has found bob before either inserts
        return person

    monkeypatch.setattr(mutes, "_person", found_then_wait)
    outcomes = at_once(lambda: mutes.mute(alice, "bob"), lambda: mutes.mute(alice, "bob"))

    assert outcomes == [bob, bob]
    assert Mute.objects.filter(user=alice, muted=bob).count() == 1
