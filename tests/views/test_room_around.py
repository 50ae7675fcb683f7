"""A conversation's page opened around a message (``?around=<id>``, ``chat.views.room``),
where a search result leads: the target with its neighbours, "Load older" and "Load newer",
and the latest page for any id that is not a readable message of the room."""

from __future__ import annotations

import pytest

from chat.limits import AROUND_EACH_SIDE, PAGE_SIZE
from tests.support.messages import article_ids, post_many, say, write_to

pytestmark = pytest.mark.django_db


# --- a room opened around a message ---------------------------------------------------------


def test_a_room_opens_around_a_message(login, alice, lunch):
    posted = post_many(lunch, alice, 3 * PAGE_SIZE)
    target = posted[PAGE_SIZE]

    html = login(alice).get(f"/r/lunch/?around={target.id}").content.decode()

    each_side = AROUND_EACH_SIDE
    expected = posted[PAGE_SIZE - each_side : PAGE_SIZE + each_side + 1]
    assert article_ids(html) == [m.id for m in expected]
    assert f'<article id="message-{target.id}"' in html


def test_a_room_opened_around_a_message_loads_older_and_newer(login, alice, lunch):
    posted = post_many(lunch, alice, 3 * PAGE_SIZE)
    target = posted[PAGE_SIZE]

    html = login(alice).get(f"/r/lunch/?around={target.id}").content.decode()

    oldest = posted[PAGE_SIZE - AROUND_EACH_SIDE].id
    newest = posted[PAGE_SIZE + AROUND_EACH_SIDE].id
    assert f'hx-get="/r/lunch/messages?before={oldest}"' in html
    assert (
        f'<a id="newer" class="newer" href="/r/lunch/messages?after={newest}" '
        f'hx-get="/r/lunch/messages?after={newest}" hx-target="this" hx-swap="outerHTML">'
        "Load newer messages</a>"
    ) in html


def test_a_room_opened_around_an_older_message_is_marked_as_not_at_the_latest(login, alice, lunch):
    posted = post_many(lunch, alice, 3 * PAGE_SIZE)

    html = login(alice).get(f"/r/lunch/?around={posted[PAGE_SIZE].id}").content.decode()

    assert '<div id="messages" class="messages" data-latest="false">' in html


def test_a_room_opened_around_a_recent_message_is_at_the_latest(login, alice, lunch):
    posted = post_many(lunch, alice, 3 * PAGE_SIZE)
    target = posted[-3]

    html = login(alice).get(f"/r/lunch/?around={target.id}").content.decode()

    assert article_ids(html) == [m.id for m in posted[-3 - AROUND_EACH_SIDE :]]
    assert '<div id="messages" class="messages">' in html
    assert 'id="newer"' not in html


def test_a_room_opened_around_its_first_message_shows_the_beginning(login, alice, lunch):
    posted = post_many(lunch, alice, 3 * PAGE_SIZE)

    html = login(alice).get(f"/r/lunch/?around={posted[0].id}").content.decode()

    assert article_ids(html) == [m.id for m in posted[: AROUND_EACH_SIDE + 1]]
    assert '<p id="older" class="older start">' in html


def test_a_direct_conversation_opens_around_a_message(login, alice, bob):
    room, _first = write_to(alice, bob, "hello")
    posted = post_many(room, alice, 3 * PAGE_SIZE)
    target = posted[PAGE_SIZE]

    html = login(bob).get(f"/p/alice/?around={target.id}").content.decode()

    assert f'<article id="message-{target.id}"' in html
    assert f'href="/p/alice/messages?after={posted[PAGE_SIZE + AROUND_EACH_SIDE].id}"' in html


@pytest.mark.parametrize("around", ["", "abc", "-1", "0", "999999999", str(2**64), "1.5"])
def test_an_around_that_is_not_a_message_shows_the_latest_page(login, alice, lunch, around):
    posted = post_many(lunch, alice, 2 * PAGE_SIZE)

    response = login(alice).get(f"/r/lunch/?around={around}")

    assert response.status_code == 200
    assert article_ids(response.content.decode()) == [m.id for m in posted[-PAGE_SIZE:]]


def test_an_around_of_another_rooms_message_shows_the_latest_page_and_nothing_of_it(
    login, alice, mallory, lunch, secret
):
    posted = post_many(lunch, alice, 2 * PAGE_SIZE)
    (hidden,) = say(secret, alice, "the secret soup")

    response = login(mallory).get(f"/r/lunch/?around={hidden.id}")

    html = response.content.decode()
    assert article_ids(html) == [m.id for m in posted[-PAGE_SIZE:]]
    assert "secret soup" not in html
    assert 'id="newer"' not in html
