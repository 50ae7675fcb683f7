"""A room's admin in a real browser, two people in a room: alice renames it and bob's page
takes the new name (header, tab title, sidebar) without a reload; alice archives it and
bob's composer gives way to the archived notice; she unarchives it from the notice."""

from __future__ import annotations

from pprint import pformat

import pytest
from playwright.sync_api import expect

from tests.support.browsing import axe_violations, lunch_for_two, meet_in_lunch, send
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser


def test_alice_renames_and_archives_the_room_while_bob_watches(people, server: LiveServer):
    alice, bob = meet_in_lunch(people, server)
    page = bob.page

    alice.page.goto("/r/lunch/settings")
    alice.page.fill("#id_rename_title", "Long lunch")
    alice.page.click("#rename-form button[type=submit]")
    expect(alice.page.locator("p.ok")).to_contain_text("Long lunch")

    expect(page.locator(".room-header h1")).to_have_text("Long lunch")
    expect(page).to_have_title("Long lunch · Chat")
    expect(page.locator("#sidebar-list a[href='/r/lunch/'] .name")).to_have_text("Long lunch")
    assert page.url == f"{server.url}/r/lunch/"  # no reload, and the same address

    alice.page.click("#archive-form button[type=submit]")
    expect(alice.page.locator("#archived-notice")).to_be_visible()

    expect(page.locator("#archived-notice")).to_contain_text("Archived.")
    expect(page.locator("#composer-form")).to_have_count(0)
    expect(page.locator("#upload-form")).to_have_count(0)
    expect(page.locator("#archived-notice .admin-only")).to_be_hidden()  # bob may not

    alice.page.click("#archived-notice button[type=submit]")  # Unarchive
    expect(alice.page.locator("#composer-form")).to_be_visible()
    expect(page.locator(".archived-notice.reopened")).to_contain_text("open again")
    page.click(".archived-notice.reopened a")
    send(bob, "back in business")
    expect(alice.page.locator("#messages")).to_contain_text("back in business")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_wrong_on_the_admin_pages(people, server: LiveServer, scheme):
    """The settings page with the admin forms (and a refused delete), the confirmation of
    making a room private, and an archived room: no violation, light and dark."""
    alice, _bob = lunch_for_two(people, server, color_scheme=scheme)
    page = alice.page
    page.goto("/r/lunch/settings")
    found = {"settings": axe_violations(page)}
    page.fill("#id_delete_confirm", "not the name")
    page.click("#delete-form button[type=submit]")
    expect(page.locator("#delete-error")).to_be_visible()
    found["delete refused"] = axe_violations(page)
    assert alice.console == ["error: Failed to load resource: the server responded with a "
                             "status of 400 (Bad Request)"]  # fmt: skip
    alice.console.clear()  # the refused form's own status
    page.check("#convert-form input[value=private]")
    page.click("#convert-form button[type=submit]")
    expect(page.locator("#convert-confirmation")).to_contain_text("will lose access")
    found["confirmation"] = axe_violations(page)
    page.goto("/r/lunch/settings")
    page.click("#archive-form button[type=submit]")
    expect(page.locator("#archived-notice")).to_be_visible()
    found["archived"] = axe_violations(page)

    assert {name: v for name, v in found.items() if v} == {}, pformat(found)
