"""Signing up, logging in and out (``chat.views.accounts``): the pages, who may sign up and
as what name, an e-mail address for resets, and how the forms' errors look."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from chat.models import Profile, Room
from tests.support.accounts import PASSWORD

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


def test_a_name_that_looks_like_someones_display_name_is_refused(alice):
    profile = Profile.objects.get(user=alice)
    profile.display_name = "Carol"
    profile.save()

    response = sign_up("car0l")

    assert response.status_code == 400
    html = response.content.decode()
    assert "“car0l” looks too much like “Carol”, the name @alice goes by" in html
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


# --- how the forms' errors look -----------------------------------------------------------------


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
