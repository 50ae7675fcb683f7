"""The composer's reply bar (``static/chat/js/replies.js``), in Chromium: "Reply" loads it
(htmx), the focus goes to the box, the send carries ``reply_to`` and takes the bar away,
a refused send gives it back (unless the reply itself was refused), and the cross cancels. The
page is the real one against a scripted fake WebSocket (``tests.support.fake_socket``), as
in ``tests/test_client_composer.py``."""

from __future__ import annotations

import pytest
from django.template.loader import render_to_string
from playwright.sync_api import Route, expect

from chat.broadcast import frames as rendering
from chat.messages import replies
from chat.messages.forms import MessageForm
from chat.models import Message
from chat.styleguide.samples import person
from tests.support.fake_socket import ack

pytestmark = pytest.mark.browser

BAR = "#reply-bar"
BOX = "#composer textarea[name=body]"

#: Bob's message as the room's sockets receive it, with its Reply and Copy link actions.
BOBS = (
    '<div id="messages" hx-swap-oob="beforeend"><article id="message-12" class="message" '
    'data-author="2" data-revision="37"><header><a class="author" href="/u/bob/">bob</a>'
    '</header><p class="body">Lunch at noon?</p><div class="actions">'
    '<a id="message-12-reply" class="action reply" href="/m/12/reply" hx-get="/m/12/reply" '
    'hx-target="#reply-bar" hx-swap="outerHTML">Reply</a><a id="message-12-link" '
    'class="action copy-link" href="/m/12/">Copy link</a></div>'
    '<div id="message-12-slot" class="slot"></div></article></div>'
)


def reply_bar() -> str:
    """What ``GET /m/12/reply`` answers htmx: the bar quoting Bob's message."""
    original = Message(id=12, author=person(2, "bob"), body="Lunch at noon?")
    return render_to_string(
        "chat/room.html#reply-bar", {"replying_to": original, "post_url": "/p/bob/"}
    )


def opened_with_bobs_message(open_room):
    room = open_room(revision=36)
    room.page.route(
        "**/m/12/reply",
        lambda route: Route.fulfill(route, body=reply_bar(), content_type="text/html"),
    )
    room.open()
    room.send(BOBS)
    return room


def refused(sent: dict, *, reply_error: str = "") -> str:
    form = MessageForm({key: sent[key] for key in ("body", "client_id", "reply_to") if key in sent})
    form.is_valid()
    if reply_error:
        form.add_error("reply_to", reply_error)
    return rendering.composer_frame(form, ack=form.ack, notice="Wait 4 s", wait=4)


def test_reply_fills_the_bar_and_the_send_carries_it(open_room) -> None:
    room = opened_with_bobs_message(open_room)
    bar = room.page.locator(BAR)
    expect(bar).to_be_hidden()

    room.page.locator("#message-12-reply").click()

    expect(bar).to_be_visible()
    expect(bar).to_contain_text("Replying to bob: Lunch at noon?")
    expect(room.page.locator(BOX)).to_be_focused()
    room.type_and_send("Yes!")
    assert room.posts()[0]["reply_to"] == "12"
    expect(bar).to_be_hidden()
    expect(bar.locator("input")).to_have_count(0)
    room.send(ack(room.posts()[0]["client_id"], message_id=13))
    expect(bar).to_be_hidden()

    room.type_and_send("And a plain one")
    assert "reply_to" not in room.posts()[1]


def test_a_refused_send_gives_the_reply_back(open_room) -> None:
    room = opened_with_bobs_message(open_room)
    room.page.locator("#message-12-reply").click()
    expect(room.page.locator(BAR)).to_be_visible()
    room.type_and_send("Yes!")

    room.send(refused(room.posts()[0]))

    expect(room.page.locator(BAR)).to_contain_text("Replying to bob")
    expect(room.page.locator(BOX)).to_have_value("Yes!")
    room.page.locator(BOX).press("Enter")
    expect(room.page.locator(BOX)).to_have_value("")
    assert room.posts()[1]["reply_to"] == "12"


def test_a_refused_reply_is_dropped_and_the_text_kept(open_room) -> None:
    room = opened_with_bobs_message(open_room)
    room.page.locator("#message-12-reply").click()
    expect(room.page.locator(BAR)).to_be_visible()
    room.type_and_send("Yes!")

    room.send(refused(room.posts()[0], reply_error=replies.GONE))

    expect(room.page.locator("#composer .error")).to_have_text(replies.GONE)
    expect(room.page.locator(BOX)).to_have_value("Yes!")
    expect(room.page.locator(BAR)).to_be_hidden()


def test_the_cross_and_escape_cancel_the_reply(open_room) -> None:
    room = opened_with_bobs_message(open_room)
    bar = room.page.locator(BAR)
    room.page.locator("#message-12-reply").click()
    expect(bar).to_be_visible()

    bar.locator(".cancel-reply").click()

    expect(bar).to_be_hidden()
    expect(room.page.locator(BOX)).to_be_focused()
    room.page.locator("#message-12-reply").click()
    expect(bar).to_be_visible()
    expect(room.page.locator(BOX)).to_be_focused()
    room.page.locator(BOX).press("Escape")
    expect(bar).to_be_hidden()
    room.type_and_send("Not a reply")
    assert "reply_to" not in room.posts()[0]
