"""A conversation's history (``…/messages``, ``chat.views.history``): the older messages
before ``?before=<id>``, the newer ones after ``?after=<id>``, as an htmx partial or a page
of their own."""

from __future__ import annotations

import pytest

from chat.limits import PAGE_SIZE
from chat.rooms import services as rooms
from tests.support.messages import HTMX, article_ids, post_many, say, write_to

pytestmark = pytest.mark.django_db


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


def test_direct_older_messages(login, alice, bob):
    room = rooms.open_direct_room(alice, bob)
    posted = post_many(room, alice, 3)

    html = login(bob).get(f"/p/alice/messages?before={posted[2].id}", **HTMX).content.decode()

    assert article_ids(html) == [posted[0].id, posted[1].id]


# --- the newer partial -------------------------------------------------------------------


def test_the_newer_partial_brings_the_next_page(login, alice, lunch):
    posted = post_many(lunch, alice, 3 * PAGE_SIZE)
    after = posted[10]

    html = login(alice).get(f"/r/lunch/messages?after={after.id}", **HTMX).content.decode()

    expected = posted[11 : 11 + PAGE_SIZE]
    assert article_ids(html) == [m.id for m in expected]
    assert html.endswith(
        f'<a id="newer" class="newer" href="/r/lunch/messages?after={expected[-1].id}" '
        f'hx-get="/r/lunch/messages?after={expected[-1].id}" hx-target="this" '
        'hx-swap="outerHTML">Load newer messages</a>'
    )


def test_the_last_newer_partial_says_the_latest_is_reached(login, alice, lunch):
    posted = post_many(lunch, alice, PAGE_SIZE)

    html = login(alice).get(f"/r/lunch/messages?after={posted[-4].id}", **HTMX).content.decode()

    assert article_ids(html) == [m.id for m in posted[-3:]]
    assert html.endswith('<span id="reached-latest" hidden></span>')


def test_newer_messages_without_htmx_are_a_full_page(login, alice, lunch):
    posted = post_many(lunch, alice, 3)

    html = login(alice).get(f"/r/lunch/messages?after={posted[0].id}").content.decode()

    assert "<html" in html
    assert "<h1>Later in Lunch</h1>" in html
    assert article_ids(html) == [posted[1].id, posted[2].id]


def test_newer_messages_of_a_direct_conversation(login, alice, bob):
    _room, first = write_to(alice, bob, "one")
    _room, second = write_to(alice, bob, "two")

    url = f"/p/alice/messages?after={first.message.id}"
    html = login(bob).get(url, **HTMX).content.decode()

    assert article_ids(html) == [second.message.id]


@pytest.mark.parametrize("query", ["?after=", "?after=abc", "?after=-5", f"?after={2**64}"])
def test_newer_needs_a_message_id(login, alice, lunch, query):
    response = login(alice).get(f"/r/lunch/messages{query}")

    assert response.status_code == 400
    assert "?after=&lt;message id&gt; is required." in response.content.decode()


def test_a_former_member_cannot_read_newer_messages(login, alice, bob, secret):
    rooms.add_member(secret, alice, {"username": "bob"})
    (said,) = say(secret, alice, "before you left")
    rooms.remove_member(secret, alice, {"username": "bob"})

    url = f"/r/{secret.slug}/messages?after={said.id - 1}"
    assert login(bob).get(url, **HTMX).status_code == 404
