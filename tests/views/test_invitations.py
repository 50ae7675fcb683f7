"""Invitations over HTTP: the invitations page, and signing up through ``/join/<token>/``."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from chat.models import Invitation
from chat.people import invitations
from tests.support.signups import signup_data

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("by_invitation")]


def make_invitation(client: Client, max_uses: int = 1, days: int = 7):
    return client.post("/invitations/", {"max_uses": str(max_uses), "expires_in_days": str(days)})


def link_in(response) -> str:
    match = re.search(r'value="http://testserver(/join/[^"]+/)"', response.content.decode())
    assert match, response.content.decode()
    return match.group(1)


# --- the invitations page ---------------------------------------------------------------------


def test_invitations_page_needs_sign_in():
    response = Client().get("/invitations/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/invitations/"


def test_header_links_invitations_for_members_while_inviting(login, alice, settings):
    assert '<a href="/invitations/">Invitations</a>' in login(alice).get("/").content.decode()

    settings.CHAT_SIGNUP = "open"

    assert "/invitations/" not in login(alice).get("/").content.decode()


def test_creating_an_invitation_shows_its_link_once(login, alice):
    client = login(alice)

    response = make_invitation(client, max_uses=3)

    assert response.status_code == 201
    link = link_in(response)
    assert "it is shown only this once" in response.content.decode()
    listing = client.get("/invitations/").content.decode()
    assert link not in listing
    assert "0 of 3" in listing


def test_creating_an_invitation_refuses_bad_input_keeping_it(login, alice):
    response = make_invitation(login(alice), max_uses=0, days=7)

    assert response.status_code == 400
    page = response.content.decode()
    assert "At least one person must be able to use it." in page
    assert 'value="0"' in page
    assert not Invitation.objects.exists()


def test_invitations_page_lists_mine_and_staff_see_all(login, alice, bob):
    make_invitation(login(alice))
    make_invitation(login(bob), max_uses=7)
    bob.is_staff = True
    bob.save()

    mine = login(alice).get("/invitations/").content.decode()
    everyone = login(bob).get("/invitations/").content.decode()

    assert "Your invitations" in mine
    assert mine.count("data-invitation-id=") == 1
    assert "All invitations" in everyone
    assert everyone.count("data-invitation-id=") == 2


def test_staff_see_a_deactivated_members_invitation_as_inactive(login, alice, bob):
    link = link_in(make_invitation(login(alice)))
    get_user_model().objects.filter(pk=alice.pk).update(is_active=False)
    bob.is_staff = True
    bob.save()

    page = login(bob).get("/invitations/").content.decode()
    joining = Client().get(link)

    row = re.search(r'<tr data-invitation-id="\d+" class="(\w+)">.*?</tr>', page, re.S)
    assert row[1] == "inactive"
    assert '<td class="state">inactive' in row[0]
    assert "Revoke" not in row[0]
    assert joining.status_code == 403
    assert invitations.MAKER_INACTIVE in joining.content.decode()


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("open", "Sign-up is open here: anyone can create an account, no invitation needed."),
        ("closed", "Accounts here are created by the admins: ask one of them for yours."),
    ],
)
def test_invitations_page_explains_when_signup_is_not_by_invitation(
    settings, login, alice, mode, words
):
    settings.CHAT_SIGNUP = mode
    client = login(alice)

    page = client.get("/invitations/")
    made = make_invitation(client)

    assert page.status_code == 200
    assert words in page.content.decode()
    assert 'id="invitation-form"' not in page.content.decode()
    assert made.status_code == 403
    assert not Invitation.objects.exists()


def test_revoking_an_invitation(login, alice):
    client = login(alice)
    link = link_in(make_invitation(client))
    invitation = Invitation.objects.get()

    assert client.get(f"/invitations/{invitation.pk}/revoke").status_code == 405
    response = client.post(f"/invitations/{invitation.pk}/revoke")

    assert response.status_code == 302
    assert "revoked" in client.get("/invitations/").content.decode()
    assert "This invitation was revoked" in Client().get(link).content.decode()


def test_someone_else_cannot_revoke_it(login, alice, bob):
    make_invitation(login(alice))
    invitation = Invitation.objects.get()

    response = login(bob).post(f"/invitations/{invitation.pk}/revoke")

    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


# --- signing up through one -----------------------------------------------------------------------


def test_join_page_shows_the_form_naming_who_invited(login, alice):
    link = link_in(make_invitation(login(alice)))

    page = Client().get(link).content.decode()

    assert "<strong>alice</strong> invited you to join." in page
    assert 'name="password1"' in page


def test_joining_creates_the_account_signs_in_and_lands_in_the_lobby(login, alice):
    link = link_in(make_invitation(login(alice)))
    client = Client()

    response = client.post(link, signup_data("carol"))

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    assert Invitation.objects.get().uses == 1


def test_a_used_link_says_so_and_creates_nothing(login, alice):
    link = link_in(make_invitation(login(alice)))
    Client().post(link, signup_data("carol"))

    shown = Client().get(link)
    posted = Client().post(link, signup_data("dave"))

    assert shown.status_code == posted.status_code == 403
    assert invitations.USED_UP in posted.content.decode()
    assert not get_user_model().objects.filter(username="dave").exists()


def test_an_expired_link_says_so(login, alice):
    link = link_in(make_invitation(login(alice)))
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = Client().post(link, signup_data("carol"))

    assert response.status_code == 403
    assert "This invitation expired on" in response.content.decode()
    assert not get_user_model().objects.filter(username="carol").exists()


def test_an_unknown_link_is_not_found():
    response = Client().get("/join/not-a-real-token/")

    assert response.status_code == 404
    assert invitations.UNKNOWN in response.content.decode()


def test_guessing_links_is_limited_per_client_address(login, alice):
    link = link_in(make_invitation(login(alice)))
    for number in range(invitations.TOKEN_GUESSES.limit):
        Client().get(f"/join/guess-{number}/", REMOTE_ADDR="10.0.0.7")

    response = Client().get("/join/one-guess-more/", REMOTE_ADDR="10.0.0.7")

    assert response.status_code == 429
    assert "Too many invitation links that do not exist" in response.content.decode()
    # Only guesses are refused: a real link still works from that address.
    assert Client().get(link, REMOTE_ADDR="10.0.0.7").status_code == 200


def test_a_refused_form_keeps_what_was_typed_and_uses_nothing(login, alice):
    link = link_in(make_invitation(login(alice)))

    response = Client().post(link, {**signup_data("carol"), "password2": "different"})

    assert response.status_code == 400
    assert 'value="carol"' in response.content.decode()
    assert Invitation.objects.get().uses == 0


def test_plain_signup_without_a_link_says_an_invitation_is_needed():
    page = Client().get("/accounts/signup/").content.decode()

    assert "You need an invitation to join" in page


def test_join_links_send_to_signup_while_open(settings):
    settings.CHAT_SIGNUP = "open"

    response = Client().get("/join/anything/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/signup/"


def test_join_links_say_admins_make_accounts_while_closed(settings):
    settings.CHAT_SIGNUP = "closed"

    response = Client().post("/join/anything/", signup_data("carol"))

    assert response.status_code == 404
    assert "Accounts here are created by the admins" in response.content.decode()
    assert not get_user_model().objects.filter(username="carol").exists()
