"""A conversation's page (``chat.views.room``): a room's page, posting without JavaScript
(once, within the limits, kept when refused), direct conversations, and who may read them."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from chat.limits import PAGE_SIZE
from chat.models import Membership, Message, Room
from chat.rooms import services as rooms
from tests.support.joining import join
from tests.support.messages import HTMX, article_ids, post_many, say

pytestmark = pytest.mark.django_db


# --- room page -------------------------------------------------------------------


def test_room_page_shows_latest_page_oldest_first(login, alice, lunch):
    posted = post_many(lunch, alice, PAGE_SIZE + 5)

    html = login(alice).get("/r/lunch/").content.decode()

    assert article_ids(html) == [m.id for m in posted[-PAGE_SIZE:]]
    assert f'hx-get="/r/lunch/messages?before={posted[5].id}"' in html


def test_room_page_wires_socket_and_composer(login, alice, lunch):
    html = login(alice).get("/r/lunch/").content.decode()

    assert '<section class="room" hx-ext="ws" ws-connect="/ws/r/lunch/">' in html
    assert (
        '<form id="composer-form" class="composer-form" method="post" action="/r/lunch/" ws-send '
        'data-mentions="/r/lunch/mentions" data-edit-seconds="'
    ) in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_room_page_short_history_shows_beginning(login, alice, lunch):
    post_many(lunch, alice, 2)

    html = login(alice).get("/r/lunch/").content.decode()

    assert '<p id="older" class="older start">' in html


def test_visiting_public_room_joins_nobody(login, bob, lunch):
    login(bob).get("/r/lunch/")

    assert not Membership.objects.filter(room=lunch, user=bob).exists()


def test_room_page_lists_members(login, alice, bob, lunch):
    join(bob, "lunch")

    html = login(alice).get("/r/lunch/").content.decode()

    assert "Members (2)" in html
    assert '<a class="author name" href="/u/bob/" title="@bob">bob</a>' in html


def test_private_room_is_404_for_outsider(login, mallory, secret):
    assert login(mallory).get(f"/r/{secret.slug}/").status_code == 404
    assert login(mallory).get(f"/r/{secret.slug}/messages?before=99").status_code == 404
    assert login(mallory).post(f"/r/{secret.slug}/", {"body": "hi"}).status_code == 404
    assert not Message.objects.exists()


def test_missing_room_is_404(login, alice):
    assert login(alice).get("/r/nowhere/").status_code == 404


# --- posting without JavaScript ------------------------------------------------------


def test_post_fallback_stores_and_redirects(login, alice, lunch):
    response = login(alice).post("/r/lunch/", {"body": "  no js here  "})

    message = Message.objects.get()
    assert response["Location"] == f"/r/lunch/#message-{message.id}"
    assert (message.body, message.author) == ("no js here", alice)


def test_post_fallback_invalid_keeps_text_and_shows_error(login, alice, lunch):
    response = login(alice).post("/r/lunch/", {"body": "x" * 4001})

    page = response.content.decode()
    assert response.status_code == 400
    assert "Messages are at most 4,000 characters (this one has 4,001)." in page
    assert "x" * 4001 in page
    assert not Message.objects.exists()


def test_message_body_is_escaped_on_the_page(login, alice, lunch):
    say(lunch, alice, "<script>alert(1)</script>")

    html = login(alice).get("/r/lunch/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert '<div class="body" dir="auto"><p>&lt;script&gt;alert(1)&lt;/script&gt;</p></div>' in html


def test_room_title_is_escaped(login, alice):
    room = rooms.create_room(alice, {"title": "<img src=x onerror=alert(1)>", "kind": "public"})

    for url in ["/", f"/r/{room.slug}/"]:
        html = login(alice).get(url).content.decode()
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


# --- direct messages -----------------------------------------------------------------


def test_looking_at_a_direct_page_creates_nothing(login, alice, bob):
    response = login(alice).get("/p/bob/")

    assert response.status_code == 200
    assert not Room.objects.exists()
    assert not Membership.objects.exists()
    html = response.content.decode()
    # It listens all the same: the first message, from either person, makes the room.
    assert 'ws-connect="/ws/p/bob/"' in html
    assert (
        '<form id="composer-form" class="composer-form" method="post" action="/p/bob/" '
        'ws-send data-mentions="/p/bob/mentions" data-edit-seconds="'
    ) in html


def test_the_first_direct_message_makes_one_room_for_the_pair(login, alice, bob):
    login(alice).post("/p/bob/", {"body": "hi bob"})
    login(bob).post("/p/alice/", {"body": "hi alice"})

    room = Room.objects.get(kind=Room.Kind.DIRECT)
    assert {m.user for m in room.memberships.all()} == {alice, bob}
    assert room.messages.count() == 2


def test_direct_page_wires_its_socket_once_something_was_said(login, alice, bob):
    rooms.open_direct_room(alice, bob)

    html = login(alice).get("/p/bob/").content.decode()

    assert 'ws-connect="/ws/p/bob/"' in html
    assert 'action="/p/bob/" ws-send data-mentions="/p/bob/mentions" data-edit-seconds="' in html


def test_direct_page_unknown_user_is_404(login, alice):
    assert login(alice).get("/p/ghost/").status_code == 404
    assert not Room.objects.exists()


def test_direct_page_with_yourself_is_your_notes(login, alice):
    client = login(alice)

    assert "<h1>Notes to self</h1>" in client.get("/p/alice/").content.decode()
    client.post("/p/alice/", {"body": "remember the milk"})

    room = Room.objects.get(kind=Room.Kind.DIRECT)
    assert [m.user for m in room.memberships.all()] == [alice]


def test_direct_room_is_not_reachable_as_group_room(login, alice, bob, mallory):
    room = rooms.open_direct_room(alice, bob)

    assert login(mallory).get(f"/r/{room.slug}/").status_code == 404


def test_direct_post_fallback(login, alice, bob):
    response = login(alice).post("/p/bob/", {"body": "hi"})

    assert response["Location"].startswith("/p/bob/#message-")
    assert Message.objects.get().room.kind == Room.Kind.DIRECT


def test_direct_start_form_redirects(login, alice, bob):
    response = login(alice).get("/p/?username=bob")

    assert response["Location"] == "/p/bob/"


def test_direct_start_form_unknown_user_inline_error(login, alice):
    html = login(alice).get("/p/?username=ghost", **HTMX).content.decode()

    assert html.startswith('<form id="direct-form"')
    assert "There is nobody called “ghost”." in html


# --- double submit ------------------------------------------------------------------------


def test_post_fallback_double_submit_stores_once(login, alice, lunch):
    client = login(alice)
    fields = {"body": "once", "client_id": "6f1c2a3b-0d4e-4f5a-9b6c-7d8e9f0a1b2c"}

    first = client.post("/r/lunch/", fields)
    second = client.post("/r/lunch/", fields)

    assert Message.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_room_page_composer_has_a_fresh_client_id(login, alice, lunch):
    client = login(alice)

    ids = [
        re.search(
            r'name="client_id" value="([0-9a-f-]{36})"', client.get("/r/lunch/").content.decode()
        )[1]
        for _ in range(2)
    ]

    assert ids[0] != ids[1]


def test_former_member_cannot_read_the_room_through_any_url(login, alice, bob, secret):
    rooms.add_member(secret, alice, {"username": "bob"})
    posted = say(secret, alice, "after you left")[0]
    rooms.remove_member(secret, alice, {"username": "bob"})
    client = login(bob)

    assert client.get(f"/r/{secret.slug}/").status_code == 404
    assert client.get(f"/r/{secret.slug}/messages?before={posted.id + 1}").status_code == 404
    assert (
        client.get(f"/r/{secret.slug}/messages?before={posted.id + 1}", **HTMX).status_code == 404
    )
    assert "after you left" not in client.get("/").content.decode()


# --- the limits and refusals of the no-JavaScript path ------------------------------------


def test_post_fallback_the_21st_post_in_10_seconds_is_refused_and_kept(login, alice, lunch):
    client = login(alice)
    for n in range(20):
        assert client.post("/r/lunch/", {"body": f"form {n}"}).status_code == 302

    response = client.post("/r/lunch/", {"body": "one too many"})

    assert response.status_code == 429
    html = response.content.decode()
    assert re.search(r"You are sending messages too fast\. Wait \d+ s; your text is kept\.", html)
    assert ">\none too many</textarea>" in html
    assert Message.objects.count() == 20


def test_post_fallback_storage_failure_keeps_the_text(login, alice, lunch, monkeypatch):
    from django.db import OperationalError

    def database_down(*args, **kwargs):
        raise OperationalError("database is unavailable")

    monkeypatch.setattr("chat.messages.posting._NEW_MESSAGE.save", database_down)

    response = login(alice).post("/r/lunch/", {"body": "keep me"})

    assert response.status_code == 503
    html = response.content.decode()
    assert "Your message could not be saved just now; it is still here, try again." in html
    assert ">\nkeep me</textarea>" in html


# --- caching ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["/", "/r/lunch/", "/r/lunch/messages?before=99", "/p/bob/", "/accounts/login/"],
)
def test_personal_pages_are_never_cached(login, alice, bob, lunch, url):
    response = login(alice).get(url)

    assert {"private", "no-store"} <= {
        part.strip() for part in response["Cache-Control"].split(",")
    }


def test_health_checks_may_be_cached_by_nobody_in_particular(db):
    assert "Cache-Control" not in Client().get("/healthz")
