"""Read receipts in Chromium, with two people in a conversation of two: "Seen" comes under
the writer's message as the other person reads it, live, moves as they read on, and is
never shown to the reader; turned off on the profile page, it is gone for both."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browsing import message_with, screenshot, send, sign_up
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser


def seen_under(person, text: str):
    """The "Seen" right under ``person``'s copy of the message saying ``text``."""
    message_id = message_with(person, text).get_attribute("id")
    return person.page.locator(f"#{message_id} + #seen")


@pytest.mark.screenshots
def test_seen_comes_live_under_the_writers_message(people, server: LiveServer) -> None:
    alice, bob = people("alice"), people("bob")
    sign_up(alice, server)
    sign_up(bob, server)
    alice.page.goto("/p/bob/")
    send(alice, "Lunch today?")
    expect(alice.badge).to_have_attribute("data-state", "live")
    expect(alice.page.locator("#seen")).to_be_hidden()  # bob has not read it

    # Bob opens the conversation: alice sees that he read it, without a reload.
    bob.page.goto("/p/alice/")
    expect(bob.badge).to_have_attribute("data-state", "live")
    expect(seen_under(alice, "Lunch today?")).to_be_visible()
    expect(seen_under(alice, "Lunch today?")).to_have_text("Seen")

    # Alice writes again while bob's page is open: it moves under the new message as his
    # page shows it.
    send(alice, "At noon?")
    expect(message_with(bob, "At noon?")).to_have_count(1)
    expect(seen_under(alice, "At noon?")).to_be_visible()
    expect(alice.page.locator("#seen")).to_have_count(1)

    # Bob never sees a receipt of his own reading.
    expect(bob.page.locator("#seen")).to_be_hidden()
    send(bob, "Sure")
    expect(message_with(alice, "Sure")).to_have_count(1)
    expect(seen_under(alice, "At noon?")).to_be_visible()  # bob's reply carries none

    # The page drawn again (no script needed to place it) shows it in the same place.
    alice.page.reload()
    expect(seen_under(alice, "At noon?")).to_be_visible()
    screenshot(alice.page.locator("#messages"), "receipts-seen.png")

    # Bob turns receipts off on his profile: alice no longer sees how far he read.
    bob.page.goto("/accounts/profile/")
    switch = bob.page.locator("#receipts-switch")
    switch.get_by_label("Send read receipts").uncheck()
    switch.get_by_role("button", name="Apply").click()
    expect(switch.get_by_role("status")).to_have_text("Saved: read receipts are off.")
    alice.page.reload()
    expect(alice.page.locator("#seen")).to_be_hidden()
