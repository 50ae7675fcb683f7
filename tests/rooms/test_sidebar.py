"""The sidebar beside a conversation (``chat.rooms.lobby.sidebar``, ``chat/room.html#sidebar``):
the lobby's own counts, only the reader's rooms, the open one marked, and a constant number of
queries however many rooms there are."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat.models import Membership, Room
from chat.rooms import lobby
from chat.rooms import services as rooms
from tests.support.joining import join
from tests.support.messages import say

pytestmark = pytest.mark.django_db

#: One entry of the sidebar: (room id, whether it is the current one, its link's words).
ENTRY = re.compile(
    r'<a id="sidebar-room-(\d+)" href="[^"]*"( aria-current="page")?>(.*?)</a></li>', re.S
)
BADGE = re.compile(r'<span class="(unread|mentions)" title="[^"]*">@?(\d+)</span>')


def sidebar_of(html: str) -> str:
    """The sidebar's part of a page."""
    start = html.index('<nav id="sidebar"')
    return html[start : html.index("</nav>", start)]


def badges(html: str) -> dict[int, dict[str, int]]:
    """{room id: {"unread": n, "mentions": n}} as the sidebar or the lobby shows them."""
    return {
        int(room_id): {kind: int(n) for kind, n in BADGE.findall(words)}
        for room_id, _current, words in ENTRY.findall(html)
    }


def lobby_badges(html: str) -> dict[int, dict[str, int]]:
    entries = re.findall(r'<li id="lobby-room-(\d+)".*?</li>', html, re.S)
    found = {}
    for room_id in entries:
        entry = re.search(rf'<li id="lobby-room-{room_id}".*?</li>', html, re.S).group(0)
        found[int(room_id)] = {kind: int(n) for kind, n in BADGE.findall(entry)}
    return found


@pytest.fixture
def busy(alice, bob, mallory, lunch, secret):
    """bob is in lunch (read up to nothing), secret (added), a direct conversation with
    alice, and a muted room; others have written in each, mentioning him here and there."""
    join(bob, "lunch")
    rooms.add_member(secret, alice, {"username": "bob"})
    tea = rooms.create_room(mallory, {"title": "Tea", "kind": Room.Kind.PUBLIC})
    join(bob, "tea")
    Membership.objects.filter(room=tea, user=bob).update(notify=Membership.Notify.NOTHING)
    say(lunch, alice, "one", "@bob two", "three")
    say(secret, alice, "@bob psst")
    say(tea, mallory, "tea?", "@bob tea!")
    rooms.open_direct_room(alice, bob)
    direct = rooms.find_direct_room(alice, bob)
    say(direct, alice, "hi bob")
    return {"lunch": lunch, "secret": secret, "tea": tea, "direct": direct}


def test_the_sidebar_counts_what_the_lobby_counts(login, bob, busy):
    client = login(bob)
    in_the_lobby = lobby_badges(client.get("/").content.decode())

    html = sidebar_of(client.get("/r/tea/").content.decode())  # opening tea reads it

    shown = badges(html)
    assert shown.pop(busy["tea"].id) == {}
    in_the_lobby.pop(busy["tea"].id)
    assert shown == in_the_lobby
    assert shown[busy["lunch"].id] == {"mentions": 1, "unread": 3}
    assert shown[busy["secret"].id] == {"mentions": 1, "unread": 1}
    assert shown[busy["direct"].id] == {"unread": 1}


def test_a_muted_room_shows_no_count_in_the_sidebar_as_in_the_lobby(login, bob, busy):
    html = sidebar_of(login(bob).get("/r/lunch/").content.decode())

    assert badges(html)[busy["tea"].id] == {}
    assert 'class="sidebar-entry muted" data-notify="nothing"' in html


def test_the_open_conversation_is_marked_current_and_read(login, bob, busy):
    html = sidebar_of(login(bob).get("/r/lunch/").content.decode())

    current = [int(room_id) for room_id, mark, _ in ENTRY.findall(html) if mark]
    assert current == [busy["lunch"].id]
    assert badges(html)[busy["lunch"].id] == {}  # opening it read it


def test_a_direct_conversation_is_marked_current_on_its_page(login, bob, busy):
    html = sidebar_of(login(bob).get("/p/alice/").content.decode())

    assert f'<a id="sidebar-room-{busy["direct"].id}" href="/p/alice/" aria-current="page">' in html


def test_the_sidebar_lists_rooms_and_conversations_apart(login, bob, busy):
    html = sidebar_of(login(bob).get("/r/lunch/").content.decode())

    rooms_part, directs_part = html.split('id="sidebar-directs-title"')
    assert f'id="sidebar-room-{busy["direct"].id}"' in directs_part
    for name in ("lunch", "secret", "tea"):
        assert f'id="sidebar-room-{busy[name].id}"' in rooms_part
    assert ">alice</span>" in directs_part  # named for its reader


def test_the_sidebar_never_lists_others_private_rooms(login, alice, mallory, lunch, secret):
    join(mallory, "lunch")

    html = sidebar_of(login(mallory).get("/r/lunch/").content.decode())

    assert f'id="sidebar-room-{secret.id}"' not in html
    assert "Secret plans" not in html
    assert f'id="sidebar-room-{lunch.id}"' in html


def test_the_sidebar_escapes_names(login, alice, bob):
    room = rooms.create_room(alice, {"title": "<b>bold</b> & co", "kind": Room.Kind.PUBLIC})
    join(bob, room.slug)

    html = sidebar_of(login(bob).get(f"/r/{room.slug}/").content.decode())

    assert "&lt;b&gt;bold&lt;/b&gt; &amp; co" in html
    assert "<b>bold</b>" not in html


def test_the_sidebar_links_the_switcher_and_opens_its_socket(login, bob, busy):
    html = sidebar_of(login(bob).get("/r/lunch/").content.decode())

    assert '<a id="switch-link" class="switch-link" href="/switch/"' in html
    assert 'hx-ext="ws" ws-connect="/ws/sidebar/?here=/r/lunch/"' in html


def test_the_sidebar_folds_behind_a_toggle_closed_at_first(login, bob, busy):
    html = login(bob).get("/r/lunch/").content.decode()

    assert '<details class="sidebar-toggle"><summary>' in html  # not open


# --- what it costs ------------------------------------------------------------------------


def page_queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_sidebar_is_one_query(bob, busy, django_assert_num_queries):
    with django_assert_num_queries(1):
        context = lobby.sidebar(bob, "/r/lunch/")
    assert len(context["sidebar_rooms"]) == 3 and len(context["sidebar_directs"]) == 1


def test_a_room_page_costs_the_same_however_many_rooms_are_beside_it(
    login, alice, bob, lunch, django_assert_num_queries
):
    join(bob, "lunch")
    say(lunch, alice, "hello")
    client = login(bob)
    client.get("/r/lunch/")  # the chat's own settings in the cache, as on a running server
    few = page_queries(client, "/r/lunch/")
    for number in range(8):
        room = rooms.create_room(alice, {"title": f"Room {number}", "kind": Room.Kind.PUBLIC})
        join(bob, room.slug)
        say(room, alice, f"@bob in room {number}")
    client.get("/r/lunch/")  # the session back in the cache, which say() cleared

    with django_assert_num_queries(few):
        html = client.get("/r/lunch/").content.decode()
    assert len(badges(sidebar_of(html))) == 9


# --- the socket's frame -------------------------------------------------------------------


def test_the_sidebar_frame_replaces_the_list_by_id(bob, busy):
    html = lobby.sidebar_frame(bob, "/r/lunch/")

    assert html.startswith('<div id="sidebar-list" class="sidebar-list" hx-swap-oob="true">')
    assert f'<a id="sidebar-room-{busy["lunch"].id}" href="/r/lunch/" aria-current="page">' in html
    assert "data-page-title" not in html  # the room page keeps its own title


@pytest.mark.parametrize(
    ("query", "here"),
    [
        (b"here=/r/lunch/", "/r/lunch/"),
        (b"here=%2Fp%2Falice%2F", "/p/alice/"),
        (b"", ""),
        (b"here=https://elsewhere.example/", ""),
        (b"here=//elsewhere.example/", ""),
        (b"here=/" + b"a" * 400, ""),
    ],
)
def test_a_sidebar_socket_names_its_conversation_by_a_path_of_this_site(query, here):
    assert lobby.sidebar_here(query) == here
