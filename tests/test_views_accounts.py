"""Signing up, logging in and out, and the limits on both."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from channels.db import database_sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core import mail
from django.db.models import F
from django.test import Client

from chat import mail as chat_mail
from chat.models import Profile, Room
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def sign_up(username: str, address: str = "10.0.0.1", client: Client | None = None):
    return (client or Client()).post(
        "/accounts/signup/",
        {"username": username, "password1": PASSWORD, "password2": PASSWORD},
        REMOTE_ADDR=address,
    )


# --- sign-in -------------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/", "/r/lunch/", "/r/lunch/messages?before=1", "/p/bob/", "/p/?username=bob"]
)
def test_chat_pages_redirect_anonymous_to_login_with_next(url):
    response = Client().get(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


def test_signup_creates_account_and_signs_in():
    client = Client()

    response = client.post(
        "/accounts/signup/",
        {
            "username": "zoe",
            "password1": "Correct-Horse-42-battery",
            "password2": "Correct-Horse-42-battery",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_signup_rejects_weak_password():
    response = Client().post(
        "/accounts/signup/", {"username": "zoe", "password1": "123", "password2": "123"}
    )

    assert response.status_code == 400
    assert "This password is too short" in response.content.decode()


def test_signup_ignores_offsite_next():
    response = Client().post(
        "/accounts/signup/",
        {
            "username": "zoe",
            "password1": "Correct-Horse-42-battery",
            "password2": "Correct-Horse-42-battery",
            "next": "https://evil.example/",
        },
    )

    assert response["Location"] == "/"


def test_login_then_next(alice):
    response = Client().post(
        "/accounts/login/?next=/r/lunch/",
        {"username": "alice", "password": "Correct-Horse-42-battery", "next": "/r/lunch/"},
    )

    assert response.status_code == 302
    assert response["Location"] == "/r/lunch/"


def test_logout_needs_post(login, alice):
    client = login(alice)

    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/").status_code == 302


def test_forms_need_csrf_token(alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    assert client.post("/", {"title": "Nope", "kind": "public"}).status_code == 403
    assert not Room.objects.exists()


def test_healthz_answers_without_login():
    response = Client().get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


# --- who may sign up, and as what -------------------------------------------------------------


def test_signing_up_records_the_names_lookalike_skeleton():
    sign_up("Zoe")

    assert Profile.objects.get(user__username="Zoe").username_skeleton == "Z0E"


@pytest.mark.parametrize("name", [".", "..", "...", "-_-"])
def test_names_that_break_urls_are_refused(name):
    response = sign_up(name)

    assert response.status_code == 400
    assert "A username needs at least one letter or digit." in response.content.decode()
    assert not get_user_model().objects.exists()


@pytest.mark.parametrize(
    "lookalike",
    ["\u0430lice", "AIice", "a1ice", "al\u0456ce"],
    ids=["cyrillic-a", "capital-i", "digit-one", "cyrillic-i"],
)
def test_names_that_look_like_someone_elses_are_refused(alice, lookalike):
    response = sign_up(lookalike)

    assert response.status_code == 400
    html = response.content.decode()
    assert "looks too much like “alice”, who is already here: pick another name." in html
    assert get_user_model().objects.count() == 1


@pytest.mark.parametrize("same", ["ALICE", "\uff41lice"], ids=["upper-case", "full-width-a"])
def test_names_that_are_someone_elses_in_another_case_or_width_are_refused(alice, same):
    response = sign_up(same)

    assert response.status_code == 400
    assert "A user with that username already exists." in response.content.decode()
    assert get_user_model().objects.count() == 1


def test_the_sixth_account_from_one_address_within_an_hour_is_refused():
    for n in range(5):
        assert sign_up(f"person{n}", address="192.0.2.1").status_code == 302

    refused = sign_up("person5", address="192.0.2.1")
    elsewhere = sign_up("person6", address="192.0.2.2")

    assert refused.status_code == 429
    html = refused.content.decode()
    assert "Too many accounts were created from your network just now." in html
    assert 'value="person5"' in html  # the form comes back as typed
    assert elsewhere.status_code == 302
    assert get_user_model().objects.count() == 6


# --- sign-in limits (django-axes per username, the chat's limiter per address) -------------


LOCKED = "Too many failed attempts; try again in {} minutes."


def log_in(client: Client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address
    )


def fail(client: Client, username: str, times: int, address: str = "10.0.0.1") -> None:
    """``times`` wrong passwords; the one that reaches the limit is answered 429 already."""
    for n in range(times):
        response = log_in(client, username, "wrong password", address)
        if response.status_code == 429 and n == times - 1:
            return
        assert response.status_code == 200, "a failure before the limit is an ordinary error"
        assert "Please enter a correct username and password" in response.content.decode()


@pytest.fixture
def password_checks() -> Iterator[list[str]]:
    """Every time Django checked a password: "failed" or "ok"."""
    seen: list[str] = []

    def failed(credentials=None, **_):
        seen.append("failed")

    def ok(**_):
        seen.append("ok")

    user_login_failed.connect(failed)
    user_logged_in.connect(ok)
    yield seen
    user_login_failed.disconnect(failed)
    user_logged_in.disconnect(ok)


def test_five_failures_lock_the_username_with_429(alice):
    client = Client()
    fail(client, "alice", 5)

    response = log_in(client, "alice", PASSWORD)  # even the right password

    assert response.status_code == 429
    html = response.content.decode()
    assert LOCKED.format(15) in html
    assert html.count(LOCKED.format(15)) == 1
    assert 'value="alice"' in html  # the form comes back, unbound and unchecked
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize(
    "spelling",
    [" ALICE", "\uff41\uff4c\uff49\uff43\uff45", "\u0430lice"],
    ids=["upper-case", "full-width", "cyrillic-a"],
)
def test_a_locked_username_is_locked_from_every_address_and_spelling(alice, spelling):
    fail(Client(), "alice", 5, address="10.0.0.1")

    response = log_in(Client(), spelling, PASSWORD, address="192.0.2.7")

    assert response.status_code == 429


def test_a_name_that_looks_like_someones_display_name_is_refused(alice):
    profile = Profile.objects.get(user=alice)
    profile.display_name = "Carol"
    profile.save()

    response = sign_up("car0l")

    assert response.status_code == 400
    html = response.content.decode()
    assert "“car0l” looks too much like “Carol”, the name @alice goes by" in html
    assert get_user_model().objects.count() == 1


def test_lookalike_spellings_share_one_budget_of_guesses(alice):
    spellings = ["alice", "ALICE", "\uff41lice", "\u0430lice", "AIice"]
    for spelling in spellings:
        fail(Client(), spelling, 1)

    assert log_in(Client(), "alice", PASSWORD).status_code == 429


def test_a_success_resets_the_count(alice):
    client = Client()
    fail(client, "alice", 4)
    assert log_in(client, "alice", PASSWORD).status_code == 302
    client.post("/accounts/logout/")

    fail(client, "alice", 4)  # a full budget again

    assert log_in(client, "alice", PASSWORD).status_code == 302


def test_the_lock_lifts_when_the_cool_off_ends(alice):
    client = Client()
    fail(client, "alice", 5)
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=10))

    response = log_in(client, "alice", PASSWORD)
    assert response.status_code == 429
    assert LOCKED.format(5) in response.content.decode()

    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=5, seconds=1))
    assert log_in(client, "alice", PASSWORD).status_code == 302


def test_many_usernames_from_one_address_lock_the_address(alice):
    client = Client()
    for n in range(20):
        fail(client, f"nobody{n}", 1, address="10.0.0.9")

    assert log_in(client, "alice", PASSWORD, address="10.0.0.9").status_code == 429
    assert log_in(client, "alice", PASSWORD, address="10.0.0.10").status_code == 302


def test_refused_attempts_do_not_spend_the_address_budget(alice, bob, password_checks):
    client = Client()
    fail(client, "alice", 5)
    for _ in range(25):
        assert log_in(client, "alice", "still guessing").status_code == 429

    # Someone else behind the same address can still sign in.
    assert log_in(Client(), "bob", PASSWORD).status_code == 302
    assert password_checks.count("ok") == 1


def test_admin_login_goes_through_the_limited_form(db):
    response = Client().get("/admin/login/?next=/admin/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/admin/"


# --- an e-mail address at sign-up ----------------------------------------------------------------


def test_signup_form_offers_an_optional_email_for_resets_only():
    page = Client().get("/accounts/signup/").content.decode()

    assert 'type="email" name="email"' in page
    assert "Only used to send you a link if you forget your password." in page


def test_signup_keeps_the_email_address():
    Client().post(
        "/accounts/signup/",
        {
            "username": "zoe",
            "email": "zoe@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert get_user_model().objects.get(username="zoe").email == "zoe@example.com"


def test_signup_refuses_a_taken_email_address_keeping_what_was_typed(alice):
    alice.email = "alice@example.com"
    alice.save()

    response = Client().post(
        "/accounts/signup/",
        {
            "username": "zoe",
            "email": "ALICE@example.com",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )

    assert response.status_code == 400
    page = response.content.decode()
    assert "Another account uses this address." in page
    assert 'value="zoe"' in page
    assert not get_user_model().objects.filter(username="zoe").exists()


def test_the_login_page_says_when_a_new_password_signed_the_person_out(db):
    said = "You were signed out because your password was changed. Log in with the new one."
    page = Client().get("/accounts/login/?why=password&next=/r/lunch/").content.decode()

    assert f'<p class="notice" role="status">{said}</p>' in page
    assert 'name="next" value="/r/lunch/"' in page
    for other in ("", "?why=%3Cscript%3E", "?why=signed-out"):
        assert "signed out" not in Client().get(f"/accounts/login/{other}").content.decode()


# --- who may sign up: CHAT_SIGNUP ---------------------------------------------------------------


def test_login_page_links_signup_and_password_reset_when_open():
    page = Client().get("/accounts/login/").content.decode()

    assert '<a href="/accounts/signup/">Create an account</a>' in page
    assert '<a href="/accounts/password/reset/">Forgot your password?</a>' in page


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("invite", "You need an invitation to join: ask someone who is already here"),
        ("closed", "Accounts here are created by the admins: ask one of them for yours."),
    ],
)
def test_login_page_says_how_to_get_in(settings, mode, words):
    settings.CHAT_SIGNUP = mode

    page = Client().get("/accounts/login/").content.decode()

    assert words in page
    assert "Create an account</a>" not in page


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("invite", "You need an invitation to join: ask someone who is already here"),
        ("closed", "Accounts here are created by the admins: ask one of them for yours."),
    ],
)
def test_signup_page_says_how_to_get_in_and_creates_nothing(settings, mode, words):
    settings.CHAT_SIGNUP = mode

    shown = Client().get("/accounts/signup/")
    posted = sign_up("zoe")

    assert shown.status_code == 200
    assert words in shown.content.decode()
    assert 'name="password1"' not in shown.content.decode()
    assert posted.status_code == 403
    assert words in posted.content.decode()
    assert not get_user_model().objects.filter(username="zoe").exists()


def test_the_signed_out_state_says_how_to_get_in(settings, login, alice):
    settings.CHAT_SIGNUP = "invite"
    client = login(alice)

    response = client.post("/accounts/logout/", follow=True)

    assert "You need an invitation to join" in response.content.decode()


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


def test_a_failed_login_says_so_once(alice):
    response = Client().post("/accounts/login/", {"username": "alice", "password": "wrong"})

    html = response.content.decode()
    assert html.count("Please enter a correct username and password") == 1
    assert 'class="errorlist' not in html  # Django's own list of the same error


MISMATCH = "The two password fields didn\u2019t match."


def test_signup_errors_look_like_errors_and_help_like_help(db):
    response = Client().post(
        "/accounts/signup/", {"username": "zoe", "password1": "123", "password2": "124"}
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert f'<p class="error">{MISMATCH}</p>' in html
    assert '<div class="field invalid">' in html
    assert '<div class="help" id="id_password1_helptext">' in html
    assert 'aria-describedby="id_password2_helptext id_password2_error"' in html
    assert '<div id="id_password2_error">' in html
    assert 'class="errorlist' not in html
    assert html.count(MISMATCH) == 1
