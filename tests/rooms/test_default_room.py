"""The room every new account joins (``CHAT_DEFAULT_ROOM``, ``chat.rooms.joining``): made
when first needed, once, however many people sign up at the same moment."""

from __future__ import annotations

import threading

import pytest
from django.utils import timezone

from chat.models import Membership, Room
from chat.people import accounts, invitations
from chat.rooms import joining
from tests.support.invitations import invite
from tests.support.races import at_once, raised
from tests.support.signups import ADDRESS, signup_data

pytestmark = pytest.mark.django_db


def rooms_of(user) -> list[str]:
    return list(Membership.objects.filter(user=user).values_list("room__slug", flat=True))


def test_signing_up_joins_general_made_when_first_needed():
    assert not Room.objects.exists()

    carol = accounts.sign_up(signup_data("carol"), ADDRESS)

    room = Room.objects.get(slug="general")
    assert (room.title, room.kind, room.created_by) == ("General", Room.Kind.PUBLIC, None)
    assert rooms_of(carol) == ["general"]


def test_the_next_account_joins_the_same_room():
    carol = accounts.sign_up(signup_data("carol"), ADDRESS)
    dave = accounts.sign_up(signup_data("dave"), ADDRESS)

    assert Room.objects.count() == 1
    assert rooms_of(carol) == rooms_of(dave) == ["general"]


def test_a_room_already_at_that_address_is_joined(alice):
    general = joining.rooms.create_room(alice, {"title": "General", "kind": "public"})

    carol = accounts.sign_up(signup_data("carol"), ADDRESS)

    assert Room.objects.count() == 1
    assert rooms_of(carol) == [general.slug]


def test_none_when_set_to_nothing(settings):
    settings.CHAT_DEFAULT_ROOM = ""

    carol = accounts.sign_up(signup_data("carol"), ADDRESS)

    assert rooms_of(carol) == []
    assert not Room.objects.exists()


def test_a_name_of_its_own(settings):
    settings.CHAT_DEFAULT_ROOM = "Team room"

    carol = accounts.sign_up(signup_data("carol"), ADDRESS)

    room = Room.objects.get()
    assert (room.slug, room.title) == ("team-room", "Team room")
    assert rooms_of(carol) == ["team-room"]


def test_an_archived_default_room_is_joined_by_nobody(alice):
    general = joining.default_room()
    Room.objects.filter(pk=general.pk).update(archived_at=timezone.now())

    carol = accounts.sign_up(signup_data("carol"), ADDRESS)

    assert rooms_of(carol) == []


def test_signing_up_by_invitation_joins_it_too(settings, alice):
    settings.CHAT_SIGNUP = "invite"
    _invitation, token = invite(alice)

    carol = invitations.join(token, signup_data("carol"), ADDRESS)

    assert rooms_of(carol) == ["general"]


def test_welcome_is_what_first_run_setup_calls(alice):
    room = joining.welcome_to_default_room(alice)

    assert room.slug == "general"
    assert rooms_of(alice) == ["general"]
    assert joining.welcome_to_default_room(alice) == room  # twice: still one membership
    assert Membership.objects.filter(user=alice).count() == 1


def race(monkeypatch, *runs) -> list:
    """Run each of ``runs`` in a thread of its own, all of them looking for the default
    room, and finding none, before any makes it; what each returned (errors fail)."""
    both_looked = threading.Barrier(len(runs), timeout=10)
    looked = threading.local()
    real_filter = Room.objects.filter

    def filter_then_wait(*args, **kwargs):
        found = real_filter(*args, **kwargs)
        if kwargs == {"slug": "general"} and not getattr(looked, "done", False):
            looked.done = True
            len(found)  # looked now (the answer is kept), then wait for the others
            both_looked.wait()
        return found

    monkeypatch.setattr(Room.objects, "filter", filter_then_wait)
    outcomes = at_once(*runs)
    monkeypatch.undo()  # the test's own lookups wait for nobody
    assert raised(outcomes) == []
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_welcomes_at_once_make_one_room(monkeypatch, alice, bob):
    # The unique address, not timing, keeps the room single, and both end up in it.
    made = race(
        monkeypatch,
        lambda: joining.welcome_to_default_room(alice),
        lambda: joining.welcome_to_default_room(bob),
    )

    assert Room.objects.filter(slug="general").count() == 1
    assert {room.id for room in made} == {Room.objects.get(slug="general").id}
    assert rooms_of(alice) == rooms_of(bob) == ["general"]


# SQLite lets one transaction write at a time: the first sign-up's account holds the
# database until it commits, so the second cannot look before the first makes the room.
@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_two_first_sign_ups_at_once_make_one_room(monkeypatch):
    made = race(
        monkeypatch,
        lambda: accounts.sign_up(signup_data("carol"), "203.0.113.7"),
        lambda: accounts.sign_up(signup_data("dave"), "203.0.113.8"),
    )

    assert Room.objects.filter(slug="general").count() == 1
    assert [rooms_of(person) for person in made] == [["general"], ["general"]]
