"""Moderation in Chromium: a staff member deletes someone else's message from the room's
actions, and the people page and ban form pass axe."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browsing import axe_violations, lunch_for_two, message_with, send
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser


def test_staff_delete_someone_elses_message_and_see_the_ban_form(people, server: LiveServer):
    alice, bob = lunch_for_two(people, server)  # alice made Lunch; bob only reads it
    send(alice, "buy cheap watches")
    server.make_staff("bob")
    bob.page.reload()  # his page's style block now shows Delete on everyone's messages
    expect(bob.badge).to_have_attribute("data-state", "live")

    theirs = message_with(bob, "buy cheap watches")
    article_id = theirs.get_attribute("id")
    theirs.hover()
    theirs.get_by_role("link", name="Delete").click()
    theirs.get_by_role("button", name="Delete").click()

    for page in (alice.page, bob.page):
        expect(page.locator(f"#{article_id}")).to_have_class(re.compile(r"\bdeleted\b"))
    expect(alice.page.locator("#messages")).not_to_contain_text("buy cheap watches")
    bob.page.goto("/staff/people/")
    assert axe_violations(bob.page) == []
    bob.page.get_by_role("row", name=re.compile("alice")).get_by_role("link", name="Ban").click()
    expect(bob.page.locator("h1")).to_have_text("Ban alice")
    assert axe_violations(bob.page) == []
