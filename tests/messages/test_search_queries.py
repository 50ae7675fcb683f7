"""What search (``chat.messages.search``) makes of the words typed: the matches marked and the
rest escaped, and queries that are not search syntax answered without error, clipped or empty.
Every test runs on whichever database the suite runs on (SQLite's FTS5 or PostgreSQL's
full-text search)."""

from __future__ import annotations

import pytest

from chat.limits import SEARCH_MAX_CHARS
from chat.messages import search
from chat.models import Message
from tests.support.messages import say
from tests.support.search import found_bodies

pytestmark = pytest.mark.django_db


# --- the highlight --------------------------------------------------------------------


def test_matched_words_are_marked_and_the_rest_escaped(alice, lunch):
    say(lunch, alice, "<b>hot</b> soup & bread")

    (result,) = search.search(alice, "soup").results

    assert result.highlighted == "&lt;b&gt;hot&lt;/b&gt; <mark>soup</mark> &amp; bread"


def test_a_matched_word_inside_markup_is_marked_inside_the_escaped_markup(alice, lunch):
    say(lunch, alice, '<script>alert("soup")</script>')

    (result,) = search.search(alice, "soup").results

    assert result.highlighted == (
        "&lt;script&gt;alert(&quot;<mark>soup</mark>&quot;)&lt;/script&gt;"
    )


def test_every_matched_word_and_prefix_is_marked(alice, lunch):
    say(lunch, alice, "Soup at lunchtime, more soup")

    (result,) = search.search(alice, "soup lunch").results

    assert result.highlighted == (
        "<mark>Soup</mark> at <mark>lunchtime</mark>, more <mark>soup</mark>"
    )


def test_a_body_holding_the_highlighters_markers_is_shown_escaped_and_unmarked(alice, lunch):
    (said,) = say(lunch, alice, "soup")
    # Written past the form, as an older version might have stored it.
    Message.objects.filter(pk=said.pk).update(body="soup \x02<i>\x03")

    (result,) = search.search(alice, "soup").results

    assert result.highlighted == "soup \x02&lt;i&gt;\x03"


# --- queries that are not search syntax ----------------------------------------------------

BAD_QUERIES = [
    '"',
    '"soup',
    'soup"',
    '""',
    "*",
    "soup*",
    "(",
    ")",
    "(soup",
    "soup)",
    ":",
    "body:soup",
    "^soup",
    "-soup",
    "soup -bread",
    "NEAR",
    "NEAR(soup bread)",
    "soup NEAR bread",
    "AND",
    "OR",
    "NOT",
    "soup AND",
    "OR soup",
    "NOT soup",
    "soup & | ! <-> :*",
    "'soup'",
    "\\",
    "\x00",
    "%s %%",
    "!!! ??? ...",
    "soup" * 2500,
    "x" * 10_000,
    "soup " * 2000,
]


@pytest.mark.parametrize("query", BAD_QUERIES)
def test_each_bad_query_answers_without_error(alice, lunch, query):
    say(lunch, alice, "soup and bread")

    page = search.search(alice, query)

    assert isinstance(page.results, list)
    assert len(page.query) <= SEARCH_MAX_CHARS


@pytest.mark.parametrize("query", ['"soup', "soup)", "(soup", "^soup", "-soup", "soup*", "'soup'"])
def test_syntax_around_a_word_is_ignored_and_the_word_searched(alice, lunch, query):
    say(lunch, alice, "soup and bread")

    assert found_bodies(search.search(alice, query)) == ["soup and bread"]


@pytest.mark.parametrize("word", ["NOT", "AND", "OR", "NEAR"])
def test_search_operators_are_searched_as_plain_words(alice, lunch, word):
    say(lunch, alice, f"soup {word} bread", "soup bread")

    assert found_bodies(search.search(alice, f"soup {word}")) == [f"soup {word} bread"]


def test_a_long_query_is_clipped_and_says_so(alice, lunch):
    page = search.search(alice, "x" * 10_000)

    assert page.query == "x" * SEARCH_MAX_CHARS
    assert page.clipped is True


def test_more_than_sixteen_words_are_clipped_and_it_says_so(alice, lunch):
    say(lunch, alice, "w1 w2 w3 w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 w16")

    page = search.search(alice, " ".join(f"w{n}" for n in range(1, 18)))

    assert page.words == tuple(f"w{n}" for n in range(1, 17))
    assert page.clipped is True
    assert len(page.results) == 1


def test_a_query_that_fits_is_not_clipped(alice, lunch):
    assert search.search(alice, "soup bread").clipped is False


def test_the_clipped_note_names_the_limits():
    assert search.CLIPPED == "Only the first 200 characters and 16 words of a search are used."


@pytest.mark.parametrize("query", ["", "   ", "\n\t"])
def test_an_empty_query_is_an_empty_page_flagged_empty(alice, lunch, query):
    say(lunch, alice, "soup")

    page = search.search(alice, query)

    assert (page.empty, page.results, page.has_more, page.query) == (True, [], False, "")


def test_a_query_of_punctuation_only_is_an_empty_page_flagged_empty(alice, lunch):
    say(lunch, alice, "!!! ???")

    page = search.search(alice, "!!! ???")

    assert (page.empty, page.results, page.query) == (True, [], "!!! ???")


def test_a_query_with_words_is_not_flagged_empty(alice, lunch):
    assert search.search(alice, "nothing-like-it").empty is False
