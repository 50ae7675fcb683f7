"""The people directory and the welcome in a real browser: a new account's lobby greets
it until dismissed (htmx removes the panel), and the directory's results follow the
typing without a reload, each person marked in words."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browsing import screenshot, sign_up
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser


@pytest.mark.screenshots
def test_a_newcomer_is_welcomed_dismisses_it_and_finds_people_as_she_types(
    people, server: LiveServer
):
    alice, bob = people("alice"), people("bob")
    sign_up(bob, server)
    sign_up(alice, server)

    panel = alice.page.locator("#welcome")
    expect(panel).to_be_visible()
    alice.page.evaluate("() => { window.__notReloaded = true; }")
    panel.get_by_role("button", name="Got it, hide this").click()
    expect(panel).to_have_count(0)
    assert alice.page.evaluate("() => window.__notReloaded") is True
    alice.page.reload()
    expect(alice.page.locator("#welcome")).to_have_count(0)

    alice.page.get_by_role("link", name="Directory").click()
    expect(alice.page).to_have_url(f"{server.url}/people/")
    alice.page.evaluate("() => { window.__notReloaded = true; }")
    alice.page.get_by_label("Find someone by name or username").press_sequentially("bo")
    rows = alice.page.locator(".person-row")
    expect(rows).to_have_count(1)
    expect(rows.first.locator(".name")).to_have_text("bob")
    # bob's lobby is open: his socket makes him online, said in words.
    expect(rows.first.locator(".badge.online")).to_have_text("online")
    expect(rows.first.get_by_role("link", name="Message bob")).to_have_attribute(
        "href", "/p/bob/"
    )
    assert alice.page.evaluate("() => window.__notReloaded") is True
    expect(alice.page).to_have_url(f"{server.url}/people/?q=bo")
    screenshot(alice.page, "directory.png")
