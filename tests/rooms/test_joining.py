"""Who belongs to a public room by their own choice (``chat.rooms.joining``): joining,
leaving, joining by writing, and who may create rooms with whom."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from chat.broadcast import events
from chat.errors import Forbidden, Invalid, Missing, NotFound
from chat.messages import edits
from chat.models import Membership, Profile, Room
from chat.rooms import joining, lobby
from chat.rooms import services as rooms
from tests.support.attachments import attach
from tests.support.bots import make_bot
from tests.support.events import record_events
from tests.support.files import png
from tests.support.joining import join
from tests.support.messages import said, say

pytestmark = pytest.mark.django_db


def is_member(room: Room, person) -> bool:
    return Membership.objects.filter(room=room, user=person).exists()


def my_room_ids(person) -> set[int]:
    groups, directs = lobby.my_rooms(person)
    return {entry.room.id for entry in groups + directs}


# --- joining --------------------------------------------------------------------------------


def test_reading_a_public_room_joins_nobody(bob, lunch):
    assert rooms.readable_room(bob, "lunch") == lunch

    assert not is_member(lunch, bob)
    assert lunch.id not in my_room_ids(bob)


def test_joining_puts_the_room_in_my_lobby_and_tells_my_lobbies(bob, lunch, monkeypatch):
    sent = record_events(monkeypatch)

    assert joining.join_room(lunch, bob) is True

    assert is_member(lunch, bob)
    assert lunch.id in my_room_ids(bob)
    assert {"type": events.LOBBY_CHANGED, "joined": lunch.id} in [
        {k: v for k, v in event.items() if k in ("type", "joined")} for event in sent
    ]
    assert any(event["type"] == events.MEMBERS for event in sent)  # the members list again


def test_what_was_said_before_joining_is_not_unread(alice, bob, lunch):
    say(lunch, alice, "one", "two")

    join(bob, "lunch")
    [entry] = [e for e in lobby.my_rooms(bob)[0] if e.room.id == lunch.id]
    assert entry.unread == 0
    say(lunch, alice, "three")
    [entry] = [e for e in lobby.my_rooms(bob)[0] if e.room.id == lunch.id]
    assert entry.unread == 1


def test_joining_twice_changes_nothing(bob, lunch, monkeypatch):
    joining.join_room(lunch, bob)
    sent = record_events(monkeypatch)

    assert joining.join_room(lunch, bob) is False

    assert sent == []
    assert Membership.objects.filter(room=lunch, user=bob).count() == 1


def test_a_private_room_is_not_joined_but_joined_already(alice, secret):
    assert joining.join_room(secret, alice) is False


def test_a_private_room_stays_unreadable_to_outsiders(mallory, secret):
    with pytest.raises(NotFound):
        join(mallory, secret.slug)
    assert not is_member(secret, mallory)


# --- writing joins, reacting does not -------------------------------------------------------


def test_writing_in_a_public_room_joins_it(alice, bob, lunch, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as announced:
        said(lunch, bob, "hello all")

    assert is_member(lunch, bob)
    assert len(announced) == 1  # the lobbies and the members list hear of it once committed


def test_writing_again_announces_nothing(bob, lunch, django_capture_on_commit_callbacks):
    join(bob, "lunch")

    with django_capture_on_commit_callbacks() as announced:
        said(lunch, bob, "again")

    assert announced == []


def test_a_refused_message_joins_nobody(bob, lunch):
    with pytest.raises(Invalid):
        say(lunch, bob, "   ")

    assert not is_member(lunch, bob)


def test_sending_a_file_joins_the_room(bob, lunch, media_root):
    attach(lunch, bob, "photo.png", png(40, 30))

    assert is_member(lunch, bob)


def test_reacting_joins_nobody(alice, bob, lunch):
    message = said(lunch, alice, "soup?")

    edits.toggle_reaction(bob, message.id, {"emoji": "👍"})

    assert not is_member(lunch, bob)


# --- leaving --------------------------------------------------------------------------------


def test_leaving_a_public_room_takes_it_out_of_my_lobby_and_keeps_it_readable(
    bob, lunch, monkeypatch
):
    join(bob, "lunch")
    sent = record_events(monkeypatch)

    joining.leave_room(lunch, bob)

    assert not is_member(lunch, bob)
    assert lunch.id not in my_room_ids(bob)
    assert rooms.readable_room(bob, "lunch") == lunch
    left = [event for event in sent if event.get("left") == lunch.id]
    assert [event["type"] for event in left] == [events.LOBBY_CHANGED]
    # Their pages of the room stay open: no "membership ended" closes them.
    assert not any(event["type"] == events.MEMBERSHIP_ENDED for event in sent)
    assert any(event["type"] == events.MEMBERS for event in sent)


def test_the_bots_a_leaver_made_for_a_public_room_go_with_them(bob, lunch):
    join(bob, "lunch")
    bot, _token = make_bot(lunch, bob)

    joining.leave_room(lunch, bob)

    bot.refresh_from_db()
    assert bot.revoked_at is not None
    assert not is_member(lunch, bot.user)


def test_leaving_a_public_room_one_is_not_in_is_refused(bob, lunch):
    with pytest.raises(Missing):
        joining.leave_room(lunch, bob)


def test_the_creator_may_leave_a_public_room_too(alice, lunch):
    joining.leave_room(lunch, alice)

    assert not is_member(lunch, alice)
    assert Room.objects.filter(pk=lunch.pk).exists()


def test_leaving_a_private_room_is_leaving_it_as_its_members_panel_does(
    alice, bob, secret, monkeypatch
):
    rooms.add_member(secret, alice, {"username": "bob"})
    sent = record_events(monkeypatch)

    joining.leave_room(secret, bob)

    assert not is_member(secret, bob)
    assert {"room": secret.id, "type": events.MEMBERSHIP_ENDED} in [
        {k: v for k, v in event.items() if k in ("type", "room")} for event in sent
    ]
    with pytest.raises(NotFound):
        rooms.readable_room(bob, secret.slug)


def test_a_conversation_between_people_cannot_be_left(alice, bob):
    room = rooms.open_direct_room(alice, bob)

    with pytest.raises(Forbidden):
        joining.leave_room(room, alice)
    assert is_member(room, alice)


# --- who may create rooms -------------------------------------------------------------------


def test_everyone_may_create_rooms_by_default(bob):
    assert rooms.may_create_rooms(bob)
    assert rooms.create_room(bob, {"title": "Tea", "kind": "public"}).slug == "tea"


def test_only_staff_create_rooms_when_so_set(settings, bob, admin):
    settings.CHAT_ROOM_CREATION = "staff"

    assert not rooms.may_create_rooms(bob)
    with pytest.raises(Forbidden) as refused:
        rooms.create_room(bob, {"title": "Tea", "kind": "public"})
    assert refused.value.message == rooms.ONLY_STAFF_CREATE
    assert not Room.objects.filter(slug="tea").exists()

    assert rooms.may_create_rooms(admin)
    assert rooms.create_room(admin, {"title": "Tea", "kind": "public"}).slug == "tea"


# --- members chosen at creation -------------------------------------------------------------


def plans(creator, members: str, kind: str = "private") -> Room:
    return rooms.create_room(creator, {"title": "Plans", "kind": kind, "members": members})


def members_of(room: Room) -> set[str]:
    return set(room.memberships.values_list("user__username", flat=True))


def test_a_private_room_starts_with_the_members_named(alice, bob, mallory, monkeypatch):
    sent = record_events(monkeypatch)

    room = plans(alice, "bob, @mallory")

    assert members_of(room) == {"alice", "bob", "mallory"}
    joined = {e["group"] for e in sent if e["type"] == events.LOBBY_CHANGED}
    assert len(joined) == 3  # each of them hears of it in their lobby, live


def test_names_may_be_separated_by_spaces_and_repeated_and_include_the_creator(alice, bob):
    room = plans(alice, "Bob  bob\nalice")

    assert members_of(room) == {"alice", "bob"}


def test_the_creator_is_a_member_without_naming_anyone(alice):
    assert members_of(plans(alice, "")) == {"alice"}


def test_unknown_names_are_refused_with_the_form_kept(alice, bob):
    with pytest.raises(Invalid) as refused:
        plans(alice, "bob, nobody, ghost")

    assert refused.value.form["members"].errors == ["There is nobody called “nobody”, “ghost”."]
    assert refused.value.form["members"].value() == "bob, nobody, ghost"
    assert not Room.objects.filter(title="Plans").exists()


def test_bots_are_refused(alice, bob, make_user):
    helper = make_user("helper")
    Profile.objects.update_or_create(user=helper, defaults={"is_bot": True})

    with pytest.raises(Invalid) as refused:
        plans(alice, "bob, helper")

    assert "helper is a bot" in refused.value.form["members"].errors[0]
    assert not Room.objects.filter(title="Plans").exists()


def test_members_are_chosen_for_private_rooms_only(alice, bob):
    with pytest.raises(Invalid) as refused:
        plans(alice, "bob", kind="public")

    assert refused.value.form["members"].errors == [rooms.MEMBERS_OF_PRIVATE_ROOMS]


def test_too_many_names_are_refused(alice):
    names = ", ".join(f"person{n}" for n in range(51))

    with pytest.raises(Invalid) as refused:
        plans(alice, names)

    assert "at most 50" in refused.value.form["members"].errors[0]
    assert get_user_model().objects.count() == 1
