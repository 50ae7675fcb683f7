"""Muting in a real browser against a real server: alice mutes bob from his profile; bob's
next message arrives collapsed on alice's open room and whole on carol's; alice opens it
with its "show" link (CSS :target, no script of ours), then unmutes him and reads him as
before (each page's console must stay clean: the ``people`` fixture checks)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browsing import MESSAGES, meet_in_lunch, send, sign_up
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser


def test_alice_mutes_bob_his_message_collapses_for_her_only_she_shows_it_and_unmutes(
    people, server: LiveServer
):
    alice, bob = meet_in_lunch(people, server)
    carol = people("carol")
    sign_up(carol, server)
    carol.page.goto("/r/lunch/")
    expect(carol.badge).to_have_attribute("data-state", "live")

    alice.page.goto("/u/bob/")
    alice.page.get_by_role("button", name="Mute").click()
    expect(alice.page.get_by_role("button", name="Unmute")).to_be_visible()
    expect(alice.page.locator(".muted-note")).to_contain_text("You muted bob")
    alice.page.goto("/r/lunch/")
    expect(alice.badge).to_have_attribute("data-state", "live")

    send(bob, "psst, a secret")

    on_carol = carol.page.locator(MESSAGES).last
    expect(on_carol.locator(".body")).to_have_text("psst, a secret")
    message_id = on_carol.get_attribute("id")
    on_alice = alice.page.locator(f"#{message_id}")
    expect(on_alice).to_have_count(1)
    # Collapsed for alice: its words hidden, the "show" link in their place.
    expect(on_alice.locator(".body")).to_be_hidden()
    show = on_alice.locator(".show-muted")
    expect(show).to_be_visible()
    assert "Message from a muted person" in show.evaluate(
        "link => getComputedStyle(link, '::before').content"
    )
    # Whole for carol, and for bob himself: nothing shows them the mute.
    expect(on_carol.locator(".show-muted")).to_be_hidden()
    expect(bob.page.locator(f"#{message_id} .body")).to_be_visible()
    expect(bob.page.locator(f"#{message_id} .show-muted")).to_be_hidden()

    show.click()
    expect(on_alice.locator(".body")).to_have_text("psst, a secret")
    expect(on_alice.locator(".show-muted")).to_be_hidden()

    alice.page.goto("/u/bob/")
    alice.page.get_by_role("button", name="Unmute").click()
    expect(alice.page.get_by_role("button", name="Mute")).to_be_visible()
    alice.page.goto("/r/lunch/")
    expect(alice.page.locator(f"#{message_id} .body")).to_have_text("psst, a secret")
    expect(alice.page.locator(f"#{message_id} .show-muted")).to_be_hidden()
