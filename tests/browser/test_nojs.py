"""The chat without JavaScript, in a Chromium that runs none: every plain form and link
still does what htmx does with it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browsing import (
    MESSAGES,
    create_public_room,
    join_room,
    message_with,
    seed,
    sign_up,
)
from tests.support.files import PDF
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser

NO_JS = {"java_script_enabled": False}
BAD_REQUEST = "the server responded with a status of 400 (Bad Request)"


def post(page, text: str) -> None:
    """Write ``text`` in the composer and press its Send button: a plain form post."""
    page.locator("#composer textarea").fill(text)
    page.locator("#composer").get_by_role("button", name="Send").click()


def test_reading_and_writing_without_javascript(people, server: LiveServer) -> None:
    alice, bob = people("alice", **NO_JS), people("bob", **NO_JS)
    sign_up(alice, server)
    sign_up(bob, server)
    create_public_room(alice, server, "Lunch", "lunch")
    join_room(bob, "lunch")
    seed(server, "lunch", [("bob", f"message {n}") for n in range(55)])
    page = alice.page

    # Read: the latest page of the conversation.
    page.goto("/r/lunch/")
    expect(page.locator(MESSAGES)).to_have_count(50)
    expect(page.locator(MESSAGES).last).to_contain_text("message 54")

    # Load older: a page of its own, with the way back.
    page.get_by_role("link", name="Load older messages").click()
    expect(page.locator("h1")).to_have_text("Earlier in Lunch")
    expect(page.locator(MESSAGES)).to_have_count(5)
    expect(page.locator("#older")).to_have_text("This is the beginning of the conversation.")
    page.get_by_role("link", name="Back to the conversation").click()

    # Post.
    post(page, "Soup or salad?")
    mine = message_with(alice, "Soup or salad?")
    expect(mine).to_have_count(1)

    # Too long: refused with a clear error, the text kept, nothing cut.
    long_text = "z" * 4100
    post(page, long_text)
    expect(page.locator("#composer .error")).to_contain_text("at most 4,000 characters")
    expect(page.locator("#composer textarea")).to_have_value(long_text)
    expect(page.locator("#composer-count")).to_have_text("4,100 / 4,000")
    # The browser logs the answer's status, 400: the test's doing, not the page's.
    assert alice.console == [f"error: Failed to load resource: {BAD_REQUEST}"]
    alice.console.clear()
    page.goto("/r/lunch/")

    # Edit my message: its form on a page of its own, then back.
    mine.get_by_role("link", name="Edit").click()
    expect(page.locator("h1")).to_have_text("Edit your message")
    page.locator(".edit-form textarea").fill("Soup or salad? Or both?")
    page.get_by_role("button", name="Save").click()
    expect(mine.locator(".body")).to_have_text("Soup or salad? Or both?")
    expect(mine).to_have_attribute("data-edited", "")

    # React to someone else's.
    theirs = message_with(alice, "message 54")
    theirs.get_by_role("link", name="React").click()
    page.get_by_role("button", name="React with 👍").click()
    expect(theirs.locator(".reaction")).to_have_text(re.compile(r"👍\s*1"))

    # Delete mine: asked first, then a tombstone.
    mine.get_by_role("link", name="Delete").click()
    expect(page.locator(".delete-form")).to_contain_text("Delete this message for everyone?")
    page.locator(".delete-form").get_by_role("button", name="Delete").click()
    expect(page.locator(".message.deleted")).to_have_count(1)
    expect(page.locator(MESSAGES).filter(has_text="Soup or salad")).to_have_count(0)

    # Upload a file, with words.
    page.locator("#upload-form input[type=file]").set_input_files(
        {"name": "agenda.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.locator("#upload-form input[name=body]").fill("The agenda")
    page.get_by_role("button", name="Send file").click()
    shared = message_with(alice, "The agenda")
    expect(shared.locator("a.attachment.file")).to_have_text("agenda.pdf")

    # Search.
    page.get_by_role("searchbox", name="Search messages").fill("agenda")
    page.get_by_role("searchbox", name="Search messages").press("Enter")
    expect(page.locator(".results article")).to_have_count(1)
    expect(page.locator(".results article")).to_contain_text("The agenda")

    # Bob, without JavaScript either, reads all of it on reload.
    bob.page.goto("/r/lunch/")
    expect(message_with(bob, "The agenda")).to_have_count(1)
    expect(bob.page.locator(".message.deleted")).to_have_count(1)
