"""Joining and leaving over HTTP (``/r/<slug>/join``, ``/r/<slug>/leave``,
``chat.views.joining``), the room page's Join bar, and the lobby's new-room form (staff
only when so set; members chosen for a private room)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from chat.models import Membership, Message, Room
from chat.rooms import services as rooms
from tests.support.joining import join
from tests.support.messages import HTMX

pytestmark = pytest.mark.django_db

JOIN_BAR = '<div id="membership" class="membership join-bar">'
LEAVE_PUBLIC = '<button type="submit" class="leave-room"'


def is_member(room: Room, person) -> bool:
    return Membership.objects.filter(room=room, user=person).exists()


# --- the room page --------------------------------------------------------------------------


def test_a_visitor_sees_the_join_bar_and_is_not_listed_nor_joined(login, alice, bob, lunch):
    html = login(bob).get("/r/lunch/").content.decode()

    assert JOIN_BAR in html
    offer = "Join it to keep it in your lobby and sidebar, with unread counts and notifications."
    assert offer in html
    assert '<form method="post" action="/r/lunch/join"' in html
    assert "Members (1)" in html
    assert 'href="/u/bob/"' not in html.split('id="members"')[1].split("</div>")[0]
    assert not is_member(lunch, bob)


def test_a_member_sees_leave_and_no_join_bar(login, alice, lunch):
    html = login(alice).get("/r/lunch/").content.decode()

    assert JOIN_BAR not in html
    assert '<form method="post" action="/r/lunch/leave"' in html
    assert LEAVE_PUBLIC in html


def test_a_private_room_leaves_through_are_you_sure(login, alice, secret):
    html = login(alice).get(f"/r/{secret.slug}/").content.decode()

    assert JOIN_BAR not in html
    assert f'<a class="leave-room" href="/r/{secret.slug}/members/remove?username=alice">' in html


def test_a_conversation_between_people_has_neither(login, alice, bob):
    html = login(alice).get("/p/bob/").content.decode()

    assert 'id="membership"' not in html


def test_visiting_marks_nothing_read_for_a_visitor(login, alice, bob, lunch):
    Message.objects.create(room=lunch, author=alice, body="hi", html="<p>hi</p>", revision=1)

    login(bob).get("/r/lunch/")

    assert not Membership.objects.filter(user=bob).exists()


# --- join -----------------------------------------------------------------------------------


def test_join_without_javascript_redirects_back_to_the_room(login, bob, lunch):
    response = login(bob).post("/r/lunch/join")

    assert (response.status_code, response["Location"]) == (302, "/r/lunch/")
    assert is_member(lunch, bob)
    html = login(bob).get("/r/lunch/").content.decode()
    assert JOIN_BAR not in html and LEAVE_PUBLIC in html
    assert "Members (2)" in html


def test_join_with_htmx_answers_the_bar_with_leave(login, bob, lunch):
    response = login(bob).post("/r/lunch/join", **HTMX)

    html = response.content.decode()
    assert html.startswith('<div id="membership" class="membership">')
    assert LEAVE_PUBLIC in html
    assert is_member(lunch, bob)


def test_join_needs_post_and_a_csrf_token(login, bob, lunch):
    assert login(bob).get("/r/lunch/join").status_code == 405
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)

    assert client.post("/r/lunch/join").status_code == 403
    assert client.post("/r/lunch/leave").status_code == 403
    assert not is_member(lunch, bob)


def test_join_is_404_for_a_private_room_of_others_and_signed_out_people_sign_in(
    login, mallory, secret, lunch
):
    assert login(mallory).post(f"/r/{secret.slug}/join").status_code == 404
    assert not is_member(secret, mallory)
    assert Client().post("/r/lunch/join").status_code == 302  # to the sign-in page


# --- leave ----------------------------------------------------------------------------------


def test_leave_without_javascript_redirects_back_to_the_still_readable_room(login, bob, lunch):
    join(bob, "lunch")

    response = login(bob).post("/r/lunch/leave")

    assert (response.status_code, response["Location"]) == (302, "/r/lunch/")
    assert not is_member(lunch, bob)
    assert JOIN_BAR in login(bob).get("/r/lunch/").content.decode()


def test_leave_with_htmx_answers_the_join_bar(login, bob, lunch):
    join(bob, "lunch")

    html = login(bob).post("/r/lunch/leave", **HTMX).content.decode()

    assert html.startswith(JOIN_BAR)


def test_leaving_a_room_one_is_not_in_is_refused(login, bob, lunch):
    response = login(bob).post("/r/lunch/leave")

    assert response.status_code == 404
    assert "You are not a member of this room." in response.content.decode()


def test_leaving_a_private_room_goes_to_the_lobby(login, alice, bob, secret):
    rooms.add_member(secret, alice, {"username": "bob"})

    plain = login(bob).post(f"/r/{secret.slug}/leave")

    assert (plain.status_code, plain["Location"]) == (302, "/")
    assert not is_member(secret, bob)
    htmx = login(alice).post(f"/r/{secret.slug}/leave", **HTMX)
    assert htmx["HX-Redirect"] == "/"


# --- writing joins --------------------------------------------------------------------------


def test_sending_with_the_form_joins(login, bob, lunch):
    response = login(bob).post("/r/lunch/", {"body": "hello"})

    assert response.status_code == 302
    assert is_member(lunch, bob)


def test_reacting_over_http_joins_nobody(login, alice, bob, lunch):
    message = Message.objects.create(room=lunch, author=alice, body="x", html="<p>x</p>")

    login(bob).post(f"/m/{message.id}/react", {"emoji": "👍"})

    assert message.reactions.filter(user=bob).exists()
    assert not is_member(lunch, bob)


# --- the lobby's form -----------------------------------------------------------------------


def test_the_lobby_hides_the_form_from_people_who_may_not_create(settings, login, bob, admin):
    settings.CHAT_ROOM_CREATION = "staff"

    html = login(bob).get("/").content.decode()
    assert 'id="room-form"' not in html
    assert "Only staff can create rooms here." in html
    assert 'id="room-form"' in login(admin).get("/").content.decode()


def test_a_refused_creation_says_why(settings, login, bob):
    settings.CHAT_ROOM_CREATION = "staff"

    response = login(bob).post("/", {"title": "Tea", "kind": "public"})

    assert response.status_code == 403
    assert rooms.ONLY_STAFF_CREATE in response.content.decode()
    assert not Room.objects.exists()


def test_the_form_has_a_members_field(login, alice):
    html = login(alice).get("/").content.decode()

    assert re.search(r'<input type="text" name="members" id="id_members"[^>]*>', html)


def test_members_chosen_without_javascript(login, alice, bob, mallory):
    data = {"title": "Plans", "kind": "private", "members": "bob, mallory"}

    response = login(alice).post("/", data)

    room = Room.objects.get(title="Plans")
    assert response["Location"] == f"/r/{room.slug}/"
    assert set(room.memberships.values_list("user__username", flat=True)) == {
        "alice",
        "bob",
        "mallory",
    }
    assert f'href="/r/{room.slug}/"' in login(bob).get("/").content.decode()


def test_unknown_members_keep_the_form(login, alice, bob):
    data = {"title": "Plans", "kind": "private", "members": "bob, <b>nobody</b>"}

    plain = login(alice).post("/", data)
    htmx = login(alice).post("/", data, **HTMX)

    for response in (plain, htmx):
        html = response.content.decode()
        assert response.status_code == 400
        assert "There is nobody called “&lt;b&gt;nobody&lt;/b&gt;”." in html
        assert 'value="bob, &lt;b&gt;nobody&lt;/b&gt;"' in html
        assert 'value="Plans"' in html
    assert htmx.content.decode().startswith('<form id="room-form"')
    assert not Room.objects.exists()
