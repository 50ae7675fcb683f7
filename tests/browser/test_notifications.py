"""Hearing of messages while away, in a real browser: the browser notification of a
mention, its click, and the count in the title and the favicon of a hidden tab."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browsing import COMPOSER, meet_in_lunch, message_with, send
from tests.support.live_server import LiveServer

#: The favicons, plain and with a dot, by their collected names (production settings add
#: a content hash).
PLAIN_ICON = re.compile(r"/favicon(\.[0-9a-f]{12})?\.svg$")
UNREAD_ICON = re.compile(r"/favicon-unread(\.[0-9a-f]{12})?\.svg$")

pytestmark = pytest.mark.browser

# Records every notification the page makes (the real one is still made), and lets the
# test hide the tab: headless Chromium's document is never hidden by itself.
WATCH_NOTIFICATIONS = """
(() => {
  const Real = window.Notification;
  window.__notes = [];
  function Recorded(title, options) {
    const note = new Real(title, options);
    window.__notes.push({ title: title, body: options.body, tag: options.tag });
    window.__lastNote = note;
    return note;
  }
  Object.defineProperty(Recorded, "permission", { get: () => Real.permission });
  Recorded.requestPermission = () => Real.requestPermission();
  window.Notification = Recorded;
  window.__hidden = false;
  Object.defineProperty(document, "hidden", { get: () => window.__hidden });
})();
"""


HIDE = """hidden => {
  window.__hidden = hidden;
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def hide(page, hidden: bool = True) -> None:
    page.evaluate(HIDE, hidden)


def test_a_mention_while_the_tab_is_hidden_raises_a_notification(people, server: LiveServer):
    alice, bob = meet_in_lunch(people, server, init_script=WATCH_NOTIFICATIONS)
    bob.context.grant_permissions(["notifications"], origin=server.url)
    bob.page.reload()
    expect(bob.page.locator("#notifications-on")).to_be_hidden()  # already allowed
    expect(bob.badge).to_have_attribute("data-state", "live")
    hide(bob.page)

    send(alice, "@bob come and see")

    expect(message_with(bob, "come and see")).to_have_count(1)
    bob.page.wait_for_function("() => window.__notes.length === 1")
    note = bob.page.evaluate("window.__notes[0]")
    message_id = message_with(bob, "come and see").get_attribute("id")
    assert note == {"title": "alice in Lunch", "body": "@bob come and see", "tag": message_id}
    expect(bob.page).to_have_title("(1) Lunch · Chat")
    icon = bob.page.locator("link[rel=icon]")
    assert UNREAD_ICON.search(icon.get_attribute("href"))

    # Back to the tab: the count goes; clicking the notification opens the message.
    hide(bob.page, False)
    expect(bob.page).to_have_title("Lunch · Chat")
    assert PLAIN_ICON.search(icon.get_attribute("href"))
    bob.page.evaluate("window.__lastNote.onclick()")
    expect(bob.page).to_have_url(re.compile(rf"/r/lunch/#{message_id}$"))


def test_nothing_is_raised_for_a_visible_tab_or_a_plain_message(people, server: LiveServer):
    alice, bob = meet_in_lunch(people, server, init_script=WATCH_NOTIFICATIONS)
    bob.context.grant_permissions(["notifications"], origin=server.url)

    send(alice, "@bob while you look")  # bob's tab is visible
    seen = message_with(bob, "while you look")
    expect(seen).to_have_count(1)
    expect(bob.page.locator("#notification")).to_have_attribute(
        "data-tag", seen.get_attribute("id")
    )
    hide(bob.page)
    send(alice, "a plain word")  # mentions nobody
    expect(message_with(bob, "a plain word")).to_have_count(1)

    assert bob.page.evaluate("window.__notes") == []
    expect(bob.page).to_have_title("(1) Lunch · Chat")


def test_a_hidden_tab_counts_only_what_others_say(people, server: LiveServer):
    alice, bob = meet_in_lunch(people, server, init_script=WATCH_NOTIFICATIONS)
    icon = bob.page.locator("link[rel=icon]")
    hide(bob.page)
    # bob, in another tab (or on another device), says something himself.
    elsewhere = bob.context.new_page()
    elsewhere.goto("/r/lunch/")
    expect(elsewhere.locator("#connection")).to_have_attribute("data-state", "live")
    elsewhere.locator(COMPOSER).press_sequentially("back in five")
    elsewhere.locator(COMPOSER).press("Enter")

    expect(message_with(bob, "back in five")).to_have_count(1)
    expect(bob.page).to_have_title("Lunch · Chat")
    assert PLAIN_ICON.search(icon.get_attribute("href"))

    send(alice, "see you then")

    expect(message_with(bob, "see you then")).to_have_count(1)
    expect(bob.page).to_have_title("(1) Lunch · Chat")
    assert UNREAD_ICON.search(icon.get_attribute("href"))


def test_notifications_are_asked_for_only_when_the_person_says_so(people, server: LiveServer):
    alice, _bob = meet_in_lunch(people, server, init_script=WATCH_NOTIFICATIONS)
    button = alice.page.locator("#notifications-on")

    expect(button).to_be_visible()  # the page asked nothing on its own
    alice.context.grant_permissions(["notifications"], origin=server.url)
    button.click()

    expect(button).to_be_hidden()
