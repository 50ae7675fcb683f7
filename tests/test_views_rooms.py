"""Room pages, older messages, posting without JavaScript, direct messages and members."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from chat import rooms
from chat.limits import PAGE_SIZE
from chat.models import Membership, Message, Room
from tests.conftest import HTMX, article_ids, post_many, say

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
        'data-mentions="/r/lunch/mentions">'
    ) in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_room_page_short_history_shows_beginning(login, alice, lunch):
    post_many(lunch, alice, 2)

    html = login(alice).get("/r/lunch/").content.decode()

    assert '<p id="older" class="older start">' in html


def test_visiting_public_room_joins_it(login, bob, lunch):
    login(bob).get("/r/lunch/")

    assert Membership.objects.filter(room=lunch, user=bob).exists()


def test_room_page_lists_members(login, alice, bob, lunch):
    rooms.enter_room(bob, "lunch")

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


# --- older messages ------------------------------------------------------------------


def test_older_partial_returns_previous_page(login, alice, lunch):
    posted = post_many(lunch, alice, 2 * PAGE_SIZE + 3)
    oldest_shown = posted[-PAGE_SIZE]

    html = login(alice).get(f"/r/lunch/messages?before={oldest_shown.id}", **HTMX).content.decode()

    expected = posted[-2 * PAGE_SIZE : -PAGE_SIZE]
    assert article_ids(html) == [m.id for m in expected]
    older_url = f"/r/lunch/messages?before={expected[0].id}"
    assert html.startswith(f'<a id="older" class="older" href="{older_url}"')


def test_older_partial_reaches_the_start(login, alice, lunch):
    posted = post_many(lunch, alice, PAGE_SIZE + 3)

    html = login(alice).get(f"/r/lunch/messages?before={posted[3].id}", **HTMX).content.decode()

    assert article_ids(html) == [m.id for m in posted[:3]]
    assert html.startswith('<p id="older" class="older start">')


def test_older_page_before_first_message_is_empty(login, alice, lunch):
    posted = post_many(lunch, alice, 1)

    html = login(alice).get(f"/r/lunch/messages?before={posted[0].id}", **HTMX).content.decode()

    assert article_ids(html) == []


def test_older_without_htmx_is_a_full_page(login, alice, lunch):
    posted = post_many(lunch, alice, 3)

    html = login(alice).get(f"/r/lunch/messages?before={posted[2].id}").content.decode()

    assert "<html" in html
    assert article_ids(html) == [posted[0].id, posted[1].id]
    assert '<a href="/r/lunch/">Back to the conversation</a>' in html


@pytest.mark.parametrize("query", ["", "?before=", "?before=abc", "?before=-5", f"?before={2**64}"])
def test_older_needs_numeric_before(login, alice, lunch, query):
    assert login(alice).get(f"/r/lunch/messages{query}").status_code == 400


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
    assert '<p class="body">&lt;script&gt;alert(1)&lt;/script&gt;</p>' in html


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
        'ws-send data-mentions="/p/bob/mentions">'
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
    assert 'action="/p/bob/" ws-send data-mentions="/p/bob/mentions">' in html


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


def test_direct_older_messages(login, alice, bob):
    room = rooms.open_direct_room(alice, bob)
    posted = post_many(room, alice, 3)

    html = login(bob).get(f"/p/alice/messages?before={posted[2].id}", **HTMX).content.decode()

    assert article_ids(html) == [posted[0].id, posted[1].id]


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

    monkeypatch.setattr(Message.objects, "create", database_down)

    response = login(alice).post("/r/lunch/", {"body": "keep me"})

    assert response.status_code == 503
    html = response.content.decode()
    assert "Your message could not be saved just now; it is still here, try again." in html
    assert ">\nkeep me</textarea>" in html


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


def test_leaving_asks_first_and_names_who_looks_after_the_room(login, alice, bob, secret):
    rooms.add_member(secret, alice, {"username": "bob"})
    page = login(alice).get(f"/r/{secret.slug}/members/remove?username=alice")

    html = page.content.decode()
    assert page.status_code == 200
    assert f"Leave {secret.title}?" in html
    assert "once you leave, bob (its member for longest) looks after it" in html
    assert '<button type="submit" class="danger">Leave the room</button>' in html
    assert sorted(m.username for m in rooms.members(secret)) == ["alice", "bob"]  # asked only


def test_removing_asks_first(login, alice, bob, secret):
    rooms.add_member(secret, alice, {"username": "bob"})
    page = login(alice).get(f"/r/{secret.slug}/members/remove?username=bob")

    assert "Remove bob from Secret plans?" in page.content.decode()
    assert sorted(m.username for m in rooms.members(secret)) == ["alice", "bob"]


def test_the_members_list_links_to_the_questions_not_to_the_actions(login, alice, bob, secret):
    rooms.add_member(secret, alice, {"username": "bob"})
    html = login(alice).get(f"/r/{secret.slug}/").content.decode()

    members = re.search(r'<div id="members".*?</div>', html, re.S).group()
    assert f'<a class="remove" href="/r/{secret.slug}/members/remove?username=bob">' in members
    assert "hx-" not in members  # a plain link to "are you sure?", never the removal itself
