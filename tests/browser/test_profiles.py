"""Profiles in a real browser against a real server: alice gives herself a name and a
picture, bob's open room shows them without a reload, in her old messages too; bob opens
her profile from her name and writes to her (each page's console must stay clean: the
``people`` fixture checks)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageOps
from playwright.sync_api import expect

from tests.support.browsing import meet_in_lunch, screenshot, send
from tests.support.files import encoded
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser



@pytest.mark.screenshots
def test_alice_names_herself_and_bob_sees_it_live_then_writes_to_her(
    people, server: LiveServer, tmp_path: Path
):
    alice, bob = meet_in_lunch(people, server)
    send(alice, "hello from alice")
    picture = tmp_path / "me.png"
    glow = ImageOps.colorize(Image.radial_gradient("L"), "#f4b400", "#1565c0").resize((400, 300))
    picture.write_bytes(encoded(glow, "PNG"))

    bob.page.evaluate("() => { window.__notReloaded = true; }")
    alice.page.goto("/accounts/profile/")
    alice.page.fill("input[name=display_name]", "Ada Lovelace")
    alice.page.fill("textarea[name=bio]", "I write notes on engines.")
    alice.page.set_input_files("input[name=avatar]", str(picture))
    alice.page.get_by_role("button", name="Save").click()
    expect(alice.page).to_have_url(f"{server.url}/u/alice/")
    expect(alice.page.locator("h1")).to_have_text("Ada Lovelace")

    # Bob's page never reloaded: the members list came over his socket.
    member = bob.page.locator('#members li a.name[href="/u/alice/"]')
    expect(member).to_have_text("Ada Lovelace")
    expect(bob.page.locator("#members li img.avatar")).to_have_count(1)
    bob.page.wait_for_function(
        "img => img.complete && img.naturalWidth === 64",
        arg=bob.page.locator("#members li img.avatar").element_handle(),
    )

    # Her old message changed with it, name and picture, without a reload: one person
    # never shows as two.
    author = bob.page.locator("#messages article.message a.author").first
    expect(author).to_have_text("Ada Lovelace")
    expect(bob.page.locator("#messages article.message header img.avatar")).to_have_count(1)
    assert bob.page.evaluate("() => window.__notReloaded") is True
    author.click()
    expect(bob.page).to_have_url(f"{server.url}/u/alice/")
    expect(bob.page.locator(".profile .username")).to_have_text("@alice")
    expect(bob.page.locator(".profile .bio")).to_have_text("I write notes on engines.")
    screenshot(bob.page, "profile.png")

    bob.page.get_by_role("link", name="Message Ada Lovelace").click()
    expect(bob.page).to_have_url(f"{server.url}/p/alice/")
    expect(bob.page.locator("h1")).to_have_text("Ada Lovelace")
