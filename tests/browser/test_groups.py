"""A group conversation in Chromium with three people: alice starts it with bob and carol
from the lobby's form, all three see it in their lobbies and sidebars, a message reaches
the other two live, and carol leaves and hears no more of it; and the same without
JavaScript."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browsing import axe_violations, message_with, screenshot, send, sign_up
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser

NOT_FOUND = "the server responded with a status of 404 (Not Found)"
GROUP_PAGE = re.compile(r"/g/[0-9a-f]{10}/$")


def start_group(person, *usernames: str) -> str:
    """Fill the lobby's "Message someone" form with ``usernames`` and open; the group's path."""
    page = person.page
    page.goto("/")
    inputs = page.locator("#direct-form input[name=username]")
    for at, username in enumerate(usernames):
        inputs.nth(at).fill(username)
    page.locator("#direct-form").get_by_role("button", name="Open").click()
    expect(page).to_have_url(GROUP_PAGE)
    return re.search(r"/g/[0-9a-f]{10}/$", page.url)[0]


@pytest.mark.screenshots
def test_three_people_talk_in_a_group_and_one_leaves(people, server: LiveServer) -> None:
    alice, bob, carol = people("alice"), people("bob"), people("carol")
    for person in (alice, bob, carol):
        sign_up(person, server)
    # Bob waits in his lobby; carol already has a conversation page open (its sidebar).
    expect(bob.page.locator("#lobby-mine")).to_contain_text("No conversations yet.")
    carol.page.goto("/p/carol/")
    expect(carol.badge).to_have_attribute("data-state", "live")
    assert axe_violations(alice.page) == []  # the picker, in the lobby

    path = start_group(alice, "bob", "carol")

    expect(alice.page.locator("h1")).to_have_text("bob, carol")
    expect(alice.page.locator(".room-header .kind")).to_have_text("Group")
    # It appears at once in the others' lobby and sidebar, named by the others.
    expect(bob.page.locator(f'#lobby-mine a[href="{path}"]')).to_have_text("alice, carol")
    expect(carol.page.locator(f'#sidebar a[href="{path}"]')).to_contain_text("alice, bob")

    bob.page.locator(f'#lobby-mine a[href="{path}"]').click()
    carol.page.locator(f'#sidebar a[href="{path}"]').click()
    for person in (alice, bob, carol):
        expect(person.badge).to_have_attribute("data-state", "live")
    expect(carol.page.locator(f'#sidebar a[href="{path}"]')).to_have_attribute(
        "aria-current", "page"
    )
    expect(alice.page.locator("#members li")).to_have_count(3)

    send(alice, "hello both")
    expect(message_with(bob, "hello both")).to_have_count(1)
    expect(message_with(carol, "hello both")).to_have_count(1)
    send(bob, "@carol are you in?")
    expect(message_with(alice, "@carol are you in?")).to_have_count(1)
    expect(message_with(carol, "@carol are you in?").locator("a.mention")).to_have_count(1)
    screenshot(alice.page, "group.png")

    # Carol keeps a second tab on the group, then leaves from the first.
    other_tab = carol.context.new_page()
    other_tab.goto(path)
    expect(other_tab.locator("#connection")).to_have_attribute("data-state", "live")
    carol.page.locator("#members li[data-user-id] a.leave:visible").click()
    carol.page.get_by_role("button", name="Leave the conversation").click()
    expect(carol.page).to_have_url(f"{server.url}/")
    expect(carol.page.locator(f'#lobby-mine a[href="{path}"]')).to_have_count(0)
    # Her other tab's socket is closed at once: the page finds the group gone.
    expect(other_tab.locator("h1")).to_have_text("Nothing here")
    expect(alice.page.locator("#members li")).to_have_count(2)

    send(alice, "carol has gone")
    expect(message_with(bob, "carol has gone")).to_have_count(1)
    expect(bob.page.locator(f'#sidebar a[href="{path}"]')).to_contain_text("alice")
    assert carol.page.goto(path).status == 404
    expect(carol.page.locator("#messages")).to_have_count(0)
    # The browser logs the answers' status, 404 (both tabs): the test's doing.
    assert set(carol.console) == {f"error: Failed to load resource: {NOT_FOUND}"}
    carol.console.clear()


def test_a_group_starts_and_talks_without_javascript(people, server: LiveServer) -> None:
    alice, bob = people("alice", java_script_enabled=False), people("bob")
    carol = people("carol")
    for person in (alice, bob, carol):
        sign_up(person, server)

    path = start_group(alice, "bob", "carol")
    alice.page.locator("textarea[name=body]").fill("no script here")
    alice.page.get_by_role("button", name="Send", exact=True).click()

    expect(message_with(alice, "no script here")).to_have_count(1)
    bob.page.goto(path)
    expect(message_with(bob, "no script here")).to_have_count(1)

    alice.page.goto("/")
    alice.page.locator("#direct-form input[name=username]").first.fill("ghost")
    alice.page.locator("#direct-form input[name=username]").nth(1).fill("bob")
    alice.page.locator("#direct-form").get_by_role("button", name="Open").click()
    expect(alice.page.locator("#direct-form .error")).to_have_text(
        "There is nobody called “ghost”."
    )
    expect(alice.page.locator("#direct-form input[name=username]").nth(1)).to_have_value("bob")
    # The browser logs the answer's status, 400: the test's doing, not the page's.
    assert alice.console == [
        "error: Failed to load resource: the server responded with a status of 400 (Bad Request)"
    ]
    alice.console.clear()
