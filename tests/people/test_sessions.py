"""Sessions that end (``chat.people.accounts``): why one ended (a new password, or anything
else), and every socket of the session or the person told to check theirs, after the commit."""

from __future__ import annotations

from importlib import import_module

import pytest
from django.conf import settings
from django.test import Client

from chat.broadcast import events, fanout
from chat.people import accounts
from tests.support.events import record_events

pytestmark = pytest.mark.django_db


def session_of(user) -> str:
    client = Client()
    client.force_login(user)
    return client.session.session_key


@pytest.fixture
def sent(monkeypatch) -> list[dict]:
    """Every event the accounts send."""
    return record_events(monkeypatch)


def to_sockets_of(user, kind: str, **fields: object) -> dict:
    """The event ``kind`` for every socket of ``user``."""
    return fanout.event(fanout.user_group(user.pk), kind, **fields)


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


def socket_session(key: str):
    """A session as a socket reads it at its handshake (``chat.sockets.auth``)."""
    store, _user = accounts.signed_in(key)
    return store


def test_a_new_password_is_told_apart_after_its_tab_gave_the_session_a_new_key(alice):
    # Another tab of the same browser changed the password: Django gives that tab's
    # session a new key and deletes this one, maybe before this socket asks.
    key = session_of(alice)
    handshake = socket_session(key)
    alice.set_password("a whole new passphrase")
    alice.save()
    moved = import_module(settings.SESSION_ENGINE).SessionStore(key)
    moved.cycle_key()

    assert accounts.why_socket_session_ended(handshake, alice.pk) == accounts.PASSWORD_CHANGED


def test_a_session_logged_out_is_plain_signed_out_for_its_sockets(alice):
    key = session_of(alice)
    handshake = socket_session(key)
    import_module(settings.SESSION_ENGINE).SessionStore(key).delete()

    assert accounts.why_socket_session_ended(handshake, alice.pk) == accounts.SIGNED_OUT
    assert accounts.why_socket_session_ended(None, alice.pk) == accounts.SIGNED_OUT


def test_why_a_session_ended_is_plain_for_everything_else(alice, bob):
    kept = session_of(alice)
    alice.is_active = False
    alice.save()

    assert accounts.why_session_ended(kept, alice.pk) == accounts.SIGNED_OUT  # deactivated
    assert accounts.why_session_ended(session_of(bob), alice.pk) == accounts.SIGNED_OUT
    assert accounts.why_session_ended(None, alice.pk) == accounts.SIGNED_OUT
    assert accounts.why_session_ended("", alice.pk) == accounts.SIGNED_OUT
    assert accounts.why_session_ended("no-such-session-key-at-all", bob.pk) == accounts.SIGNED_OUT
    assert accounts.signed_out_because("<script>") == ""
    assert accounts.signed_out_because(None) == ""


def test_sessions_changed_tells_every_socket_of_the_person(alice, sent):
    accounts.sessions_changed(alice.pk)

    assert sent == [to_sockets_of(alice, events.USER_CHANGED)]


def test_session_ended_names_the_session_that_logged_out(alice, sent):
    accounts.session_ended(alice.pk, "abc123")

    assert sent == [to_sockets_of(alice, events.SESSION_ENDED, session="abc123")]


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

    assert sent == [to_sockets_of(alice, events.USER_CHANGED)]


def test_saving_a_user_tells_their_sockets_to_check_their_session(
    alice, sent, django_capture_on_commit_callbacks
):
    alice.is_active = False

    with django_capture_on_commit_callbacks(execute=True):
        alice.save(update_fields=["is_active"])

    assert sent == [to_sockets_of(alice, events.USER_CHANGED)]


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
