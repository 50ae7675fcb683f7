"""Catching up over HTTP (``chat.views.catching_up``, rules in ``chat.messages.catching_up``):
the "New since your last visit" line, "Mark unread", "Mark all read" and the mentions page,
with their refusals (404 for what one may not read, CSRF, nothing changed by a GET)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from chat.messages import catching_up, posting
from chat.messages import edits as changes
from chat.models import Membership
from chat.rooms import joining
from chat.rooms import services as rooms
from tests.support.joining import join
from tests.support.messages import HTMX, say, write_to

pytestmark = pytest.mark.django_db


def last_read(room, person) -> int:
    return Membership.objects.get(room=room, user=person).last_read


def mention_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<article id="mention-(\d+)"', html)]


def line_before(html: str) -> int | None:
    """The id of the article the shown "New since" line stands before, if it shows."""
    found = re.search(
        r'<div id="new-since"(?![^>]*hidden)[^>]*>.*?</div>\s*<article id="message-(\d+)"',
        html,
        re.S,
    )
    return int(found.group(1)) if found else None


# --- the line --------------------------------------------------------------------------


def test_the_line_stands_before_the_first_unread_message_and_is_gone_next_visit(
    login, alice, bob, lunch
):
    join(bob, "lunch")
    say(lunch, alice, "old news")
    client = login(bob)
    client.get("/r/lunch/")  # bob reads it all
    first, _second = say(lunch, alice, "fresh one", "fresh two")

    html = client.get("/r/lunch/").content.decode()

    assert line_before(html) == first.id
    assert html.count('id="new-since"') == 1
    # Read now: the next visit has no line (its element is there, hidden, for "Mark unread").
    again = client.get("/r/lunch/").content.decode()
    assert line_before(again) is None
    assert re.search(r'<div id="new-since"[^>]* hidden>', again)


def test_a_visitor_and_a_direct_conversation(login, alice, bob, lunch):
    say(lunch, alice, "hello visitors")
    assert line_before(login(bob).get("/r/lunch/").content.decode()) is None  # not a member

    write_to(alice, bob, "are you there?")
    html = login(bob).get("/p/alice/").content.decode()
    assert line_before(html) is not None  # bob never opened it


# --- mark unread -----------------------------------------------------------------------


def test_mark_unread_moves_the_read_position_back_to_just_before_the_message(
    login, alice, bob, lunch
):
    join(bob, "lunch")
    _a, b, c = say(lunch, alice, "a", "b", "c")
    client = login(bob)
    client.get("/r/lunch/")
    assert last_read(lunch, bob) == c.id

    form = client.get(f"/m/{b.id}/unread")
    assert form.status_code == 200
    assert f'action="/m/{b.id}/unread"' in form.content.decode()
    assert last_read(lunch, bob) == c.id  # a GET changes nothing

    response = client.post(f"/m/{b.id}/unread")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert last_read(lunch, bob) == b.id - 1
    lobby = client.get("/").content.decode()
    assert 'class="unread" title="unread messages">2<' in lobby


def test_mark_unread_for_htmx_answers_the_article_and_the_line_before_it(login, alice, bob, lunch):
    join(bob, "lunch")
    (message,) = say(lunch, alice, "mark me")

    html = login(bob).post(f"/m/{message.id}/unread", **HTMX).content.decode()

    assert f'<article id="message-{message.id}"' in html and 'hx-swap-oob="outerHTML"' in html
    assert f'data-before="message-{message.id}"' in html
    assert 'id="alerts"' in html


def test_mark_unread_is_refused_to_those_who_may_not_read_it(login, alice, bob, secret):
    (message,) = say(secret, alice, "plans")
    client = login(bob)
    assert client.get(f"/m/{message.id}/unread").status_code == 404
    assert client.post(f"/m/{message.id}/unread").status_code == 404
    assert client.post("/m/99999999/unread").status_code == 404


def test_mark_unread_is_refused_to_a_visitor_and_a_member_who_left(login, alice, bob, lunch):
    (message,) = say(lunch, alice, "hello")
    client = login(bob)
    assert client.post(f"/m/{message.id}/unread").status_code == 404  # not a member
    join(bob, "lunch")
    joining.leave_room(lunch, bob)
    assert client.post(f"/m/{message.id}/unread").status_code == 404
    assert not Membership.objects.filter(room=lunch, user=bob).exists()


def test_mark_unread_and_read_all_need_the_csrf_token_and_a_signed_in_person(alice, lunch):
    (message,) = say(lunch, alice, "hello")
    before = last_read(lunch, alice)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(f"/m/{message.id}/unread").status_code == 403
    assert client.post("/read-all").status_code == 403
    assert last_read(lunch, alice) == before
    assert Client().post("/read-all").status_code == 302  # to the login page


# --- mark all read ---------------------------------------------------------------------


def test_read_all_reads_every_room_of_mine_and_only_mine(login, alice, bob, lunch):
    join(bob, "lunch")
    tea = rooms.create_room(alice, {"title": "Tea", "kind": "public"})
    join(bob, "tea")
    (in_lunch,) = say(lunch, alice, "soup")
    (in_tea,) = say(tea, alice, "cake")
    _room, posted = write_to(alice, bob, "psst")
    alices = sorted(Membership.objects.filter(user=alice).values_list("last_read", flat=True))
    client = login(bob)

    assert client.get("/read-all").status_code == 405  # no change on GET
    assert last_read(lunch, bob) < in_lunch.id

    response = client.post("/read-all", {"next": "/r/tea/"})

    assert response.status_code == 302 and response["Location"] == "/r/tea/"
    assert last_read(lunch, bob) == in_lunch.id
    assert last_read(tea, bob) == in_tea.id
    assert last_read(posted.message.room, bob) == posted.message.id
    assert (
        sorted(Membership.objects.filter(user=alice).values_list("last_read", flat=True)) == alices
    )
    assert client.post("/read-all", {"next": "//evil.example/"})["Location"] == "/"
    assert client.post("/read-all", **HTMX).status_code == 200


# --- the mentions page -----------------------------------------------------------------


def test_mentions_newest_first_replies_too_unread_marked(login, alice, bob, lunch):
    join(bob, "lunch")
    (mine,) = say(lunch, bob, "my question")
    client = login(bob)
    (first,) = say(lunch, alice, "@bob first")
    client.get("/r/lunch/")  # read up to here
    (second,) = say(lunch, alice, "@bob second <b>bold</b>")

    answered = posting.post_message(
        lunch, alice, {"body": "an answer", "reply_to": mine.id}
    ).message

    html = client.get("/mentions/").content.decode()

    ids = [int(n) for n in re.findall(r'<article id="mention-(\d+)"', html)]
    assert ids == [answered.id, second.id, first.id]
    assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold</b>" not in html
    assert html.count("mention-item not-read") == 2  # first was read
    assert f'href="/m/{first.id}/"' in html
    assert client.get(f"/m/{first.id}/")["Location"].startswith("/r/lunch/?around=")


def test_mentions_leave_out_rooms_i_left_and_deleted_messages(
    login, alice, bob, carol, lunch, secret
):
    join(bob, "lunch")
    rooms.add_member(secret, alice, {"username": "bob"})
    (in_lunch,) = say(lunch, alice, "@bob public")
    (in_secret,) = say(secret, alice, "@bob private")
    (gone,) = say(secret, alice, "@bob soon deleted")
    changes.delete_message(alice, gone.id)
    client = login(bob)

    def ids() -> list[int]:
        return mention_ids(client.get("/mentions/").content.decode())

    assert ids() == [in_secret.id, in_lunch.id]

    joining.leave_room(lunch, bob)  # a public room left: still readable, no longer mine here
    rooms.remove_member(secret, alice, {"username": "bob"})
    assert ids() == []
    assert "Nobody has mentioned you yet." in client.get("/mentions/").content.decode()


def test_the_mentions_page_pages_and_refuses_posts(login, alice, bob, lunch):
    join(bob, "lunch")
    say(lunch, alice, *[f"@bob number {n}" for n in range(25)])
    client = login(bob)
    first = client.get("/mentions/").content.decode()
    second = client.get("/mentions/?page=2").content.decode()
    assert first.count('class="message result mention-item') == 20
    assert second.count('class="message result mention-item') == 5
    assert "number 24" in first and "number 0" in second
    assert client.post("/mentions/").status_code == 405


def test_the_sidebar_links_the_mentions_with_their_unread_count(login, alice, bob, lunch):
    join(bob, "lunch")
    tea = rooms.create_room(alice, {"title": "Tea", "kind": "public"})
    join(bob, "tea")
    say(tea, alice, "@bob one", "@bob two")
    html = login(bob).get("/r/lunch/").content.decode()
    assert re.search(
        r'id="sidebar-mentions"[^>]*href="/mentions/">Mentions <span class="mentions"[^>]*>@2<',
        html,
    )
    assert 'class="read-all-form"' in html


def test_marking_is_limited(login, alice, lunch):
    client = login(alice)
    for _ in range(catching_up.READ_MARKS.limit):
        assert client.post("/read-all").status_code == 302
    refused = client.post("/read-all")
    assert refused.status_code == 429
    assert "Retry-After" in refused
