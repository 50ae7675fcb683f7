"""Pages, redirects, forms and htmx partials over HTTP."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from chat import services
from chat.limits import PAGE_SIZE
from chat.models import Membership, Message, Room

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def post_many(room: Room, author, count: int) -> list[Message]:
    return [services.post_message(room, author, f"message {n}").message for n in range(count)]


def article_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<article id="message-(\d+)"', html)]


# --- sign-in -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/", "/r/lunch/", "/r/lunch/messages?before=1", "/p/bob/", "/p/?username=bob"]
)
def test_chat_pages_redirect_anonymous_to_login_with_next(url):
    response = Client().get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_signup_creates_account_and_signs_in():
    client = Client()

    response = client.post(
        "/accounts/signup/",
        {
            "username": "zoe",
            "password1": "Correct-Horse-42-battery",
            "password2": "Correct-Horse-42-battery",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_signup_rejects_weak_password():
    response = Client().post(
        "/accounts/signup/", {"username": "zoe", "password1": "123", "password2": "123"}
    )

    assert response.status_code == 400
    assert "This password is too short" in response.content.decode()


def test_signup_ignores_offsite_next():
    response = Client().post(
        "/accounts/signup/",
        {
            "username": "zoe",
            "password1": "Correct-Horse-42-battery",
            "password2": "Correct-Horse-42-battery",
            "next": "https://evil.example/",
        },
    )

    assert response["Location"] == "/"


def test_login_then_next(alice):
    response = Client().post(
        "/accounts/login/?next=/r/lunch/",
        {"username": "alice", "password": "Correct-Horse-42-battery", "next": "/r/lunch/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/r/lunch/"


def test_logout_needs_post(login, alice):
    client = login(alice)

    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_forms_need_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    assert client.post("/", {"title": "Nope", "kind": "public"}).status_code == 403
    assert not Room.objects.exists()


def test_healthz_answers_without_login():
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


# --- lobby ---------------------------------------------------------------------


def test_lobby_lists_public_rooms_with_member_count(login, alice, bob, lunch):
    services.enter_room(bob, "lunch")

    html = login(bob).get("/").content.decode()

    assert '<a href="/r/lunch/">Lunch</a>' in html
    assert "2 members" in html


def test_lobby_shows_unread_counts(login, alice, bob, lunch):
    services.enter_room(bob, "lunch")
    post_many(lunch, alice, 3)

    html = login(bob).get("/").content.decode()

    assert '<span class="unread" title="unread messages">3</span>' in html


def test_lobby_unread_clears_after_visiting(login, alice, bob, lunch):
    services.enter_room(bob, "lunch")
    post_many(lunch, alice, 3)
    client = login(bob)

    client.get("/r/lunch/")

    assert 'class="unread"' not in client.get("/").content.decode()


def test_lobby_escapes_last_message_preview(login, alice, lunch):
    services.post_message(lunch, alice, "<script>alert(1)</script>")

    html = login(alice).get("/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_lobby_hides_private_rooms_of_others(login, mallory, secret):
    html = login(mallory).get("/").content.decode()

    assert "Secret plans" not in html


def test_lobby_lists_direct_conversations(login, alice, bob):
    room = services.open_direct_room(alice, bob)
    services.post_message(room, alice, "hi bob")

    html = login(bob).get("/").content.decode()

    assert '<a href="/p/alice/">alice</a>' in html
    assert '<span class="unread" title="unread messages">1</span>' in html


def test_create_room_redirects_to_it(login, alice):
    response = login(alice).post("/", {"title": "Book Club", "kind": "public"})

    assert response.status_code == 302
    assert response["Location"] == "/r/book-club/"
    room = Room.objects.get(slug="book-club")
    assert (room.title, room.kind, room.created_by) == ("Book Club", "public", alice)
    assert Membership.objects.filter(room=room, user=alice).exists()


def test_create_room_with_htmx_redirects_client(login, alice):
    response = login(alice).post("/", {"title": "Book Club", "kind": "private"}, **HTMX)

    assert response["HX-Redirect"] == "/r/book-club/"


def test_create_room_blank_title_shows_error_inline(login, alice):
    response = login(alice).post("/", {"title": "   ", "kind": "public"}, **HTMX)

    html = response.content.decode()
    assert html.startswith('<form id="room-form"')
    assert '<p class="error" role="alert">Give the room a name.</p>' in html
    assert not Room.objects.exists()


def test_create_room_without_js_shows_error_on_full_page(login, alice):
    response = login(alice).post("/", {"title": "", "kind": "public"})

    assert response.status_code == 400
    assert "<html" in response.content.decode()
    assert "Give the room a name." in response.content.decode()


def test_create_room_duplicate_of_visible_room_is_an_error(login, alice, bob, lunch):
    response = login(bob).post("/", {"title": "lunch", "kind": "public"}, **HTMX)

    assert "“Lunch” already exists: pick another name or join it." in response.content.decode()
    assert Room.objects.count() == 1


def test_create_room_clashing_with_hidden_private_room_gets_other_slug(login, bob, secret):
    response = login(bob).post("/", {"title": "Secret Plans", "kind": "public"})

    assert response["Location"] == "/r/secret-plans-2/"


def test_create_room_rejects_unknown_kind(login, alice):
    response = login(alice).post("/", {"title": "Odd", "kind": "direct"}, **HTMX)

    assert "Select a valid choice." in response.content.decode()
    assert not Room.objects.exists()


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
        '<form id="composer-form" class="composer-form" method="post" action="/r/lunch/" ws-send>'
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
    services.enter_room(bob, "lunch")

    html = login(alice).get("/r/lunch/").content.decode()

    assert "Members (2)" in html
    assert '<a href="/p/bob/">bob</a>' in html


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
    assert html.startswith('<aside id="members-panel"')
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

    assert response.status_code == 400
    assert "Messages are at most 4000 characters (this one has 4001)." in response.content.decode()
    assert "x" * 4001 in response.content.decode()
    assert not Message.objects.exists()


def test_message_body_is_escaped_on_the_page(login, alice, lunch):
    services.post_message(lunch, alice, "<script>alert(1)</script>")

    html = login(alice).get("/r/lunch/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert '<p class="body">&lt;script&gt;alert(1)&lt;/script&gt;</p>' in html


def test_room_title_is_escaped(login, alice):
    room = services.create_room(alice, "<img src=x onerror=alert(1)>", Room.Kind.PUBLIC)

    for url in ["/", f"/r/{room.slug}/"]:
        html = login(alice).get(url).content.decode()
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html


# --- direct messages -----------------------------------------------------------------


def test_direct_page_creates_one_room_for_the_pair(login, alice, bob):
    login(alice).get("/p/bob/")
    login(bob).get("/p/alice/")

    room = Room.objects.get(kind=Room.Kind.DIRECT)
    assert {m.user for m in room.memberships.all()} == {alice, bob}


def test_direct_page_wires_its_socket(login, alice, bob):
    html = login(alice).get("/p/bob/").content.decode()

    assert 'ws-connect="/ws/p/bob/"' in html
    assert 'action="/p/bob/"' in html


def test_direct_page_unknown_user_is_404(login, alice):
    assert login(alice).get("/p/ghost/").status_code == 404
    assert not Room.objects.exists()


def test_direct_page_with_yourself_is_your_notes(login, alice):
    html = login(alice).get("/p/alice/").content.decode()

    assert "<h1>Notes to self</h1>" in html
    room = Room.objects.get(kind=Room.Kind.DIRECT)
    assert [m.user for m in room.memberships.all()] == [alice]


def test_direct_room_is_not_reachable_as_group_room(login, alice, bob, mallory):
    room = services.open_direct_room(alice, bob)

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
    room = services.open_direct_room(alice, bob)
    posted = post_many(room, alice, 3)

    html = login(bob).get(f"/p/alice/messages?before={posted[2].id}", **HTMX).content.decode()

    assert article_ids(html) == [posted[0].id, posted[1].id]


# --- leaving and removing ---------------------------------------------------------------


def test_creator_removes_member_from_private_room(login, alice, bob, secret):
    services.add_member(secret, bob)

    response = login(alice).post(f"/r/{secret.slug}/members/remove", {"username": "bob"}, **HTMX)

    assert response.content.decode().startswith('<aside id="members-panel"')
    assert login(bob).get(f"/r/{secret.slug}/").status_code == 404


def test_member_leaves_private_room(login, alice, bob, secret):
    services.add_member(secret, bob)

    response = login(bob).post(f"/r/{secret.slug}/members/remove", {"username": "bob"})

    assert response["Location"] == "/"
    assert not Membership.objects.filter(room=secret, user=bob).exists()


def test_member_cannot_remove_others(login, alice, bob, secret):
    services.add_member(secret, bob)

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
    services.add_member(secret, bob)
    posted = services.post_message(secret, alice, "after you left").message
    services.remove_member(secret, bob)
    client = login(bob)

    assert client.get(f"/r/{secret.slug}/").status_code == 404
    assert client.get(f"/r/{secret.slug}/messages?before={posted.id + 1}").status_code == 404
    assert (
        client.get(f"/r/{secret.slug}/messages?before={posted.id + 1}", **HTMX).status_code == 404
    )
    assert "after you left" not in client.get("/").content.decode()
