"""The installable app in a real browser: the manifest every page links, the service
worker registered for the whole site, and the push switch on the profile page. (Web Push
itself needs a push service; the server's side is proven against a local one in
tests/people/test_push.py.)"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browsing import meet_in_lunch, send, sign_up
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser

MANIFEST = """href => fetch(href).then(answer => answer.json().then(
  body => ({ type: answer.headers.get("Content-Type"), body: body })))"""
ICON = "src => fetch(src).then(answer => answer.ok && answer.headers.get('Content-Type'))"


def test_the_chat_installs_with_a_manifest_and_a_service_worker(people, server: LiveServer):
    alice = people("alice")
    sign_up(alice, server)

    href = alice.page.locator("link[rel=manifest]").get_attribute("href")
    manifest = alice.page.evaluate(MANIFEST, href)
    assert manifest["type"] == "application/manifest+json"
    assert manifest["body"]["name"] == "Chat"
    assert manifest["body"]["start_url"] == "/"
    assert manifest["body"]["display"] == "standalone"
    for icon in manifest["body"]["icons"]:
        assert alice.page.evaluate(ICON, icon["src"]) == "image/png"

    scope = alice.page.evaluate("() => navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == f"{server.url}/"
    script = alice.page.evaluate(
        "() => navigator.serviceWorker.ready.then(r => r.active.scriptURL)"
    )
    assert script == f"{server.url}/sw.js"


def test_the_profile_page_offers_push_on_this_device(people, server: LiveServer):
    alice = people("alice")
    sign_up(alice, server)

    alice.page.goto("/accounts/profile/")

    switch = alice.page.locator("#push-switch")
    expect(switch).to_be_visible()
    expect(switch).to_have_attribute("data-state", "off")
    expect(switch.get_by_label("Also on this device when the chat is closed")).not_to_be_checked()
    expect(switch.locator("[data-when=off]")).to_be_visible()
    expect(switch.locator("[data-when=on]")).to_be_hidden()


# Records what the page puts on the app's badge (headless Chromium has no icon to show it).
WATCH_BADGE = """
window.__badges = [];
navigator.setAppBadge = (count) => { window.__badges.push(count); return Promise.resolve(); };
navigator.clearAppBadge = () => { window.__badges.push(0); return Promise.resolve(); };
"""


def test_the_lobby_puts_the_unread_total_on_the_apps_badge(people, server: LiveServer):
    alice, bob = meet_in_lunch(people, server, init_script=WATCH_BADGE)
    bob.page.goto("/")
    expect(bob.page.locator("#lobby-mine")).to_be_attached()
    bob.page.wait_for_function("() => window.__badges.at(-1) === 0")

    send(alice, "@bob lunch?")

    bob.page.wait_for_function("() => window.__badges.at(-1) === 1")
