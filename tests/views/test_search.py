"""The search page and the search box (``chat.views.search``): results, their pages, the
hint and the notices, and what is escaped."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from chat.bots import services as bots
from chat.limits import SEARCH_PAGE_SIZE
from chat.messages import attachments
from chat.rooms import services as rooms
from tests.support.files import upload
from tests.support.messages import article_ids, in_room, say, write_to

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
    assert '<div class="body as-typed" dir="auto"><mark>soup</mark> is ready</div>' in html


def test_a_result_links_into_the_conversation_around_it(login, alice, lunch):
    (said,) = say(lunch, alice, "soup is ready")

    html = search_html(login(alice), "soup")

    link = f'<a class="show" href="/r/lunch/?around={said.id}#message-{said.id}">'
    assert f"{link}Show in the conversation</a>" in html


def test_a_direct_result_names_and_links_the_other_person(login, alice, bob):
    write_to(alice, bob, "soup tonight?")

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
        '<div class="body as-typed" dir="auto">&lt;b&gt;<mark>soup</mark>&lt;/b&gt; &amp; '
        "&lt;script&gt;bread&lt;/script&gt;</div>"
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


def test_a_result_shows_its_file_and_its_author_as_a_bot_without_more_queries(
    login, alice, lunch, media_root, django_assert_max_num_queries
):
    attachments.attach(in_room(lunch, alice), upload("plan.txt", b"x"), {"body": "soup plan"})
    _bot, token = bots.create_bot(lunch, alice, {"name": "souper", "avatar_letter": "S"})
    bots.bot_post(token, {"body": "soup is served"})
    client = login(alice)
    client.get("/")  # the chat's own settings in the cache, as on a running server

    # Session, user and their profile (the header), the people they muted (the page's
    # style), the search (twice on PostgreSQL), the messages with all they show; and
    # remembering the search (chat.messages.recent_searches: two writes in a savepoint).
    with django_assert_max_num_queries(11):
        html = search_html(client, "soup")

    assert re.search(r'<a class="attachment file" href="/files/\d+/plan.txt" download>', html)
    assert (
        '<a class="author" href="/u/souper/" title="@souper">souper</a> <span class="badge bot">'
        in html
    )
