"""Signing in on a phone, in real Chromium against a real server: alice makes a link on her
profile, its QR code shows, a second browser opens the link and signs in as alice, and
alice's profile lists that session and signs it out."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browsing import axe_violations, screenshot, sign_up
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "user_agent": "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) TestPhone",
    "is_mobile": True,
}


@pytest.mark.screenshots
def test_a_phone_signs_in_by_the_link_and_is_signed_out_from_the_profile(
    people, server: LiveServer
) -> None:
    alice = people("alice")
    sign_up(alice, server)
    alice.page.goto("/accounts/profile/")
    alice.page.get_by_role("button", name="Make a sign-in link").click()

    qr = alice.page.get_by_role("img", name=re.compile("QR code of your sign-in link"))
    expect(qr).to_be_visible()
    link = alice.page.get_by_label("The link").input_value()
    assert re.fullmatch(rf"{re.escape(server.url)}/accounts/sign-in/[\w-]+/", link)
    assert axe_violations(alice.page) == []
    screenshot(alice.page.locator(".phone-sign-in"), "sign-in-link.png")

    phone = people("phone", **PHONE)
    phone.page.goto(link)
    phone.page.get_by_role("button", name="Sign in as alice").click()
    expect(phone.page).to_have_url(f"{server.url}/")
    expect(phone.page.locator(".whoami")).to_contain_text("alice")

    alice.page.goto("/accounts/profile/")
    used = alice.page.locator(".sign-ins li")
    expect(used).to_have_count(1)
    expect(used).to_contain_text("TestPhone")
    used.get_by_role("button", name="Sign out this session").click()
    expect(alice.page.locator(".sign-ins li")).to_contain_text("Signed out")
    expect(alice.page.locator(".whoami")).to_contain_text("alice")  # alice stays signed in

    # The phone's open page hears it at once (its socket closes with 4401) and goes to
    # the login page by itself; a page loaded afresh is sent there too.
    expect(phone.page).to_have_url(re.compile(r"/accounts/login/"))
    phone.page.goto("/")
    expect(phone.page).to_have_url(re.compile(r"/accounts/login/"))
