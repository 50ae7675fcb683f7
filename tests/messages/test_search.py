"""Search (``chat.messages.search``): matches, order, pages, who may read what, and changes
reflected at once. Every test runs on whichever database the suite runs on (SQLite's FTS5 or
PostgreSQL's full-text search)."""

from __future__ import annotations

import importlib

import pytest
from django.db import connection

from chat.limits import SEARCH_PAGE_SIZE
from chat.messages import edits as changes
from chat.messages import search
from chat.models import Room
from chat.rooms import services as rooms
from tests.support.messages import say, write_to
from tests.support.search import found_bodies

pytestmark = pytest.mark.django_db


def found_ids(page: search.SearchPage) -> list[int]:
    return [result.message.id for result in page.results]


# --- matching ---------------------------------------------------------------------------


def test_a_message_holding_the_word_is_found(alice, lunch):
    said = say(lunch, alice, "soup is ready", "nothing to see here")

    page = search.search(alice, "soup")

    assert found_ids(page) == [said[0].id]


def test_case_does_not_matter(alice, lunch):
    say(lunch, alice, "Soup is ready")

    assert found_bodies(search.search(alice, "SOUP")) == ["Soup is ready"]


def test_every_word_must_be_in_the_message(alice, lunch):
    say(lunch, alice, "tomato soup", "onion soup", "tomato salad")

    assert found_bodies(search.search(alice, "soup tomato")) == ["tomato soup"]


def test_the_last_word_also_finds_longer_words_it_starts(alice, lunch):
    say(lunch, alice, "lunchtime at noon", "a late breakfast")

    assert found_bodies(search.search(alice, "lunc")) == ["lunchtime at noon"]


def test_only_the_last_word_is_a_prefix(alice, lunch):
    say(lunch, alice, "lunchtime at noon")

    assert found_bodies(search.search(alice, "lunc noon")) == []


def test_a_last_word_shorter_than_three_letters_matches_only_itself(alice, lunch):
    say(lunch, alice, "we met at noon", "attention please")

    assert found_bodies(search.search(alice, "at")) == ["we met at noon"]


def test_a_word_written_like_markup_is_found(alice, lunch):
    say(lunch, alice, "use the <Button> component")

    (result,) = search.search(alice, "button").results

    assert result.highlighted == "use the &lt;<mark>Button</mark>&gt; component"


def test_a_word_inside_an_address_is_found(alice, lunch):
    say(lunch, alice, "write to bob@example.com or see https://example.org/soup")

    (result,) = search.search(alice, "soup example").results

    assert result.highlighted == (
        "write to bob@<mark>example</mark>.com or see https://<mark>example</mark>.org/"
        "<mark>soup</mark>"
    )


def test_formatted_words_are_found_by_the_words(alice, lunch):
    [bold] = say(lunch, alice, "**deploy** at ~~one~~ `two`")

    for word in ("deploy", "one", "two"):
        assert found_ids(search.search(alice, word)) == [bold.id], word


def test_the_markup_a_body_renders_to_is_not_searched(alice, lunch):
    say(lunch, alice, "**deploy** now, see example.com", "> quoted\n- listed")

    for tag in ("strong", "href", "nofollow", "blockquote", "li", "rel"):
        assert search.search(alice, tag).results == [], tag


def test_marks_in_formatted_text_are_put_in_the_escaped_source(alice, lunch):
    say(lunch, alice, '**soup** <img src=x onerror="alert(1)"> [soup](javascript:soup)')

    (result,) = search.search(alice, "soup").results

    assert result.highlighted == (
        "**<mark>soup</mark>** &lt;img src=x onerror=&quot;alert(1)&quot;&gt; "
        "[<mark>soup</mark>](javascript:<mark>soup</mark>)"
    )


def test_results_come_newest_first(alice, lunch):
    said = say(lunch, alice, "soup one", "soup two", "soup three")

    assert found_ids(search.search(alice, "soup")) == [m.id for m in reversed(said)]


def test_a_page_holds_twenty_results_and_says_more_remain(alice, lunch):
    said = say(lunch, alice, *[f"soup number {n}" for n in range(SEARCH_PAGE_SIZE + 5)])

    page = search.search(alice, "soup")

    assert found_ids(page) == [m.id for m in reversed(said[5:])]
    assert page.has_more is True
    assert page.next_before == said[5].id


def test_before_gives_the_next_page_of_older_results(alice, lunch):
    said = say(lunch, alice, *[f"soup number {n}" for n in range(SEARCH_PAGE_SIZE + 5)])

    page = search.search(alice, "soup", before=said[5].id)

    assert found_ids(page) == [m.id for m in reversed(said[:5])]
    assert page.has_more is False
    assert page.next_before is None


def test_a_match_older_than_the_messages_read_first_is_found(alice, lunch, monkeypatch):
    # PostgreSQL reads the newest RECENT_ROWS messages first, then asks its index.
    monkeypatch.setattr(search, "RECENT_ROWS", 3)
    (soup,) = say(lunch, alice, "soup")
    say(lunch, alice, "one", "two", "three", "four")

    assert found_ids(search.search(alice, "soup")) == [soup.id]


def test_a_full_page_is_found_past_the_messages_read_first(alice, lunch, monkeypatch):
    monkeypatch.setattr(search, "RECENT_ROWS", 3)
    said = say(lunch, alice, *[f"soup {n}" for n in range(SEARCH_PAGE_SIZE + 2)], "bread")

    page = search.search(alice, "soup")

    assert found_ids(page) == [m.id for m in reversed(said[2:-1])]
    assert page.next_before == said[2].id


def test_a_page_of_words_in_every_other_message_is_found_past_the_first_window(
    alice, lunch, monkeypatch
):
    # Half a page in the first window: PostgreSQL reads a wider one rather than the index.
    monkeypatch.setattr(search, "RECENT_ROWS", 30)
    said = say(lunch, alice, *[f"{'soup' if n % 2 else 'bread'} {n}" for n in range(60)])
    soups = [m.id for m in said if m.body.startswith("soup")]

    page = search.search(alice, "soup")

    assert found_ids(page) == soups[::-1][:SEARCH_PAGE_SIZE]
    assert page.has_more is True


# --- who may read what ------------------------------------------------------------------


def test_anyone_signed_in_finds_messages_of_a_public_room(alice, mallory, lunch):
    say(lunch, alice, "soup in the public room")

    assert found_bodies(search.search(mallory, "soup")) == ["soup in the public room"]


def test_an_outsider_finds_nothing_of_a_private_room(alice, mallory, secret):
    say(secret, alice, "the soup recipe is secret")

    assert found_bodies(search.search(mallory, "soup")) == []


def test_a_member_finds_messages_of_a_private_room(alice, bob, secret):
    rooms.add_member(secret, alice, {"username": "bob"})
    say(secret, alice, "the soup recipe is secret")

    assert found_bodies(search.search(bob, "soup")) == ["the soup recipe is secret"]


def test_a_former_member_finds_nothing_of_a_private_room(alice, bob, secret):
    rooms.add_member(secret, alice, {"username": "bob"})
    say(secret, bob, "my own soup message, said while I was a member")
    rooms.remove_member(secret, alice, {"username": "bob"})

    assert found_bodies(search.search(bob, "soup")) == []


def test_a_direct_conversation_is_found_by_its_two_people_only(alice, bob, mallory):
    write_to(alice, bob, "soup tonight?")

    assert found_bodies(search.search(bob, "soup")) == ["soup tonight?"]
    assert found_bodies(search.search(alice, "soup")) == ["soup tonight?"]
    assert found_bodies(search.search(mallory, "soup")) == []


def test_each_result_links_its_room_as_the_reader_addresses_it(alice, bob, lunch):
    say(lunch, alice, "soup in lunch")
    write_to(alice, bob, "soup for two")
    write_to(alice, alice, "soup for me")

    results = search.search(alice, "soup").results

    assert [(r.room_name, r.room_url) for r in results] == [
        ("Notes to self", "/p/alice/"),
        ("bob", "/p/bob/"),
        ("Lunch", "/r/lunch/"),
    ]
    assert [r.room_name for r in search.search(bob, "soup").results] == ["alice", "Lunch"]


def test_a_result_links_the_room_page_opened_around_it(alice, lunch):
    (said,) = say(lunch, alice, "soup")

    (result,) = search.search(alice, "soup").results

    assert result.url == f"/r/lunch/?around={said.id}#message-{said.id}"


def test_a_page_of_results_costs_the_same_queries_however_many_rooms(
    alice, bob, mallory, lunch, django_assert_max_num_queries
):
    say(lunch, alice, "soup 1")
    write_to(alice, bob, "soup 2")
    write_to(alice, mallory, "soup 3")
    for n in range(5):
        say(rooms.create_room(alice, {"title": f"Kitchen {n}", "kind": "public"}), alice, "soup")

    # The search with its rooms rule (on PostgreSQL, the newest messages, then the index);
    # the messages with their rooms and authors; the other people of direct rooms.
    with django_assert_max_num_queries(4):
        page = search.search(alice, "soup")
    assert len(page.results) == 8


# --- changes are reflected at once --------------------------------------------------------


def test_a_deleted_message_is_not_found(alice, lunch):
    (said,) = say(lunch, alice, "soup to forget")

    changes.delete_message(alice, said.id)

    assert found_bodies(search.search(alice, "soup")) == []


def test_an_edited_message_is_found_by_its_new_words(alice, lunch):
    (said,) = say(lunch, alice, "soup of the day")

    changes.edit_message(alice, said.id, {"body": "salad of the day"})

    assert found_bodies(search.search(alice, "salad")) == ["salad of the day"]


def test_an_edited_message_is_no_longer_found_by_its_old_words(alice, lunch):
    (said,) = say(lunch, alice, "soup of the day")

    changes.edit_message(alice, said.id, {"body": "salad of the day"})

    assert found_bodies(search.search(alice, "soup")) == []


def test_a_message_removed_from_the_database_is_not_found(alice, lunch):
    say(lunch, alice, "soup in a room about to go")

    Room.objects.filter(pk=lunch.pk).delete()

    assert found_bodies(search.search(alice, "soup")) == []


def test_the_migration_indexes_messages_stored_before_it(alice, lunch):
    migration = importlib.import_module("chat.migrations.0006_message_search")
    vendor = connection.vendor
    with connection.cursor() as cursor:
        for statement in migration.BACKWARD[vendor]:
            cursor.execute(statement)
        said = say(lunch, alice, "soup said while there was no index")
        if vendor == "postgresql":  # no index on a table with foreign keys left to check
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        for statement in migration.FORWARD[vendor]:
            cursor.execute(statement)

    assert found_ids(search.search(alice, "soup")) == [said[0].id]


def test_the_search_reads_the_index_the_migration_made(alice, lunch):
    readable = Room.objects.visible_to(alice).order_by().values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            sql, params = search._sqlite_sql(("soup",), readable, 100, 21)
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " / ".join(row[-1] for row in cursor.fetchall())
            assert "SCAN chat_message_fts VIRTUAL TABLE INDEX" in plan
            assert "TEMP B-TREE" not in plan  # newest first straight from the index
        else:
            # Only the expression index can answer this: without a sequential scan, the
            # plan names it exactly when search.py writes the migration's expression.
            cursor.execute("SET LOCAL enable_seqscan = off")
            document = search._pg_text("body")
            query = f"SELECT id FROM chat_message WHERE to_tsvector('simple', {document})"  # noqa: S608
            cursor.execute(f"EXPLAIN {query} @@ to_tsquery('simple', 'soup')")
            plan = " / ".join(row[0] for row in cursor.fetchall())
            assert "chat_message_body_search" in plan
