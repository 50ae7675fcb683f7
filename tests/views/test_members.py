"""A private room's members over HTTP (``chat.views.members``): adding someone, leaving or
removing someone after asking first, and the refusals of both."""

from __future__ import annotations

import re

import pytest

from chat.models import Membership, Room
from chat.rooms import services as rooms
from tests.support.messages import HTMX

pytestmark = pytest.mark.django_db


def member_names(room: Room) -> list[str]:
    """The usernames of the room's members, sorted."""
    return sorted(room.memberships.values_list("user__username", flat=True))


# --- adding members ----------------------------------------------------------------------


def test_member_adds_member_to_private_room(login, alice, bob, secret):
    response = login(alice).post(f"/r/{secret.slug}/members", {"username": "bob"}, **HTMX)

    html = response.content.decode()
    assert html.startswith('<section id="members-panel"')
    assert "bob can now read this room." in html
    assert login(bob).get(f"/r/{secret.slug}/").status_code == 200


def test_add_unknown_member_shows_error(login, alice, secret):
    response = login(alice).post(f"/r/{secret.slug}/members", {"username": "ghost"}, **HTMX)

    assert "There is nobody called “ghost”." in response.content.decode()


def test_outsider_cannot_add_members(login, mallory, secret):
    response = login(mallory).post(f"/r/{secret.slug}/members", {"username": "mallory"})

    assert response.status_code == 404
    assert not Membership.objects.filter(room=secret, user=mallory).exists()


def test_public_room_takes_no_invitations(login, alice, bob, lunch):
    assert login(alice).post("/r/lunch/members", {"username": "bob"}).status_code == 404


# --- leaving and removing ---------------------------------------------------------------


def test_creator_removes_member_from_private_room(login, alice, bob, secret):
    rooms.add_member(secret, alice, {"username": "bob"})

    response = login(alice).post(f"/r/{secret.slug}/members/remove", {"username": "bob"}, **HTMX)

    assert response.content.decode().startswith('<section id="members-panel"')
    assert login(bob).get(f"/r/{secret.slug}/").status_code == 404


def test_member_leaves_private_room(login, alice, bob, secret):
    rooms.add_member(secret, alice, {"username": "bob"})

    response = login(bob).post(f"/r/{secret.slug}/members/remove", {"username": "bob"})

    assert response["Location"] == "/"
    assert not Membership.objects.filter(room=secret, user=bob).exists()


def test_member_cannot_remove_others(login, alice, bob, secret):
    rooms.add_member(secret, alice, {"username": "bob"})

    response = login(bob).post(f"/r/{secret.slug}/members/remove", {"username": "alice"})

    assert response.status_code == 403
    assert Membership.objects.filter(room=secret, user=alice).exists()


def test_outsider_cannot_remove_members(login, mallory, secret):
    response = login(mallory).post(f"/r/{secret.slug}/members/remove", {"username": "alice"})

    assert response.status_code == 404


# --- refusals ------------------------------------------------------------------------------

HOSTILE = "<img src=x onerror=alert(1)>"


@pytest.mark.parametrize("path", ["members", "members/remove"])
def test_refusals_escape_what_was_sent(login, alice, secret, path):
    response = login(alice).post(f"/r/{secret.slug}/{path}", {"username": HOSTILE})

    assert response.status_code == 400
    html = response.content.decode()
    assert HOSTILE not in html
    assert "There is nobody called “&lt;img src=x onerror=alert(1)&gt;”." in html
    assert "<html" in html  # a page of its own, with a way back


def test_an_htmx_refusal_names_its_place_in_the_page(login, alice, bob, secret):
    rooms.add_member(secret, alice, {"username": "bob"})

    response = login(bob).post(f"/r/{secret.slug}/members/remove", {"username": "alice"}, **HTMX)

    assert response.status_code == 403
    assert response["HX-Retarget"] == "#alerts"
    assert response["HX-Reswap"] == "innerHTML"
    assert response.content.decode() == (
        '<p class="error">Only the room&#x27;s creator can remove members.</p>'
    )


def test_an_htmx_add_refusal_comes_back_in_the_members_panel(login, alice, secret):
    response = login(alice).post(f"/r/{secret.slug}/members", {"username": HOSTILE}, **HTMX)

    assert response.status_code == 400
    html = response.content.decode()
    assert html.startswith('<section id="members-panel"')
    assert HOSTILE not in html and "&lt;img src=x" in html


# --- asking first --------------------------------------------------------------------------


def test_leaving_asks_first_and_names_who_looks_after_the_room(login, alice, bob, secret):
    rooms.add_member(secret, alice, {"username": "bob"})
    page = login(alice).get(f"/r/{secret.slug}/members/remove?username=alice")

    html = page.content.decode()
    assert page.status_code == 200
    assert f"Leave {secret.title}?" in html
    assert "once you leave, bob (its member for longest) looks after it" in html
    assert '<button type="submit" class="danger">Leave the room</button>' in html
    assert member_names(secret) == ["alice", "bob"]  # asked only


def test_removing_asks_first(login, alice, bob, secret):
    rooms.add_member(secret, alice, {"username": "bob"})
    page = login(alice).get(f"/r/{secret.slug}/members/remove?username=bob")

    assert "Remove bob from Secret plans?" in page.content.decode()
    assert member_names(secret) == ["alice", "bob"]


def test_the_members_list_links_to_the_questions_not_to_the_actions(login, alice, bob, secret):
    rooms.add_member(secret, alice, {"username": "bob"})
    html = login(alice).get(f"/r/{secret.slug}/").content.decode()

    members = re.search(r'<div id="members".*?</div>', html, re.S).group()
    assert f'<a class="remove" href="/r/{secret.slug}/members/remove?username=bob">' in members
    assert "hx-" not in members  # a plain link to "are you sure?", never the removal itself
