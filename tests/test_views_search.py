"""The search page, the search box, and room pages opened around a message (where a result
leads): the target with its neighbours, "Load older" and "Load newer", the newer partial,
and the latest page for any id that is not a readable message of the room."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from chat import attachments, bots, messages, rooms
from chat.limits import AROUND_EACH_SIDE, PAGE_SIZE, SEARCH_PAGE_SIZE
from tests.conftest import HTMX, article_ids, post_many, say
from tests.files import upload

pytestmark = pytest.mark.django_db

HINT = "Type a word or two in the search box to find messages in the rooms you can read."


def search_html(client: Client, query: str) -> str:
    response = client.get("/search", {"q": query})
    assert response.status_code == 200
    return response.content.decode()


# --- the search page ---------------------------------------------------------------------


def test_anonymous_people_are_sent_to_sign_in_first(db):
    response = Client().get("/search?q=soup")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/search%3Fq%3Dsoup"


def test_each_result_is_the_messages_article(login, alice, lunch):
    (said,) = say(lunch, alice, "soup is ready")

    html = search_html(login(alice), "soup")

    assert f'<article id="message-{said.id}" class="message result" data-author="{alice.pk}">' in (
        html
    )


def test_a_result_shows_its_author_room_and_marked_body(login, alice, lunch):
    say(lunch, alice, "soup is ready")

    html = search_html(login(alice), "soup")

    assert (
        '<a class="author" href="/u/alice/" title="@alice">alice</a> in '
        '<a class="room" href="/r/lunch/">Lunch</a>'
    ) in html
    assert '<p class="body"><mark>soup</mark> is ready</p>' in html


def test_a_result_links_into_the_conversation_around_it(login, alice, lunch):
    (said,) = say(lunch, alice, "soup is ready")

    html = search_html(login(alice), "soup")

    link = f'<a class="show" href="/r/lunch/?around={said.id}#message-{said.id}">'
    assert f"{link}Show in the conversation</a>" in html


def test_a_direct_result_names_and_links_the_other_person(login, alice, bob):
    messages.post_direct_message(alice, bob, {"body": "soup tonight?"})

    html = search_html(login(bob), "soup")

    assert '<a class="room" href="/p/alice/">alice</a>' in html


def test_results_come_newest_first(login, alice, lunch):
    said = say(lunch, alice, "soup one", "soup two")

    assert article_ids(search_html(login(alice), "soup")) == [said[1].id, said[0].id]


@pytest.mark.parametrize("url", ["/search", "/search?q=", "/search?q=+++"])
def test_an_empty_search_shows_the_hint(login, alice, url):
    html = login(alice).get(url).content.decode()

    assert f'<p class="hint">{HINT}</p>' in html
    assert "No messages match" not in html


def test_a_search_of_punctuation_only_shows_the_hint(login, alice):
    assert f'<p class="hint">{HINT}</p>' in search_html(login(alice), "?!*")


def test_a_search_without_results_says_nothing_matches(login, alice, lunch):
    say(lunch, alice, "soup is ready")

    html = search_html(login(alice), "bread")

    assert '<p class="empty">No messages match “bread”.</p>' in html


def test_the_search_is_escaped_wherever_it_is_shown(login, alice):
    html = search_html(login(alice), '<img src=x onerror="boom">')

    assert "<img src=x" not in html
    assert "No messages match “&lt;img src=x onerror=&quot;boom&quot;&gt;”." in html
    assert 'value="&lt;img src=x onerror=&quot;boom&quot;&gt;"' in html
    assert "&lt;img src=x onerror=&quot;boom&quot;&gt; · Search · Chat</title>" in html


def test_a_body_is_escaped_around_its_marks(login, alice, lunch):
    say(lunch, alice, "<b>soup</b> & <script>bread</script>")

    html = search_html(login(alice), "soup")

    assert (
        '<p class="body">&lt;b&gt;<mark>soup</mark>&lt;/b&gt; &amp; '
        "&lt;script&gt;bread&lt;/script&gt;</p>"
    ) in html


def test_a_room_title_is_escaped_in_results(login, alice):
    room = rooms.create_room(alice, {"title": "<i>Kitchen</i>", "kind": "public"})
    say(room, alice, "soup")

    html = search_html(login(alice), "soup")

    assert f'<a class="room" href="/r/{room.slug}/">&lt;i&gt;Kitchen&lt;/i&gt;</a>' in html


def test_more_results_links_the_next_page(login, alice, lunch):
    said = say(lunch, alice, *[f"soup {n}" for n in range(SEARCH_PAGE_SIZE + 1)])

    html = search_html(login(alice), "soup")

    oldest_shown = said[1].id
    assert (
        f'<a class="more" href="/search?q=soup&amp;before={oldest_shown}">More results</a>' in html
    )


def test_the_next_page_holds_the_older_results(login, alice, lunch):
    said = say(lunch, alice, *[f"soup {n}" for n in range(SEARCH_PAGE_SIZE + 1)])

    html = login(alice).get(f"/search?q=soup&before={said[1].id}").content.decode()

    assert article_ids(html) == [said[0].id]
    assert "More results" not in html


def test_more_results_keeps_every_word_of_the_search(login, alice, lunch):
    say(lunch, alice, *[f"hot soup & bread {n}" for n in range(SEARCH_PAGE_SIZE + 1)])

    html = search_html(login(alice), "soup & bread")

    assert re.search(r'href="/search\?q=soup%20%26%20bread&amp;before=\d+">More results', html)


def test_the_last_page_has_no_more_link(login, alice, lunch):
    say(lunch, alice, "soup")

    assert "More results" not in search_html(login(alice), "soup")


@pytest.mark.parametrize("before", ["abc", "-1", "0", str(2**64), ""])
def test_a_before_that_is_not_a_message_id_is_the_first_page(login, alice, lunch, before):
    (said,) = say(lunch, alice, "soup")

    html = login(alice).get(f"/search?q=soup&before={before}").content.decode()

    assert article_ids(html) == [said.id]


def test_a_clipped_search_says_so(login, alice):
    html = search_html(login(alice), "x" * 10_000)

    note = "Only the first 200 characters and 16 words of a search are used."
    assert f'<p class="notice">{note}</p>' in html


def test_a_search_that_fits_says_nothing_of_clipping(login, alice):
    assert "Only the first" not in search_html(login(alice), "soup")


@pytest.mark.parametrize("query", ['"', '"soup', "NEAR(soup", "soup OR", "*", "-", "^:()"])
def test_a_query_in_search_syntax_answers_a_page(login, alice, lunch, query):
    say(lunch, alice, "soup")

    search_html(login(alice), query)


def test_an_outsiders_search_shows_nothing_of_a_private_room(login, alice, mallory, secret):
    say(secret, alice, "the secret soup")

    html = search_html(login(mallory), "soup")

    assert "secret soup" not in html
    assert secret.slug not in html


def test_search_pages_are_never_cached(login, alice):
    response = login(alice).get("/search?q=soup")

    assert {"private", "no-store"} <= {
        part.strip() for part in response["Cache-Control"].split(",")
    }


def test_search_answers_only_get(login, alice):
    assert login(alice).post("/search", {"q": "soup"}).status_code == 405


# --- the search box ----------------------------------------------------------------------


def test_signed_in_pages_have_a_search_box_in_the_header(login, alice):
    html = login(alice).get("/").content.decode()

    assert '<form class="search-box" role="search" method="get" action="/search">' in html
    assert '<label for="search-q" class="visually-hidden">Search messages</label>' in html
    assert '<input id="search-q" type="search" name="q" value="" placeholder=' in html


def test_the_search_box_holds_the_search_on_its_results(login, alice):
    html = search_html(login(alice), "soup bread")

    assert '<input id="search-q" type="search" name="q" value="soup bread"' in html


def test_the_sign_in_page_has_no_search_box(db):
    assert 'role="search"' not in Client().get("/accounts/login/").content.decode()


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
    room, _first = messages.post_direct_message(alice, bob, {"body": "hello"})
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
    _room, first = messages.post_direct_message(alice, bob, {"body": "one"})
    _room, second = messages.post_direct_message(alice, bob, {"body": "two"})

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


def test_a_result_shows_its_file_and_its_author_as_a_bot_without_more_queries(
    login, alice, lunch, media_root, django_assert_max_num_queries
):
    attachments.attach(lunch, alice, upload("plan.txt", b"x"), {"body": "soup plan"})
    _bot, token = bots.create_bot(lunch, alice, {"name": "souper", "avatar_letter": "S"})
    bots.bot_post(token, {"body": "soup is served"})
    client = login(alice)

    # Session, user and their profile (the header), the search (twice on PostgreSQL), the
    # messages with all they show.
    with django_assert_max_num_queries(6):
        html = search_html(client, "soup")

    assert re.search(r'<a class="attachment file" href="/files/\d+/plan.txt" download>', html)
    assert (
        '<a class="author" href="/u/souper/" title="@souper">souper</a> <span class="badge bot">'
        in html
    )
