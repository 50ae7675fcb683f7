"""The welcome (``chat.people.welcome``; the lobby's panel, ``POST /welcome/dismiss``): for
accounts made through sign-up, by an open form or an invitation, or added in the admin,
until they dismiss it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from chat.models import Profile, Room
from chat.people import accounts, invitations, welcome
from tests.support.invitations import invite
from tests.support.messages import HTMX
from tests.support.signups import ADDRESS, signup_data

pytestmark = pytest.mark.django_db


def welcomed(user) -> bool:
    return Profile.objects.get(user=user).welcomed


@pytest.fixture
def newcomer(settings):
    settings.CHAT_SIGNUP = "open"
    return accounts.sign_up(signup_data("newcomer"), ADDRESS)


def test_an_account_made_by_signing_up_is_to_be_welcomed(newcomer):
    assert not welcomed(newcomer)
    assert welcome.welcome_for(newcomer) is not None


def test_an_account_made_through_an_invitation_is_to_be_welcomed(alice, by_invitation):
    _invitation, token = invite(alice)

    user = invitations.join(token, signup_data("invited"), ADDRESS)

    assert not welcomed(user)


def test_an_account_added_in_the_admin_joins_the_default_room_and_is_welcomed(login, root):
    """On a closed instance the admin's "Add user" is how people get accounts."""
    passphrase = "a long passphrase"
    data = {"username": "newcomer", "usable_password": "true"}
    data |= {"password1": passphrase, "password2": passphrase}

    response = login(root).post("/admin/auth/user/add/", data)

    assert response.status_code == 302, response.content.decode()
    newcomer = get_user_model().objects.get(username="newcomer")
    assert Room.objects.get(slug="general").memberships.filter(user=newcomer).exists()
    assert welcome.welcome_for(newcomer) is not None


def test_an_account_changed_in_the_admin_is_not_greeted_again(login, root, alice):
    page = f"/admin/auth/user/{alice.pk}/change/"
    data = {"username": "alice", "is_active": "on"}
    data |= {"date_joined_0": "2026-01-01", "date_joined_1": "00:00:00"}

    response = login(root).post(page, data)

    assert response.status_code == 302, response.content.decode()
    assert welcomed(alice)
    assert not Room.objects.filter(slug="general").exists()


def test_an_account_made_otherwise_is_not_greeted(alice):
    assert welcomed(alice)
    assert welcome.welcome_for(alice) is None


def test_the_welcome_links_the_default_room_the_newcomer_joined(newcomer):
    found = welcome.welcome_for(newcomer)

    assert (found.default_room_url, found.default_room_title) == ("/r/general/", "General")


def test_without_a_default_room_the_welcome_links_none(settings):
    settings.CHAT_SIGNUP, settings.CHAT_DEFAULT_ROOM = "open", ""
    newcomer = accounts.sign_up(signup_data("newcomer"), ADDRESS)

    assert welcome.welcome_for(newcomer).default_room_url is None
    assert not Room.objects.exists()


def test_the_lobby_shows_the_welcome_until_it_is_dismissed(login, newcomer):
    client = login(newcomer)
    html = client.get("/").content.decode()

    response = client.post("/welcome/dismiss")

    assert '<section id="welcome"' in html
    assert 'href="/people/"' in html and 'href="/accounts/profile/"' in html
    assert "Turn on notifications" in html
    assert response.status_code == 302 and response["Location"] == "/"
    assert '<section id="welcome"' not in client.get("/").content.decode()
    assert welcomed(newcomer)


def test_htmx_dismisses_with_an_empty_answer_that_replaces_the_panel(login, newcomer):
    client = login(newcomer)
    html = client.get("/").content.decode()

    response = client.post("/welcome/dismiss", **HTMX)

    assert 'hx-post="/welcome/dismiss" hx-target="#welcome" hx-swap="outerHTML"' in html
    assert response.status_code == 200 and response.content == b""
    assert welcomed(newcomer)


def test_a_get_dismisses_nothing(login, newcomer):
    assert login(newcomer).get("/welcome/dismiss").status_code == 405
    assert not welcomed(newcomer)


def test_dismissing_needs_the_csrf_token(newcomer):
    client = Client(enforce_csrf_checks=True)
    client.force_login(newcomer)

    assert client.post("/welcome/dismiss").status_code == 403
    assert not welcomed(newcomer)


def test_signed_out_visitors_dismiss_nothing(newcomer):
    response = Client().post("/welcome/dismiss")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert not welcomed(newcomer)
