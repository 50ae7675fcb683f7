"""The lobby: listings, creating rooms, starting a conversation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from chat.messages import attachments
from chat.models import Membership, Message, Room
from chat.rooms import services as rooms
from tests.support.files import upload
from tests.support.joining import join
from tests.support.messages import HTMX, in_room, post_many, say

pytestmark = pytest.mark.django_db

# --- lobby ---------------------------------------------------------------------


def test_lobby_lists_public_rooms_with_member_count(login, alice, bob, lunch):
    join(bob, "lunch")

    html = login(bob).get("/").content.decode()

    assert '<a href="/r/lunch/">Lunch</a>' in html
    assert "2 members" in html


def test_lobby_shows_unread_counts(login, alice, bob, lunch):
    join(bob, "lunch")
    post_many(lunch, alice, 3)

    html = login(bob).get("/").content.decode()

    assert '<span class="unread" title="unread messages">3</span>' in html


def test_lobby_unread_clears_after_visiting(login, alice, bob, lunch):
    join(bob, "lunch")
    post_many(lunch, alice, 3)
    client = login(bob)

    client.get("/r/lunch/")

    assert 'class="unread"' not in client.get("/").content.decode()


def test_lobby_escapes_last_message_preview(login, alice, lunch):
    say(lunch, alice, "<script>alert(1)</script>")

    html = login(alice).get("/").content.decode()

    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_lobby_previews_the_words_of_a_formatted_message_not_its_markup(login, alice, lunch):
    say(lunch, alice, "**Lunch** moved to *noon*")

    html = login(alice).get("/").content.decode()

    assert "Lunch moved to noon" in html
    assert "**Lunch**" not in html


def test_lobby_names_the_file_of_a_message_without_words(login, alice, lunch, media_root):
    attachments.attach(in_room(lunch, alice), upload("<plan>.txt", b"x"), {})

    html = login(alice).get("/").content.decode()

    assert re.search(r'alice:</span> <span aria-hidden="true">📎</span> &lt;plan&gt;.txt</p>', html)


def test_lobby_hides_private_rooms_of_others(login, mallory, secret):
    html = login(mallory).get("/").content.decode()

    assert "Secret plans" not in html


def test_lobby_lists_direct_conversations(login, alice, bob):
    room = rooms.open_direct_room(alice, bob)
    say(room, alice, "hi bob")

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

    assert re.fullmatch(r"/r/book-club-[0-9a-f]{10}/", response["HX-Redirect"])


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


def test_a_hidden_private_room_does_not_show_in_a_new_rooms_address(login, bob, secret):
    response = login(bob).post("/", {"title": "Secret Plans", "kind": "public"})

    assert response["Location"] == "/r/secret-plans/"


def test_create_room_rejects_unknown_kind(login, alice):
    response = login(alice).post("/", {"title": "Odd", "kind": "direct"}, **HTMX)

    assert "Select a valid choice." in response.content.decode()
    assert not Room.objects.exists()


def test_the_lobby_lists_public_rooms_a_page_at_a_time(login, alice, bob, mallory):
    from django.core.cache import cache

    for n in range(32):
        rooms.create_room([alice, bob, mallory][n % 3], {"title": f"Room {n:02}", "kind": "public"})
        cache.clear()  # past the hourly room-creation limit: this is about pages
    client = login(alice)

    first, second = (
        client.get(url).content.decode().split("<h2>Public rooms</h2>")[1]
        for url in ("/", "/?page=2")
    )

    assert first.count('<a href="/r/room-') == 30
    assert '<a href="?page=2" rel="next">Older rooms</a>' in first
    assert second.count('<a href="/r/room-') == 2
    assert '<a href="?page=1" rel="prev">Newer rooms</a>' in second


def test_public_rooms_say_how_long_ago_they_were_active(login, alice, lunch):
    (message,) = say(lunch, alice, "hello")
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(minutes=5))

    html = login(alice).get("/").content.decode()

    assert re.search(
        r'· active <time datetime="[^"]+" data-relative title="[^"]+ UTC">5\xa0minutes ago</time>',
        html,
    ), html[html.index("public-rooms") :][:800]
