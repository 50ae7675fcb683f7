"""Joining and leaving a public room in Chromium, with two people: a visit offers "Join",
joining puts the room in the lobby and the sidebar live, leaving takes it out again."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browsing import (
    Person,
    axe_violations,
    create_public_room,
    send,
    sign_up,
    watch_console,
)
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser


def test_bob_joins_and_leaves_alices_room(people, server: LiveServer) -> None:
    alice, bob = people("alice"), people("bob")
    sign_up(alice, server)
    sign_up(bob, server)
    create_public_room(alice, server, "Lunch", "lunch")
    lobby = bob.context.new_page()  # his lobby, open on another tab
    watch_console(Person("bob's lobby", bob.context, lobby))
    lobby.goto("/")
    mine = lobby.locator("#lobby-mine")
    expect(mine.locator("a", has_text="General")).to_be_visible()  # every new account's
    expect(mine.locator('a[href="/r/lunch/"]')).to_have_count(0)

    page = bob.page
    page.goto("/r/lunch/")
    bar = page.locator("#membership.join-bar")
    expect(bar).to_contain_text("You are reading Lunch as a visitor.")
    expect(bar).to_contain_text("unread counts and notifications")
    expect(page.locator("#members")).not_to_contain_text("bob")
    expect(page.locator('#sidebar a[href="/r/lunch/"]')).to_have_count(0)
    expect(bob.badge).to_have_attribute("data-state", "live")  # a visitor reads it live
    assert axe_violations(page) == []

    bar.get_by_role("button", name="Join Lunch").click()

    expect(page.locator("#membership.join-bar")).to_have_count(0)
    expect(page.get_by_role("button", name="Leave room")).to_be_visible()
    expect(page.locator('#sidebar a[href="/r/lunch/"]')).to_be_visible()
    expect(page.locator("#members")).to_contain_text("bob")
    expect(mine.locator('a[href="/r/lunch/"]')).to_be_visible()  # live on the other tab
    alice.page.goto("/r/lunch/")
    send(alice, "welcome, bob")
    # The lobby follows the room now: its latest message shows there (read on bob's page).
    expect(mine.locator('li:has(a[href="/r/lunch/"])')).to_contain_text("welcome, bob")

    page.get_by_role("button", name="Leave room").click()

    expect(page.locator("#membership.join-bar")).to_be_visible()
    expect(page.locator('#sidebar a[href="/r/lunch/"]')).to_have_count(0)
    expect(mine.locator('a[href="/r/lunch/"]')).to_have_count(0)
    expect(alice.page.locator("#members")).not_to_contain_text("bob")
    # Still readable, and still live, as it is for anyone.
    send(alice, "bye, bob")
    expect(page.locator("#messages")).to_contain_text("bye, bob")
    assert page.url == f"{server.url}/r/lunch/"
