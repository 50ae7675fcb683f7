"""The team's own chat in real Chromium: the first run in the browser (no account yet, the
login page points to setup, the administrator lands in the lobby), and the settings page
whose accent reaches every page in both schemes without a CSP violation."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.accounts import PASSWORD
from tests.support.browsing import axe_violations
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser

ACCENT = "--accent"


def accent_of(page) -> str:
    return page.evaluate(
        f"getComputedStyle(document.documentElement).getPropertyValue('{ACCENT}').trim()"
    )


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_first_visitor_sets_up_the_chat_and_its_accent(people, server: LiveServer, scheme):
    root = people("root", color_scheme=scheme)
    root.page.goto("/")
    expect(root.page).to_have_url(re.compile(r"/accounts/login/"))
    root.page.get_by_role("link", name="Set up this chat").click()
    expect(root.page.locator("h1")).to_have_text("Set up your chat")
    assert axe_violations(root.page) == []
    root.page.fill("input[name=username]", "root")
    root.page.fill("input[name=password1]", PASSWORD)
    root.page.fill("input[name=password2]", PASSWORD)
    root.page.fill("input[name=instance_name]", "Acme chat")
    root.page.get_by_role("button", name="Create the administrator and start").click()

    expect(root.page).to_have_url(f"{server.url}/")
    expect(root.page.locator(".topbar .brand")).to_have_text("Acme chat")
    expect(root.page).to_have_title(re.compile("Acme chat"))

    root.page.get_by_role("link", name="Settings").click()
    root.page.fill("input[name=accent]", "#ffcc00")
    root.page.get_by_role("button", name="Save").click()
    expect(root.page.locator(".instance-form .error")).to_contain_text("light scheme")
    assert axe_violations(root.page) == []
    root.console.clear()  # the browser logs the refusal's 400, the form's answer

    root.page.fill("input[name=accent]", "#7c3aed")
    root.page.get_by_role("button", name="Save").click()
    expect(root.page.locator(".instance-form .ok")).to_be_visible()
    assert accent_of(root.page) == ("#7c3aed" if scheme == "light" else "#b793f5")
    assert axe_violations(root.page) == []

    # Signed out too (the login page), and the setup page is gone.
    visitor = people("visitor", color_scheme=scheme)
    visitor.page.goto("/accounts/login/")
    assert accent_of(visitor.page) == ("#7c3aed" if scheme == "light" else "#b793f5")
    expect(visitor.page.get_by_role("link", name="Set up this chat")).to_have_count(0)
    assert visitor.page.goto("/setup/").status == 404
    visitor.console.clear()  # the 404 answer, asked for above
