"""The composer's answers on the room page, one test per rule, in Chromium: a send refused as
too fast comes back with its words and a notice that goes when the wait is over
(``static/chat/js/composer.js``, ``notices.js``), and a send not stored yet shows as pending
(``pending.js``). The page is the real one against a scripted fake WebSocket
(``tests.support.fake_socket``), as in ``tests/test_client_protocol.py``.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from chat import ratelimit
from chat.broadcast import frames as rendering
from chat.messages.forms import MessageForm
from tests.support.fake_socket import ack, message

pytestmark = pytest.mark.browser


# --- a send refused as too fast -------------------------------------------------------


def test_a_refused_text_comes_back_with_the_caret_after_it(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    room.type_and_send("kept text")
    sent = room.posts()[0]
    refused = MessageForm({"body": sent["body"], "client_id": sent["client_id"]})
    refused.is_valid()
    room.send(rendering.composer_frame(refused, ack=refused.ack, notice="Wait 4 s", wait=4))

    box = room.page.locator("#composer textarea[name=body]")
    expect(box).to_have_value("kept text")
    expect(box).to_be_focused()
    box.press_sequentially(" and more")
    expect(box).to_have_value("kept text and more")


def test_a_notice_about_a_wait_goes_when_the_wait_is_over(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    room.type_and_send("too soon")
    sent = room.posts()[0]
    refused = MessageForm({"body": sent["body"], "client_id": sent["client_id"]})
    refused.is_valid()
    words = ratelimit.POSTING.message.format(wait=ratelimit.readable_wait(4))
    room.send(rendering.composer_frame(refused, ack=refused.ack, notice=words, wait=4))

    notice = room.page.locator("#notice")
    expect(notice).to_have_text(words)
    room.page.clock.run_for(3_900)
    expect(notice).to_have_text(words)  # still true
    room.page.clock.run_for(200)
    expect(notice).to_have_text("")


def test_a_notice_replaced_meanwhile_is_not_cleared_by_the_old_wait(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    room.send(rendering.notice_frame("Wait 4 s", wait=4))
    room.send(rendering.notice_frame("Something else"))
    room.page.clock.run_for(5_000)
    expect(room.page.locator("#notice")).to_have_text("Something else")


# --- a send not stored yet shows as pending --------------------------------------------

PENDING = "#messages article.pending"


def test_a_send_shows_as_pending_until_its_article_is_there(open_room) -> None:
    room = open_room(revision=36)
    room.type_and_send("<b>soup</b> while offline")  # the socket is not open yet
    copy = room.page.locator(PENDING)
    expect(copy).to_have_count(1)
    expect(copy.locator(".body")).to_have_text("<b>soup</b> while offline")  # as text
    expect(copy).to_contain_text("sending…")
    assert room.shown() == []  # not a message yet

    room.open()  # the send goes now
    client_id = room.posts()[0]["client_id"]
    room.send(message(12, 37, "from bob"))
    expect(room.page.locator("#messages > article").last).to_have_class("pending")  # at the foot
    # The answer may come before the article (the article goes round the channel layer).
    room.send(ack(client_id, message_id=13))
    expect(copy).to_have_count(1)
    room.send(message(13, 38, "&lt;b&gt;soup&lt;/b&gt; while offline", author=1))
    expect(copy).to_have_count(0)
    assert [message_id for message_id, _ in room.shown()] == ["message-12", "message-13"]


def test_a_refused_send_is_no_longer_pending(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    room.type_and_send("too soon")
    expect(room.page.locator(PENDING)).to_have_count(1)
    sent = room.posts()[0]
    refused = MessageForm({"body": sent["body"], "client_id": sent["client_id"]})
    refused.is_valid()
    room.send(rendering.composer_frame(refused, ack=refused.ack, notice="Wait 4 s", wait=4))
    expect(room.page.locator(PENDING)).to_have_count(0)
    expect(room.page.locator("#composer textarea")).to_have_value("too soon")


def test_a_pending_send_outlives_a_reconnect_and_a_replaced_list(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    room.type_and_send("across the outage")
    room.reconnect()
    # A long absence: the resume's answer is the whole list again.
    room.send(
        '<div id="messages" class="messages" hx-swap-oob="true">'
        '<p id="older" class="older start">This is the beginning of the conversation.</p>'
        "</div>"
    )
    expect(room.page.locator(PENDING)).to_have_text(re.compile("across the outage"))
