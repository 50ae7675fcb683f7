"""A page whose session ends, in a real browser against a real server: logging out in another
tab, a password changed elsewhere, a session ended while the server was away, and a member
removed from a private room, each taking the page where it belongs."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.accounts import PASSWORD
from tests.support.browsing import RECONNECT_TIMEOUT_MS, create_room, cut_off, meet_in_lunch
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser


def test_logging_out_in_another_tab_takes_the_page_to_login(people, server: LiveServer) -> None:
    alice, _bob = meet_in_lunch(people, server)
    other_tab = alice.context.new_page()
    other_tab.goto("/")
    other_tab.get_by_role("button", name="Log out").click()
    expect(other_tab).to_have_url(f"{server.url}/accounts/login/")

    # The server closes the room's socket with 4401; the page reloads, to the login form.
    expect(alice.page).to_have_url(f"{server.url}/accounts/login/?next=/r/lunch/")


def test_a_password_changed_elsewhere_lands_on_a_login_page_saying_why(people, server) -> None:
    alice, _bob = meet_in_lunch(people, server)
    other_tab = alice.context.new_page()
    other_tab.goto("/accounts/password/")
    other_tab.fill("input[name=old_password]", PASSWORD)
    other_tab.fill("input[name=new_password1]", "A-whole-new-password-77")
    other_tab.fill("input[name=new_password2]", "A-whole-new-password-77")
    other_tab.get_by_role("button", name="Change password").click()
    expect(other_tab.locator("h1")).to_be_visible()  # that tab's session is kept

    # This one's session ended with the old password: the server closes its socket with
    # 4402, and the page goes to the login form, which says why.
    expect(alice.page).to_have_url(
        f"{server.url}/accounts/login/?why=password&next=%2Fr%2Flunch%2F"
    )
    expect(alice.page.locator(".auth .notice")).to_have_text(
        "You were signed out because your password was changed. Log in with the new one."
    )
    expect(alice.page.locator("input[name=next]")).to_have_value("/r/lunch/")


def test_a_session_that_ended_while_away_goes_to_login(people, server: LiveServer) -> None:
    alice, bob = meet_in_lunch(people, server)
    cut_off(alice, bob)
    server.stop()
    expect(alice.badge).to_have_attribute("data-state", "reconnecting")
    server.manage(
        "shell", "-c", "from django.contrib.sessions.models import Session; "
        "Session.objects.filter(session_key__isnull=False).delete()",
    )  # fmt: skip

    server.start()  # the reconnect is anonymous: accepted, then closed with 4401

    expect(alice.page).to_have_url(
        f"{server.url}/accounts/login/?next=/r/lunch/", timeout=RECONNECT_TIMEOUT_MS
    )


def test_a_removed_member_is_shown_the_door(people, server: LiveServer) -> None:
    alice, bob = meet_in_lunch(people, server)
    create_room(alice, "Plans", "private")
    slug = alice.page.url.rstrip("/").rsplit("/", 1)[1]
    members = alice.page.locator("#members-panel")
    members.get_by_label("Add someone").fill("bob")
    members.get_by_role("button", name="Add").click()
    expect(members).to_contain_text("bob can now read this room.")
    bob.page.goto(f"/r/{slug}/")
    expect(bob.badge).to_have_attribute("data-state", "live")

    alice.page.locator("#members li", has_text="bob").get_by_role("link", name="Remove").click()
    alice.page.get_by_role("button", name="Remove bob").click()  # "are you sure?"

    # Closed with 4403, the page reloads: the room is no longer there for bob.
    expect(bob.page).to_have_title(re.compile("^Not found"))
    assert any("404" in line for line in bob.console)
    bob.console.clear()  # that 404 is the point of the test


# The page's WebSocket, reachable from the test: a frame can be sent on the live socket
