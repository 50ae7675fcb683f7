"""Group conversations over HTTP: ``POST /p/`` with two or more people, the group's page
at ``/g/<key>/`` for its people only, adding and leaving, search and the lobby."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from chat.models import Membership, Room
from tests.support.files import upload
from tests.support.groups import page_of, start_group
from tests.support.messages import HTMX, say

pytestmark = pytest.mark.django_db


def test_posting_two_people_starts_their_group_and_goes_to_it(login, alice, bob, carol):
    response = login(alice).post("/p/", {"username": ["bob", "carol"]})

    room = Room.objects.get(kind=Room.Kind.GROUP)
    assert response.status_code == 302
    assert response["Location"] == page_of(room)
    assert re.fullmatch(r"/g/[0-9a-f]{10}/", response["Location"])


def test_the_same_people_in_any_order_go_to_the_same_group(login, alice, bob, carol):
    first = login(alice).post("/p/", {"username": ["bob", "carol"]})
    second = login(carol).post("/p/", {"username": ["bob", "", "alice"]})

    assert first["Location"] == second["Location"]
    assert Room.objects.filter(kind=Room.Kind.GROUP).count() == 1


def test_htmx_is_sent_to_the_group_by_a_client_redirect(login, alice, bob, carol):
    response = login(alice).post("/p/", {"username": ["bob", "carol"]}, **HTMX)

    assert response["HX-Redirect"] == page_of(Room.objects.get(kind=Room.Kind.GROUP))


def test_posting_one_person_goes_to_the_pair(login, alice, bob):
    response = login(alice).post("/p/", {"username": ["bob", ""]})

    assert response["Location"] == "/p/bob/"
    assert not Room.objects.exists()


def test_bad_names_keep_the_form_with_a_clear_error(login, alice, bob):
    response = login(alice).post("/p/", {"username": ["bob", "ghost"]})

    html = response.content.decode()
    assert response.status_code == 400
    assert "There is nobody called “ghost”." in html
    assert 'value="bob"' in html and 'value="ghost"' in html
    assert not Room.objects.exists()


def test_bad_names_for_htmx_answer_the_form_alone(login, alice, bob):
    response = login(alice).post("/p/", {"username": ["bob", "ghost"]}, **HTMX)

    html = response.content.decode()
    assert response.status_code == 400
    assert html.startswith('<form id="direct-form"')
    assert "There is nobody called “ghost”." in html


def test_a_get_with_two_people_starts_nothing(login, alice, bob, carol):
    response = login(alice).get("/p/?username=bob&username=carol")

    assert response.status_code == 200
    assert "press “Open” to start it" in response.content.decode()
    assert not Room.objects.exists()


def test_a_get_with_two_people_finds_their_group(login, alice, bob, carol):
    room = start_group(bob, alice, carol)

    response = login(alice).get("/p/?username=bob&username=carol")

    assert response["Location"] == page_of(room)


def test_starting_a_group_needs_the_csrf_token(alice, bob, carol):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    response = client.post("/p/", {"username": ["bob", "carol"]})

    assert response.status_code == 403
    assert not Room.objects.exists()


def test_the_lobby_form_posts_several_usernames(login, alice):
    html = login(alice).get("/").content.decode()

    form = re.search(r'<form id="direct-form".*?</form>', html, re.S).group(0)
    assert 'method="post"' in form and 'action="/p/"' in form
    assert "csrfmiddlewaretoken" in form
    assert len(re.findall(r'name="username"', form)) >= 3


def test_the_group_page_names_the_others_and_is_for_its_people(login, alice, bob, carol, mallory):
    room = start_group(alice, bob, carol)
    say(room, bob, "hello both")

    page = login(carol).get(page_of(room))
    html = page.content.decode()
    assert page.status_code == 200
    assert "<h1>alice, bob</h1>" in html
    assert "hello both" in html
    assert login(mallory).get(page_of(room)).status_code == 404
    assert login(mallory).get(f"{page_of(room)}messages").status_code == 404
    assert login(alice).get(f"/r/{room.slug}/").status_code == 404


def test_a_message_is_posted_in_a_group_without_javascript(login, alice, bob, carol):
    room = start_group(alice, bob, carol)

    response = login(bob).post(page_of(room), {"body": "hi all"})

    assert response["Location"].startswith(f"{page_of(room)}#message-")
    assert room.messages.get().body == "hi all"


def test_the_group_is_in_each_lobby_and_sidebar_of_its_people(login, alice, bob, carol):
    room = start_group(alice, bob, carol)

    lobby = login(bob).get("/").content.decode()
    sidebar = login(carol).get(page_of(room)).content.decode()
    assert f'<a href="{page_of(room)}">alice, carol</a>' in lobby
    assert '<span class="kind">group</span>' in lobby
    assert (
        f'href="{page_of(room)}" aria-current="page"><span class="name">alice, bob</span>'
        in sidebar
    )


def test_anyone_in_it_adds_a_person(login, alice, bob, carol, mallory):
    room = start_group(alice, bob, carol)

    response = login(bob).post(f"{page_of(room)}members", {"username": "mallory"}, **HTMX)

    assert "mallory can now read this conversation." in response.content.decode()
    assert login(mallory).get(page_of(room)).status_code == 200


def test_leaving_asks_first_then_leaves(login, alice, bob, carol):
    room = start_group(alice, bob, carol)
    client = login(carol)

    asked = client.get(f"{page_of(room)}members/remove?username=carol").content.decode()
    left = client.post(f"{page_of(room)}members/remove", {"username": "carol"})

    assert "Leave the conversation" in asked
    assert f'action="{page_of(room)}members/remove"' in asked
    assert left["Location"] == "/"
    assert not Membership.objects.filter(room=room, user=carol).exists()
    assert client.get(page_of(room)).status_code == 404


def test_nobody_removes_another_from_a_group(login, alice, bob, carol):
    room = start_group(alice, bob, carol)

    response = login(alice).post(f"{page_of(room)}members/remove", {"username": "bob"})

    assert response.status_code == 403
    assert Membership.objects.filter(room=room, user=bob).exists()


def test_search_links_a_group_message_to_the_group(login, alice, bob, carol, mallory):
    room = start_group(alice, bob, carol)
    say(room, bob, "the pelican briefing")

    html = login(carol).get("/search?q=pelican").content.decode()

    assert f'<a class="room" href="{page_of(room)}">alice, bob</a>' in html
    assert "briefing" not in login(mallory).get("/search?q=pelican").content.decode()


def test_a_group_has_no_bots_panel(login, alice, bob, carol):
    room = start_group(alice, bob, carol)

    response = login(alice).get(f"{page_of(room)}settings")

    assert response.status_code == 200
    assert '<section id="bots"' not in response.content.decode()


# --- what works in any conversation works in a group -------------------------------------


def test_a_mention_in_a_group_is_recorded_for_the_one_mentioned(login, alice, bob, carol):
    room = start_group(alice, bob, carol)

    login(bob).post(page_of(room), {"body": "@carol are you in?"})

    message = room.messages.get()
    assert list(message.mentions.values_list("user__username", flat=True)) == ["carol"]
    assert 'class="mention"' in message.html


def test_a_reply_edit_and_file_in_a_group(login, alice, bob, carol, mallory):
    room = start_group(alice, bob, carol)
    first = say(room, alice, "who brings cake?")[0]
    client = login(bob)

    client.post(page_of(room), {"body": "me", "reply_to": first.id})
    reply = room.messages.latest("id")
    edited = client.post(f"/m/{reply.id}/edit", {"body": "me, tomorrow"})
    sent = client.post(f"{page_of(room)}attachments", {"file": upload("plan.txt", b"cake")})

    reply.refresh_from_db()
    assert reply.reply_to_id == first.id and reply.body == "me, tomorrow"
    assert edited.status_code == 302
    assert sent.status_code == 302
    attachment = room.messages.latest("id").attachment
    assert login(carol).get(attachment.url).status_code == 200
    assert login(mallory).get(attachment.url).status_code == 404
    assert login(mallory).get(f"/m/{first.id}/").status_code == 404
    assert login(carol).get(f"/m/{first.id}/")["Location"].startswith(page_of(room))
