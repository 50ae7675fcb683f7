"""What a conversation looks like with everything of the third round in it, for two people in
Chromium: formatting and a highlighted code block, a group of messages under one byline, a
reply quoting its original, and the sidebar's badge for a room with news. It takes the
README's picture of a room (``make screenshots``)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browsing import (
    create_public_room,
    lunch_for_two,
    message_with,
    screenshot,
    send,
)
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser

CODE = "```python\ndef lunch(people):\n    return f\"table for {people}\"\n```"


@pytest.mark.screenshots
def test_a_conversation_reads_like_a_chat(people, server: LiveServer) -> None:
    alice, bob = lunch_for_two(people, server)
    bob.page.goto("/")
    create_public_room(bob, server, "Plans", "plans")
    bob.page.goto("/r/lunch/")
    expect(bob.badge).to_have_attribute("data-state", "live")

    send(alice, "**Lunch** moved to *12:30*, see https://example.com/menu")
    # Shift+Enter keeps the fence's lines in one message.
    alice.composer.fill(CODE)
    alice.composer.press("Enter")
    expect(alice.composer).to_have_value("")

    formatted = message_with(bob, "moved to")
    expect(formatted.locator(".body strong")).to_have_text("Lunch")
    expect(formatted.locator(".body em")).to_have_text("12:30")
    link = formatted.locator(".body a[href='https://example.com/menu']")
    expect(link).to_have_attribute("rel", "nofollow noopener noreferrer")
    code = message_with(bob, "table for").locator("pre.highlight")
    expect(code.locator(".k").first).to_have_text("def")  # highlighted on the server
    # Said by alice within minutes of her first: grouped under one byline.
    expect(message_with(bob, "table for")).to_have_class("message follows-on")

    # Bob replies to the first message; both see the quote.
    formatted.hover()
    formatted.locator(".action.reply").click()
    expect(bob.page.locator("#reply-bar")).to_contain_text("Replying to alice")
    send(bob, "Works for me :thumbsup:")
    for person in (alice, bob):
        reply = message_with(person, "Works for me")
        expect(reply.locator("blockquote.reply")).to_contain_text("Lunch moved to 12:30")
        expect(reply.locator(".body")).to_have_text("Works for me 👍")

    # News in another room shows as a badge in bob's sidebar, live.
    alice.page.goto("/r/plans/")
    send(alice, "Friday: the harbour?")
    entry = bob.page.locator("#sidebar a[href='/r/plans/'] .unread")
    expect(entry).to_have_text("1")
    bob.page.mouse.move(0, 0)  # no message hovered: their actions hidden
    bob.composer.blur()
    screenshot(bob.page, "room-formatted.png")
