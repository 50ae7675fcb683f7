"""Replies and message links with two people in Chromium: Alice replies to Bob's message with
its Reply action, Bob sees the quote and follows it to the original; Copy link puts the
message's /m/<id>/ address on the clipboard; that address opens a message many pages back."""

from __future__ import annotations

import re
from pprint import pformat

import pytest
from playwright.sync_api import expect

from tests.support.browsing import (
    axe_violations,
    create_public_room,
    join_room,
    lunch_for_two,
    message_with,
    seed,
    send,
    sign_up,
)
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser

CLIPBOARD = {"permissions": ["clipboard-read", "clipboard-write"]}


def test_a_reply_quotes_and_links_the_original(people, server: LiveServer) -> None:
    alice, bob = lunch_for_two(people, server, **CLIPBOARD)
    send(bob, "Soup or salad?")
    theirs = message_with(alice, "Soup or salad?")
    original_id = theirs.get_attribute("id")

    theirs.hover()
    theirs.locator(".action.reply").click()
    bar = alice.page.locator("#reply-bar")
    expect(bar).to_contain_text("Replying to bob: Soup or salad?")
    expect(alice.composer).to_be_focused()
    send(alice, "Soup, always")
    expect(bar).to_be_hidden()

    # Bob sees the reply quoting his message, marked as a reply to him.
    reply = message_with(bob, "Soup, always")
    quote = reply.locator("blockquote.reply")
    expect(quote).to_contain_text("bob")
    expect(quote).to_contain_text("Soup or salad?")
    bob_id = bob.page.evaluate("document.body.dataset.viewer")
    expect(quote).to_have_attribute("data-author", bob_id)
    expect(reply).to_have_css("box-shadow", re.compile(r"inset"))

    # The quote leads to the original, in view.
    quote.locator("a").click()
    number = original_id.removeprefix("message-")
    expect(bob.page).to_have_url(f"{server.url}/r/lunch/?around={number}#{original_id}")
    expect(bob.page.locator(f"#{original_id}")).to_be_in_viewport()

    # Copy link: the message's address on the clipboard, and a word that it is.
    mine = message_with(alice, "Soup, always")
    reply_id = mine.get_attribute("id").removeprefix("message-")
    mine.hover()
    mine.locator(".action.copy-link").click()
    expect(alice.page.locator("#notice")).to_have_text("Link copied")
    copied = alice.page.evaluate("navigator.clipboard.readText()")
    assert copied == f"{server.url}/m/{reply_id}/"
    expect(alice.page).to_have_url(f"{server.url}/r/lunch/")  # the page stayed

    # A message many pages back opens from its link, in view.
    seed(server, "lunch", [("alice", f"later {n}") for n in range(130)])
    bob.page.goto(f"/m/{number}/")
    expect(bob.page.locator(f"#{original_id}")).to_be_in_viewport()
    expect(bob.page.locator(f"#{original_id} .body")).to_have_text("Soup or salad?")
    expect(bob.page.locator("#newer")).to_be_attached()  # newer pages follow it


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_replies_pass_axe(people, server: LiveServer, scheme) -> None:
    """A reply to me, the reply bar open, the page Reply is without JavaScript and the
    styleguide's reply states: no violation, light and dark."""
    alice, bob = lunch_for_two(people, server, color_scheme=scheme)
    send(bob, "Soup or salad?")
    theirs = message_with(alice, "Soup or salad?")
    theirs.hover()
    theirs.locator(".action.reply").click()
    # The bar holds the reply_to the send carries: sent before it loads, it answers nothing.
    expect(alice.page.locator("#reply-bar")).to_contain_text("Replying to bob")
    send(alice, "Soup, always")
    mine = message_with(alice, "Soup, always")
    mine.hover()
    mine.locator(".action.reply").click()
    expect(alice.page.locator("#reply-bar")).to_be_visible()
    found = {"room, replying": axe_violations(alice.page)}
    reply = message_with(bob, "Soup, always")
    expect(reply.locator("blockquote.reply")).to_be_visible()
    found["room, a reply to me"] = axe_violations(bob.page)
    bob.page.goto(reply.locator(".action.reply").get_attribute("href"))
    expect(bob.page.locator("form.reply-form")).to_be_visible()
    found["reply page"] = axe_violations(bob.page)
    server.make_staff("bob")
    bob.page.goto("/styleguide/")
    expect(bob.page.locator("#sg-reply-bar")).to_be_attached()
    found["styleguide"] = axe_violations(bob.page, skip_rules=("duplicate-id-aria",))

    bad = {page: v for page, v in found.items() if v}
    assert bad == {}, pformat(bad)


def test_reply_and_links_without_javascript(people, server: LiveServer) -> None:
    no_js = {"java_script_enabled": False}
    alice, bob = people("alice", **no_js), people("bob", **no_js)
    sign_up(alice, server)
    sign_up(bob, server)
    create_public_room(alice, server, "Lunch", "lunch")
    join_room(bob, "lunch")
    seed(server, "lunch", [("bob", "Soup or salad?")])
    page = alice.page
    page.goto("/r/lunch/")
    theirs = message_with(alice, "Soup or salad?")
    original_id = theirs.get_attribute("id")

    # Reply: a page with the quote and a composer of its own, sent to the room.
    theirs.get_by_role("link", name="Reply").click()
    expect(page.locator("h1")).to_have_text("Reply to a message")
    expect(page.locator("blockquote.quoted")).to_contain_text("Soup or salad?")
    page.locator("form.reply-form textarea").fill("Soup, always")
    page.locator("form.reply-form").get_by_role("button", name="Send").click()
    reply = message_with(alice, "Soup, always")
    expect(reply.locator("blockquote.reply")).to_contain_text("Soup or salad?")

    # The quote and Copy link are plain links to the message's address.
    reply.locator("blockquote.reply a").click()
    expect(page).to_have_url(re.compile(rf"/r/lunch/\?around=\d+#{original_id}$"))
    reply = message_with(alice, "Soup, always")
    reply.get_by_role("link", name="Copy link").click()
    expect(page).to_have_url(re.compile(r"/r/lunch/\?around=\d+#message-\d+$"))
