"""Signing up, logging in and out, and the limits on both."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models import F
from django.test import Client

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
