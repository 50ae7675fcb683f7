"""Accounts (``chat.accounts``): signing up, sign-in keys, profiles and sessions that end."""

from __future__ import annotations

import threading
from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client, RequestFactory

from chat import accounts, ratelimit
from chat import mail as chat_mail
from chat.errors import Forbidden, Invalid, TooFast
from chat.models import Profile
from chat.usernames import skeleton
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

ADDRESS = "203.0.113.5"


def signup_data(username: str, password: str = PASSWORD) -> dict[str, str]:
    return {"username": username, "password1": password, "password2": password}


def session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.session.session_key


@pytest.fixture
def sent(monkeypatch) -> list[tuple]:
    """Every event the accounts send, as (group, kind, fields)."""
    events: list[tuple] = []

    def record(group: str, kind: str, **fields: object) -> bool:
        events.append((group, kind, fields))
        return True

    monkeypatch.setattr(accounts.fanout, "send", record)
    return events


# --- signing up ----------------------------------------------------------------------------


def test_sign_up_creates_the_account():
    user = accounts.sign_up(signup_data("carol"), ADDRESS)

    assert get_user_model().objects.get(username="carol") == user
    assert user.check_password(PASSWORD)


def test_sign_up_refuses_a_weak_password_with_the_form():
    with pytest.raises(Invalid) as refused:
        accounts.sign_up(signup_data("carol", "123"), ADDRESS)

    assert refused.value.message == (
        "This password is too short. It must contain at least 8 characters."
    )
    assert "password2" in refused.value.form.errors
    assert not get_user_model().objects.exists()


def test_sign_up_refuses_one_account_too_many_from_one_address(monkeypatch):
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: 7200.0))
    for number in range(ratelimit.SIGNUP.limit):
        accounts.sign_up(signup_data(f"person-{'abcdefghij'[number]}"), ADDRESS)

    with pytest.raises(TooFast) as refused:
        accounts.sign_up(signup_data("one-more"), ADDRESS)

    assert refused.value.message == (
        "Too many accounts were created from your network just now. Try again in 60 minutes."
    )  # all of them a moment ago: the first leaves the hour in an hour
    assert not get_user_model().objects.filter(username="one-more").exists()


def test_sign_up_allows_five_accounts_an_hour_from_one_address_by_default():
    assert ratelimit.SIGNUP.limit == 5
    assert ratelimit.SIGNUP.window == 3600


def test_sign_up_counts_each_address_apart():
    for number in range(ratelimit.SIGNUP.limit):
        accounts.sign_up(signup_data(f"person-{'abcdefghij'[number]}"), ADDRESS)

    accounts.sign_up(signup_data("one-more"), "198.51.100.7")


def test_sign_up_does_not_count_a_refused_form_against_the_address():
    for _ in range(ratelimit.SIGNUP.limit):
        with pytest.raises(Invalid):
            accounts.sign_up(signup_data("carol", "123"), ADDRESS)

    accounts.sign_up(signup_data("carol"), ADDRESS)


def test_sign_up_keeps_an_optional_email_address():
    user = accounts.sign_up({**signup_data("carol"), "email": "Carol@EXAMPLE.com"}, ADDRESS)

    assert user.email == "Carol@example.com"


def test_sign_up_needs_no_email_address():
    user = accounts.sign_up(signup_data("carol"), ADDRESS)

    assert user.email == ""


def test_sign_up_refuses_an_email_address_someone_has_in_another_case(alice):
    alice.email = "alice@example.com"
    alice.save()

    with pytest.raises(Invalid) as refused:
        accounts.sign_up({**signup_data("carol"), "email": "ALICE@example.com"}, ADDRESS)

    assert refused.value.message == "Another account uses this address."
    assert not get_user_model().objects.filter(username="carol").exists()


def test_two_accounts_without_email_addresses_are_fine():
    accounts.sign_up(signup_data("carol"), ADDRESS)
    accounts.sign_up(signup_data("dave"), ADDRESS)

    assert get_user_model().objects.filter(email="").count() == 2


def test_signup_is_open_by_default():
    assert accounts.signup_mode() == "open"
    assert accounts.signup_open() is True
    assert accounts.how_to_join() == ""


@pytest.mark.parametrize(
    ("mode", "words"), [("invite", accounts.NEEDS_INVITATION), ("closed", accounts.ADMINS_ONLY)]
)
def test_sign_up_is_refused_unless_open_and_says_how_to_get_in(settings, mode, words):
    settings.CHAT_SIGNUP = mode

    with pytest.raises(Forbidden) as refused:
        accounts.sign_up(signup_data("carol"), ADDRESS)

    assert refused.value.message == words
    assert accounts.how_to_join() == words
    assert not get_user_model().objects.filter(username="carol").exists()


# --- password resets ------------------------------------------------------------------------


@pytest.fixture
def alice_with_email(alice):
    alice.email = "alice@example.com"
    alice.save()
    return alice


def reset(email: str, address: str = ADDRESS) -> None:
    """Ask for a reset, and wait until its mail (if any) has gone out."""
    accounts.request_password_reset({"email": email}, address, domain_override="chat.test")
    chat_mail.wait_until_sent()


def test_a_reset_mails_a_link_to_the_account_with_the_address(alice_with_email):
    reset("ALICE@example.com")

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["alice@example.com"]
    assert "http://chat.test/accounts/password/reset/" in mail.outbox[0].body
    assert '"alice"' in mail.outbox[0].body


def test_a_reset_for_an_unknown_address_sends_nothing_and_says_nothing(alice_with_email):
    reset("nobody@example.com")  # no error: the answer is the same

    assert mail.outbox == []


def test_a_reset_refuses_what_is_not_an_email_address():
    with pytest.raises(Invalid) as refused:
        reset("not an address")

    assert refused.value.message == "Enter a valid email address."


def test_resets_for_one_email_address_are_limited_whether_or_not_it_exists(alice_with_email):
    for email in ("alice@example.com", "nobody@example.com"):
        for _ in range(ratelimit.PASSWORD_RESETS_PER_EMAIL.limit):
            reset(email, address=f"198.51.100.{len(email)}")

        with pytest.raises(TooFast) as refused:
            reset(email.upper(), address="192.0.2.1")

        assert refused.value.message.startswith("Reset links for this address were asked for")
    assert len(mail.outbox) == ratelimit.PASSWORD_RESETS_PER_EMAIL.limit


def test_resets_from_one_client_address_are_limited():
    for number in range(ratelimit.PASSWORD_RESETS_PER_ADDRESS.limit):
        reset(f"person{number}@example.com")

    with pytest.raises(TooFast) as refused:
        reset("one-more@example.com")

    assert refused.value.message.startswith("Too many password resets were asked for")


def test_a_reset_refused_for_its_email_does_not_spend_the_client_budget(alice_with_email):
    for _ in range(ratelimit.PASSWORD_RESETS_PER_EMAIL.limit):
        reset("alice@example.com", address="192.0.2.9")
    for _ in range(ratelimit.PASSWORD_RESETS_PER_ADDRESS.limit):
        with pytest.raises(TooFast):
            reset("alice@example.com")

    reset("someone-else@example.com")  # the client address still has its whole budget


def test_a_mail_server_that_fails_is_logged_not_told(alice_with_email, monkeypatch, caplog):
    def fail(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr("django.core.mail.EmailMultiAlternatives.send", fail)

    reset("alice@example.com")

    assert "Failed to send password reset email" in caplog.text


class BlockingBackend(BaseEmailBackend):
    """A mail backend that holds every mail until the test releases it."""

    reached = threading.Event()
    release = threading.Event()
    holding = False

    def send_messages(self, messages) -> int:
        BlockingBackend.holding = True
        BlockingBackend.reached.set()
        try:
            BlockingBackend.release.wait(timeout=5)
        finally:
            BlockingBackend.holding = False
        mail.outbox.extend(messages)
        return len(messages)


@pytest.fixture
def blocking_backend(settings):
    settings.EMAIL_BACKEND = f"{__name__}.BlockingBackend"
    BlockingBackend.reached.clear()
    BlockingBackend.release.clear()
    yield BlockingBackend
    BlockingBackend.release.set()
    chat_mail.wait_until_sent()


def test_a_reset_answers_before_its_mail_is_sent(alice_with_email, blocking_backend):
    response = Client().post("/accounts/password/reset/", {"email": "alice@example.com"})

    # The answer did not wait for the mail server, which another thread is still in.
    assert response.status_code == 302
    assert blocking_backend.reached.wait(timeout=5)
    assert blocking_backend.holding
    assert mail.outbox == []
    blocking_backend.release.set()
    chat_mail.wait_until_sent()
    assert [message.to for message in mail.outbox] == [["alice@example.com"]]


def test_a_mail_that_fails_before_the_server_is_logged(alice_with_email, monkeypatch, caplog):
    def fail(*args, **kwargs):
        raise RuntimeError("the template is broken")

    monkeypatch.setattr("django.template.loader.render_to_string", fail)

    reset("alice@example.com")

    [record] = [r for r in caplog.records if r.name == "chat.mail"]
    assert record.getMessage() == "a password reset mail could not be sent"
    assert "the template is broken" in caplog.text


# --- the key sign-in failures count under ------------------------------------------------


@pytest.mark.parametrize("typed", ["alice", " ALICE", "\u0430lice ", "a1ice"])
def test_login_key_is_the_skeleton_of_what_was_typed(typed):
    assert accounts.login_key(None, {"username": typed}) == skeleton("alice")


def test_login_key_reads_the_posted_form_without_credentials():
    request = RequestFactory().post("/accounts/login/", {"username": "Bob "})

    assert accounts.login_key(request) == skeleton("bob")


@pytest.mark.parametrize(
    "credentials", [None, {}, {"username": 5}, {"username": ["alice"]}, {"password": "x"}]
)
def test_login_key_is_none_without_a_typed_username(credentials):
    assert accounts.login_key(None, credentials) is None


def test_client_address_is_the_servers_remote_address():
    request = RequestFactory().get("/", REMOTE_ADDR=ADDRESS)

    assert accounts.client_address(request) == ADDRESS


def test_client_address_is_empty_when_the_server_gave_none():
    request = RequestFactory().get("/")
    del request.META["REMOTE_ADDR"]

    assert accounts.client_address(request) == ""


# --- profiles ------------------------------------------------------------------------------


def test_record_profile_creates_a_missing_profile(alice):
    Profile.objects.filter(user=alice).delete()

    profile = accounts.record_profile(alice)

    assert profile.user == alice
    assert profile.username_skeleton == skeleton("alice")


def test_record_profile_refreshes_the_skeleton(alice):
    Profile.objects.filter(user=alice).update(username_skeleton="stale")

    accounts.record_profile(alice)

    assert Profile.objects.get(user=alice).username_skeleton == skeleton("alice")


def test_creating_a_user_records_their_profile():
    user = get_user_model().objects.create_user(username="Zoe", password=PASSWORD)

    assert Profile.objects.get(user=user).username_skeleton == "Z0E"


def test_renaming_a_user_refreshes_their_profile(alice):
    alice.username = "bobby"
    alice.save(update_fields=["username"])

    assert Profile.objects.get(user=alice).username_skeleton == skeleton("bobby")


# --- sockets whose session ends ------------------------------------------------------------


def test_session_still_valid_for_a_signed_in_session(alice):
    key = session_of(alice)

    assert accounts.session_still_valid(key, alice.pk) is True


@pytest.mark.parametrize("key", [None, "", "no-such-session-key-at-all"])
def test_session_still_valid_is_false_without_a_live_session(alice, key):
    assert accounts.session_still_valid(key, alice.pk) is False


def test_session_still_valid_is_false_for_someone_elses_session(alice, bob):
    key = session_of(bob)

    assert accounts.session_still_valid(key, alice.pk) is False


def test_session_still_valid_is_false_once_the_account_is_deactivated(alice):
    key = session_of(alice)

    alice.is_active = False
    alice.save()

    assert accounts.session_still_valid(key, alice.pk) is False


def test_session_still_valid_is_false_once_the_password_changed(alice):
    key = session_of(alice)

    alice.set_password("a whole new passphrase")
    alice.save()

    assert accounts.session_still_valid(key, alice.pk) is False


def test_why_a_session_ended_tells_a_new_password_apart(alice, bob):
    key = session_of(alice)
    assert accounts.why_session_ended(key, alice.pk) is None

    alice.set_password("a whole new passphrase")
    alice.save()

    assert accounts.why_session_ended(key, alice.pk) == accounts.PASSWORD_CHANGED
    assert accounts.signed_out_because("password") == (
        "You were signed out because your password was changed. Log in with the new one."
    )


def test_every_socket_of_the_session_is_told_of_the_new_password(alice):
    # One session's sockets on several processes each ask; the first to ask must not
    # end the session before the others have read why (each would then hear 4401).
    key = session_of(alice)
    alice.set_password("a whole new passphrase")
    alice.save()

    answers = [accounts.why_session_ended(key, alice.pk) for _socket in range(3)]

    assert answers == [accounts.PASSWORD_CHANGED] * 3


def test_why_a_session_ended_is_plain_for_everything_else(alice, bob):
    kept = session_of(alice)
    alice.is_active = False
    alice.save()

    assert accounts.why_session_ended(kept, alice.pk) == accounts.SIGNED_OUT  # deactivated
    assert accounts.why_session_ended(session_of(bob), alice.pk) == accounts.SIGNED_OUT
    assert accounts.why_session_ended(None, alice.pk) == accounts.SIGNED_OUT
    assert accounts.why_session_ended("no-such-session-key-at-all", bob.pk) == accounts.SIGNED_OUT
    assert accounts.signed_out_because("<script>") == ""
    assert accounts.signed_out_because(None) == ""


def test_sessions_changed_tells_every_socket_of_the_person(alice, sent):
    accounts.sessions_changed(alice.pk)

    assert sent == [(f"user.{alice.pk}", "user.changed", {})]


def test_session_ended_names_the_session_that_logged_out(alice, sent):
    accounts.session_ended(alice.pk, "abc123")

    assert sent == [(f"user.{alice.pk}", "session.ended", {"session": "abc123"})]


@pytest.mark.parametrize("update_fields", [["last_login"], ["first_name", "email"], []])
def test_user_changed_sends_nothing_when_the_session_cannot_have_ended(alice, sent, update_fields):
    accounts.user_changed(alice, update_fields=update_fields)

    assert sent == []


@pytest.mark.parametrize(
    "update_fields", [None, ["password"], ["is_active"], ["last_login", "password"]]
)
def test_user_changed_tells_the_persons_sockets_to_check_their_session(
    alice, sent, update_fields, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        accounts.user_changed(alice, update_fields=update_fields)

    assert sent == [(f"user.{alice.pk}", "user.changed", {})]


def test_saving_a_user_tells_their_sockets_to_check_their_session(
    alice, sent, django_capture_on_commit_callbacks
):
    alice.is_active = False

    with django_capture_on_commit_callbacks(execute=True):
        alice.save(update_fields=["is_active"])

    assert sent == [(f"user.{alice.pk}", "user.changed", {})]


def test_user_changed_waits_for_the_commit(alice, sent, django_capture_on_commit_callbacks):
    # A socket checking before the commit would read the account as it was, on its own
    # connection, and stay open.
    with django_capture_on_commit_callbacks() as waiting:
        alice.is_active = False
        alice.save(update_fields=["is_active"])
        assert sent == []

    assert len(waiting) == 1


def test_signing_in_does_not_tell_their_sockets_anything(alice, sent):
    Client().force_login(alice)

    assert sent == []


# --- profiles for accounts made without one --------------------------------------------


def test_every_new_account_has_its_profile(alice):
    assert Profile.objects.get(user=alice).username_skeleton == skeleton("alice")


def test_the_migration_gives_accounts_made_without_a_profile_theirs(alice, bob):
    # As a deployed chat left them while it made no profiles (DEBUG off lost the receiver).
    Profile.objects.filter(user=bob).delete()
    backfill = import_module("chat.migrations.0010_missing_profiles")

    backfill.forwards(django_apps, schema_editor=None)

    assert Profile.objects.get(user=bob).username_skeleton == skeleton("bob")
    assert Profile.objects.filter(user=alice).count() == 1
