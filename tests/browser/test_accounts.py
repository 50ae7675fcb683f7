"""Accounts in a real browser against a real server: a forgotten password reset through
the mail the server prints (the console e-mail backend), sign-up through an invitation,
and an admin deactivating someone whose open room page is signed out at once."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.support.accounts import PASSWORD
from tests.support.browsing import Person, meet_in_lunch, screenshot
from tests.support.live_server import LiveServer, running

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Brand-new-passphrase-91"
#: A deactivated person's page must be signed out "within seconds".
SIGNED_OUT_WITHIN_MS = 10_000


@pytest.fixture
def server(request, tmp_path: Path) -> Iterator[LiveServer]:
    """The browsing plugin's live server, with the environment a test asks for by
    parametrising this fixture indirectly (e.g. ``{"CHAT_SIGNUP": "invite"}``)."""
    env = getattr(request, "param", None) or {}
    with running(LiveServer(tmp_path / "chat.sqlite3", env=env)) as live:
        yield live


def sign_in(person: Person, server: LiveServer, username: str, password: str = PASSWORD) -> None:
    page = person.page
    page.goto("/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{server.url}/")
    expect(page.locator(".whoami")).to_contain_text(username)


def log_out(person: Person, server: LiveServer) -> None:
    person.page.get_by_role("button", name="Log out").click()
    expect(person.page).to_have_url(f"{server.url}/accounts/login/")


def make_user(server: LiveServer, username: str) -> None:
    """An account made by an admin from the command line (sign-up may be closed)."""
    server.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_user({username!r}, password={PASSWORD!r})",
    )


def test_a_forgotten_password_is_reset_through_the_mailed_link(people, server: LiveServer):
    alice = people("alice")
    page = alice.page
    page.goto("/accounts/signup/")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=email]", "alice@example.com")
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator(".whoami")).to_contain_text("alice")
    log_out(alice, server)

    page.get_by_role("link", name="Forgot your password?").click()
    page.fill("input[name=email]", "alice@example.com")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.locator("h1")).to_have_text("Check your mail")

    # The console e-mail backend prints the mail to the server's output.
    link = server.wait_for_output(r"(http://\S+/accounts/password/reset/[^/\s]+/[^/\s]+/)")[1]
    page.goto(link)
    page.fill("input[name=new_password1]", NEW_PASSWORD)
    page.fill("input[name=new_password2]", NEW_PASSWORD)
    page.get_by_role("button", name="Set password").click()

    expect(page.locator("[role=status]")).to_have_text(
        "Your new password is set and you are signed in."
    )
    page.get_by_role("link", name="Go to the rooms").click()
    expect(page.locator(".whoami")).to_contain_text("alice")
    log_out(alice, server)
    sign_in(alice, server, "alice", NEW_PASSWORD)


@pytest.mark.screenshots
@pytest.mark.parametrize("server", [{"CHAT_SIGNUP": "invite"}], indirect=True)
def test_a_new_person_signs_up_through_an_invitation(people, server: LiveServer):
    make_user(server, "alice")
    alice, carol = people("alice"), people("carol")
    carol.page.goto("/accounts/signup/")
    expect(carol.page.locator(".how-to-join")).to_contain_text("You need an invitation to join")
    sign_in(alice, server, "alice")

    alice.page.get_by_role("link", name="Invitations").click()
    alice.page.fill("input[name=max_uses]", "1")
    alice.page.select_option("select[name=expires_in_days]", "7")
    alice.page.get_by_role("button", name="Create invitation").click()
    link = alice.page.locator("#new-invitation-link").input_value()
    assert re.fullmatch(rf"{re.escape(server.url)}/join/[\w-]{{43}}/", link), link
    expect(alice.page.locator(".invitation-list tbody tr")).to_have_count(1)
    screenshot(alice.page, "invitations.png", full_page=True)

    carol.page.goto(link)
    expect(carol.page.locator(".invited-by")).to_have_text("alice invited you to join.")
    carol.page.fill("input[name=username]", "carol")
    carol.page.fill("input[name=password1]", PASSWORD)
    carol.page.fill("input[name=password2]", PASSWORD)
    carol.page.get_by_role("button", name="Sign up").click()

    expect(carol.page).to_have_url(f"{server.url}/")  # the lobby, signed in
    expect(carol.page.locator(".whoami")).to_contain_text("carol")
    alice.page.goto("/invitations/")  # not a reload: that would send the form again
    expect(alice.page.locator(".invitation-list tbody tr .state")).to_have_text("used up")


@pytest.mark.screenshots
def test_an_admin_deactivates_bob_and_his_open_room_is_signed_out(people, server: LiveServer):
    _alice, bob = meet_in_lunch(people, server)
    server.env["DJANGO_SUPERUSER_PASSWORD"] = PASSWORD
    server.manage("createsuperuser", "--no-input", "--username", "root", "--email", "r@x.test")
    root = people("root")
    sign_in(root, server, "root")

    root.page.get_by_role("link", name="People").click()
    row = root.page.locator("tr", has_text="bob")
    expect(row.locator(".state")).to_have_text("active")
    screenshot(root.page, "staff-people.png", full_page=True)
    row.get_by_role("link", name="Deactivate").click()
    root.page.get_by_role("button", name="Deactivate bob").click()
    expect(root.page.locator("[role=status]")).to_have_text(
        "bob was deactivated and signed out everywhere."
    )

    # His socket is closed with 4401 (signed out); the page reloads, to the login form.
    expect(bob.page).to_have_url(
        f"{server.url}/accounts/login/?next=/r/lunch/", timeout=SIGNED_OUT_WITHIN_MS
    )
    expect(root.page.locator("tr", has_text="bob").locator(".state")).to_have_text("deactivated")
