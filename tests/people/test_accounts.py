"""Accounts (``chat.people.accounts``): signing up, the key sign-in failures count under, and
the profile every account has."""

from __future__ import annotations

from importlib import import_module
from types import SimpleNamespace

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import get_user_model
from django.test import RequestFactory

from chat import ratelimit
from chat.errors import Forbidden, Invalid, TooFast
from chat.models import Profile
from chat.people import accounts
from chat.usernames import skeleton
from tests.support.accounts import PASSWORD
from tests.support.signups import ADDRESS, signup_data

pytestmark = pytest.mark.django_db


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
    assert accounts.is_signup_open() is True
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
