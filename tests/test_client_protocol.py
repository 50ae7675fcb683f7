"""The room page's side of the socket protocol, one test per rule, in Chromium: the unit
tests of ``static/chat/js/room-sync.js``, the one module that writes to the socket, with
those of ``message-list.js``, which shows what it holds. The composer's answers and pending
sends are in ``tests/test_client_composer.py``.

The page is the real one: ``chat/room.html`` rendered by Django (a direct conversation
nobody has written in yet, so no database is read), with htmx and its ws extension as
django-htmx serves them and the modules of ``static/chat/js/`` that ``main.js`` imports
(as collected: the hashed names the page links, importing each other by hashed name,
so a module missing from the collection fails the page). Its WebSocket is a scripted fake
(``tests.support.fake_socket``): each test decides exactly which frames the "server" sends
and when the socket opens or drops, and reads exactly what the page sent. Timers (the gap's
healing, the ws extension's reconnect delay) run on Playwright's clock, never on sleeps.

The frames are written in the shape the partials of ``chat/room.html`` give them
(``#new-messages``, ``#ack``, ``#cursor``): ids, ``data-revision`` and ``hx-swap-oob``
are what the page reads.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.fake_socket import HEAL_AFTER_MS, ack, changed, cursor, message

pytestmark = pytest.mark.browser


# --- the cursor: resume carries the revision the page is complete up to ---------------


def test_resume_carries_the_revision_the_page_was_loaded_at(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    assert room.resumes() == [{"type": "resume", "after": 0, "cursor": 36}]


def test_the_cursor_moves_over_revisions_seen_and_stops_at_a_gap(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    room.send(message(11, 37, "one"), message(13, 39, "three"))  # 38 not seen
    room.reconnect()
    assert room.resumes()[-1]["cursor"] == 37

    # A resume's answer says how far the page is complete; what it saw beyond counts too.
    room.send(message(14, 40, "four"), cursor(38))
    room.reconnect()
    assert room.resumes()[-1] == {"type": "resume", "after": 14, "cursor": 40}

    # Nothing seen beyond: the cursor is what the server said, not one more.
    room.send(cursor(42))
    room.reconnect()
    assert room.resumes()[-1]["cursor"] == 42


# --- gap healing: a gap still open after HEAL_AFTER_MS is asked for ------------------


def test_a_gap_still_open_after_a_while_is_asked_for(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    room.send(message(11, 37, "one"), message(13, 39, "three"))  # 38 is missing
    room.page.clock.run_for(HEAL_AFTER_MS - 100)
    assert len(room.resumes()) == 1  # only the opening one: 38 may be on its way
    room.page.clock.run_for(200)
    assert room.resumes()[1:] == [{"type": "resume", "after": 13, "cursor": 37}]


def test_a_gap_filled_in_time_is_not_asked_for(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    room.send(message(11, 37, "one"), message(13, 39, "three"))
    room.send(message(12, 38, "two"))  # overtaken, not lost
    room.page.clock.run_for(HEAL_AFTER_MS * 3)
    assert len(room.resumes()) == 1
    assert [body for _, body in room.shown()] == ["one", "two", "three"]


# --- dedupe: a message arriving twice is shown once ---------------------------------


def test_a_message_arriving_twice_is_shown_once(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    room.type_and_send("hello")
    client_id = room.posts()[0]["client_id"]
    mine = message(11, 37, "hello", author=1)
    room.send(mine, ack(client_id))
    room.send(mine)  # a resume overlapping the live delivery
    room.send(message(12, 38, "hi"))
    room.send(message(12, 38, "hi"))
    assert room.shown() == [("message-11", "hello"), ("message-12", "hi")]


# --- a changed message: in place of its copy, by htmx's own swap ----------------------


def test_a_changed_message_replaces_its_copy_in_place_with_the_focus_kept(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    room.send(changed(11, 37, "one"), changed(12, 38, "two"), changed(13, 39, "three"))
    room.page.focus("#message-12-react")

    room.send(changed(12, 40, "two, edited"))
    assert room.shown() == [
        ("message-11", "one"),
        ("message-12", "two, edited"),
        ("message-13", "three"),
    ]
    # The focused action is the new copy's, by its id.
    expect(room.page.locator("#message-12-react")).to_be_focused()


def test_a_changed_message_keeps_the_form_open_in_it(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    room.send(changed(11, 37, "one"))
    # An edit form, as htmx loads it into the message, with words typed and the focus.
    room.page.evaluate(
        """() => {
          document.getElementById("message-11-slot").innerHTML =
            '<form class="edit-form"><textarea id="edit-11" name="body">one more</textarea></form>';
          document.getElementById("edit-11").focus();
        }"""
    )
    room.send(changed(11, 38, "one, reacted to"))  # a reaction from someone else meanwhile
    assert room.shown() == [("message-11", "one, reacted to")]
    box = room.page.locator("#message-11 .edit-form textarea")
    expect(box).to_have_value("one more")
    expect(box).to_be_focused()


# --- resend: a send not answered when the socket dropped goes again, same id ---------


#: The frames the newest socket sent, parsed, but for whether the tab is shown
#: (static/chat/js/visibility.js says it on every socket it sees open).
LATEST_SENT = """() => window.__server.latest().sent.map(JSON.parse)
  .filter(frame => frame.type !== "visibility")"""


def test_a_send_not_answered_is_sent_again_after_a_reconnect(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    room.type_and_send("answered")
    room.send(message(11, 37, "answered", author=1), ack(room.posts()[0]["client_id"]))
    room.type_and_send("lost in the outage")
    unanswered = room.posts()[1]

    room.reconnect()
    resent = room.page.evaluate(LATEST_SENT)
    # The resume first (what changed meanwhile), then the unanswered send, once, same id;
    # the answered one is not sent again.
    assert [frame.get("type", "post") for frame in resent] == ["resume", "post"]
    assert resent[1]["client_id"] == unanswered["client_id"]
    assert resent[1]["body"] == "lost in the outage"

    room.send(message(12, 38, "lost in the outage", author=1), ack(unanswered["client_id"]))
    room.reconnect()
    assert [frame.get("type") for frame in room.page.evaluate(LATEST_SENT)] == ["resume"]


# --- order: messages are kept in id order -------------------------------------------


def test_messages_are_kept_in_id_order(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    # Two server processes: the later message's frame overtakes the earlier one's.
    room.send(message(12, 38, "second"), message(11, 37, "first"), message(13, 39, "third"))
    assert room.shown() == [
        ("message-11", "first"),
        ("message-12", "second"),
        ("message-13", "third"),
    ]
