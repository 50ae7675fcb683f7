"""Passwords over HTTP (``chat.views.accounts``): changing one, resetting a forgotten one by
e-mail behind the reset limits, and the other sessions' sockets a new password closes."""

from __future__ import annotations

import re

import pytest
from channels.db import database_sync_to_async
from django.core import mail
from django.test import Client

from chat import mail as chat_mail
from tests.support.accounts import PASSWORD

pytestmark = pytest.mark.django_db


# --- changing a password -------------------------------------------------------------------------

NEW_PASSWORD = "A-whole-new-passphrase-77"


def change_password(client: Client, old: str = PASSWORD, new: str = NEW_PASSWORD):
    return client.post(
        "/accounts/password/",
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


def test_password_page_needs_sign_in():
    response = Client().get("/accounts/password/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/password/"


def test_header_links_the_password_page(login, alice):
    page = login(alice).get("/").content.decode()

    assert '<a href="/accounts/password/">Password</a>' in page


def test_changing_the_password_keeps_this_session_and_ends_the_others(login, alice):
    here, elsewhere = login(alice), login(alice)

    response = change_password(here)

    assert response.status_code == 302
    assert response["Location"] == "/accounts/password/done/"
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    alice.refresh_from_db()
    assert alice.check_password(NEW_PASSWORD)


def test_a_wrong_old_password_changes_nothing(login, alice):
    response = change_password(login(alice), old="not-the-password")

    assert response.status_code == 200  # Django's form view re-shows the form
    assert "Your old password was entered incorrectly." in response.content.decode()
    alice.refresh_from_db()
    assert alice.check_password(PASSWORD)


# --- resetting a forgotten password ----------------------------------------------------------


def ask_reset(email: str, address: str = "10.0.0.1", client: Client | None = None):
    """Ask for a reset link; the answer, once the mail (if any) has gone out."""
    response = (client or Client()).post(
        "/accounts/password/reset/", {"email": email}, REMOTE_ADDR=address
    )
    chat_mail.wait_until_sent()
    return response


@pytest.fixture
def alice_with_email(alice):
    alice.email = "alice@example.com"
    alice.save()
    return alice


def reset_link() -> str:
    match = re.search(r"https?://[^/\s]+(/accounts/password/reset/\S+/\S+/)", mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def test_reset_answers_the_same_whether_or_not_the_address_exists(alice_with_email):
    known = ask_reset("alice@example.com")
    unknown = ask_reset("nobody@example.com")

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == "/accounts/password/reset/done/"
    assert len(mail.outbox) == 1
    done = Client().get("/accounts/password/reset/done/").content.decode()
    assert "If an account here has that address" in done


def test_reset_refuses_what_is_not_an_address_keeping_it():
    response = ask_reset("not an address")

    assert response.status_code == 400
    page = response.content.decode()
    assert "Enter a valid email address." in page
    assert 'value="not an address"' in page


def test_reset_requests_are_limited_per_email_address_with_429(alice_with_email):
    for number in range(3):
        ask_reset("nobody@example.com", address=f"10.0.0.{number}")

    response = ask_reset("nobody@example.com", address="10.0.9.9")

    assert response.status_code == 429
    assert "Retry-After" in response
    assert "Reset links for this address were asked for several times" in response.content.decode()


def test_reset_requests_are_limited_per_client_address(alice_with_email):
    for number in range(10):
        ask_reset(f"person{number}@example.com")

    response = ask_reset("alice@example.com")

    assert response.status_code == 429
    assert "Too many password resets were asked for from your network" in response.content.decode()
    assert mail.outbox == []


def test_the_reset_link_sets_a_new_password_and_signs_in(alice_with_email, login):
    elsewhere = login(alice_with_email)
    ask_reset("alice@example.com")
    client = Client()

    form_page = client.get(reset_link(), follow=True)  # Django hides the token in the session
    assert 'name="new_password1"' in form_page.content.decode()
    done = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert done.status_code == 302
    assert done["Location"] == "/accounts/password/reset/complete/"
    assert "you are signed in" in client.get(done["Location"]).content.decode()
    assert client.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302
    alice_with_email.refresh_from_db()
    assert alice_with_email.check_password(NEW_PASSWORD)


def test_a_reset_link_works_once(alice_with_email):
    ask_reset("alice@example.com")
    link = reset_link()
    client = Client()
    url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})

    again = Client().get(link, follow=True).content.decode()

    assert "This link does not work any more" in again


def test_a_deactivated_account_gets_no_reset_mail(alice_with_email):
    alice_with_email.is_active = False
    alice_with_email.save()

    ask_reset("alice@example.com")

    assert mail.outbox == []


# --- a new password closes the other sessions' sockets (through the real ASGI stack) ------


@pytest.mark.django_db(transaction=True)
async def test_changing_the_password_closes_the_other_sessions_sockets(open_socket, alice, lunch):
    here, elsewhere = Client(), Client()
    await database_sync_to_async(here.force_login)(alice)
    await database_sync_to_async(elsewhere.force_login)(alice)
    other_socket = await open_socket("/ws/r/lunch/", alice, client=elsewhere)

    response = await database_sync_to_async(change_password)(here)

    assert response.status_code == 302
    # 4402, not 4401: that page takes its person to the login form saying why.
    assert await other_socket.receive_output(3) == {"type": "websocket.close", "code": 4402}
    # This session carries on, under a new key (Django cycles it): a socket opened with it
    # stays open.
    socket_here = await open_socket("/ws/r/lunch/", alice, client=here)
    assert socket_here.accepted
    assert await socket_here.receive_nothing(timeout=0.3)
