"""Catching up in Chromium, with two people: Bob comes back to Lunch and sees the line "New
since your last visit" before what Alice wrote meanwhile, where it stays while more comes;
"Mark unread" from a message changes his sidebar's count, and holds; his mentions page lists
Alice's mention and opens the conversation at it; "Mark all read" empties the lobby's count."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browsing import (
    axe_violations,
    lunch_for_two,
    message_with,
    screenshot,
    seed,
    send,
)
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser

#: The text of the first message after the shown "New since" line.
FIRST_AFTER_LINE = """() => {
  const line = document.getElementById("new-since");
  if (!line || line.hidden) return null;
  const next = document.querySelector("#new-since ~ article.message .body");
  return next && next.innerText;
}"""


@pytest.mark.screenshots
def test_new_since_mark_unread_mentions_and_mark_all_read(people, server: LiveServer) -> None:
    alice, bob = lunch_for_two(people, server)
    send(bob, "I am here")
    lobby_entry = bob.page.locator("#lobby-mine li").filter(has_text="Lunch")

    # Bob goes away to the lobby; Alice writes twice.
    bob.page.goto("/")
    send(alice, "First news")
    send(alice, "Second news")
    expect(lobby_entry.locator(".unread")).to_have_text("2")

    # He comes back: the line stands before the first of them, and stays while more come.
    bob.page.goto("/r/lunch/")
    expect(bob.badge).to_have_attribute("data-state", "live")
    expect(bob.page.locator("#new-since")).to_be_visible()
    expect(bob.page.locator("#new-since")).to_have_text("New since your last visit")
    assert bob.page.evaluate(FIRST_AFTER_LINE) == "First news"
    assert axe_violations(bob.page) == []
    screenshot(bob.page, "new-since.png")
    send(alice, "Third news")
    expect(message_with(bob, "Third news")).to_have_count(1)
    assert bob.page.evaluate(FIRST_AFTER_LINE) == "First news"
    sidebar_lunch = bob.page.locator(
        "#sidebar-room-"
        + bob.page.evaluate(
            "document.querySelector('#sidebar [aria-current=page]').id.split('-').pop()"
        )
    )
    expect(sidebar_lunch.locator(".unread")).to_have_count(0)

    # Mark unread from the second: the sidebar counts two, the line moves there, and a new
    # message on this visible page is not taken as read.
    second = message_with(bob, "Second news")
    second.hover()
    second.locator(".action.mark-unread").click()
    second.get_by_role("button", name="Mark unread").click()
    expect(sidebar_lunch.locator(".unread")).to_have_text("2")
    assert bob.page.evaluate(FIRST_AFTER_LINE) == "Second news"
    expect(bob.page.locator("#alerts")).to_contain_text("Marked unread")
    send(alice, "@bob look here")
    expect(message_with(bob, "look here")).to_have_count(1)
    expect(sidebar_lunch.locator(".unread")).to_have_text("3")
    expect(bob.page.locator("#sidebar-mentions .mentions")).to_have_text("@1")

    # The mentions page lists Alice's mention, unread, and opens the conversation at it.
    bob.page.locator("#sidebar-mentions").click()
    item = bob.page.locator(".mention-item").filter(has_text="look here")
    expect(item).to_have_class("message result mention-item not-read")
    assert axe_violations(bob.page) == []
    screenshot(bob.page, "mentions.png")
    message_id = item.get_attribute("id").removeprefix("mention-")
    item.get_by_role("link", name="Show in the conversation").click()
    expect(bob.page).to_have_url(f"{server.url}/r/lunch/?around={message_id}#message-{message_id}")
    expect(bob.page.locator(f"#message-{message_id}")).to_be_in_viewport()

    # Back in the lobby, Alice writes again; "Mark all read" empties the count, live.
    bob.page.goto("/")
    send(alice, "Anyone?")
    expect(lobby_entry.locator(".unread")).to_have_text("1")
    bob.page.get_by_role("button", name="Mark all read").click()
    expect(lobby_entry.locator(".unread")).to_have_count(0)
    expect(bob.page.locator("#alerts")).to_contain_text("Everything is marked read.")


def test_a_long_absence_opens_at_the_line(people, server: LiveServer) -> None:
    """More news than the list shows: the page opens with the line at its top, the first
    unread message under it, instead of at the newest."""
    _alice, bob = lunch_for_two(people, server)
    send(bob, "Back soon")
    bob.page.goto("/")
    seed(server, "lunch", [("alice", f"News number {n}") for n in range(40)])

    bob.page.goto("/r/lunch/")

    expect(bob.page.locator("#new-since")).to_be_in_viewport()
    expect(message_with(bob, "News number 0")).to_be_in_viewport()
    expect(message_with(bob, "News number 39")).not_to_be_in_viewport()
