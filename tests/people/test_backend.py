"""The sign-in backend (``chat.people.backend``): the person read by a lookup compiled once,
a session signed in with Django's own backend still signed in, and a failed sign-in
checking its password once."""

from __future__ import annotations

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, get_user_model
from django.test import Client

from chat.people import accounts, backend
from tests.support.accounts import PASSWORD
from tests.support.queries import nothing_compiled

pytestmark = pytest.mark.django_db

DJANGOS = "django.contrib.auth.backends.ModelBackend"


def log_in(client: Client, username: str, password: str):
    return client.post("/accounts/login/", {"username": username, "password": password})


def test_a_sign_in_names_this_backend_and_its_person_is_read_compiled(client, alice):
    assert log_in(client, "alice", PASSWORD).status_code == 302
    key = client.session.session_key
    assert client.session[BACKEND_SESSION_KEY] == backend.PATH
    accounts.signed_in(key)  # the first read compiles the lookup
    with nothing_compiled():
        _session, user = accounts.signed_in(key)  # as a socket's connect reads it
    assert user.pk == alice.pk and user.is_authenticated


def test_a_session_signed_in_with_djangos_backend_stays_signed_in(alice):
    client = Client()
    client.force_login(alice, backend=DJANGOS)
    assert client.session[BACKEND_SESSION_KEY] == DJANGOS
    _session, user = accounts.signed_in(client.session.session_key)
    assert user.pk == alice.pk
    assert client.get("/").wsgi_request.user.pk == alice.pk


def test_a_deactivated_person_is_not_read(client, alice):
    client.force_login(alice)
    get_user_model().objects.filter(pk=alice.pk).update(is_active=False)
    _session, user = accounts.signed_in(client.session.session_key)
    assert not user.is_authenticated
    assert backend.Accounts().get_user("not a number") is None


def test_a_failed_sign_in_checks_its_password_once(client, alice, monkeypatch):
    """Were a later backend to check it again, every guess would cost the server twice."""
    hashed: list[str] = []
    user_model = get_user_model()
    for name in ("check_password", "set_password"):
        real = getattr(user_model, name)

        def counting(self, raw, _real=real, _name=name):
            hashed.append(_name)
            return _real(self, raw)

        monkeypatch.setattr(user_model, name, counting)

    assert log_in(client, "alice", "wrong password").status_code == 200
    assert hashed == ["check_password"]
    hashed.clear()
    assert log_in(client, "nobody-here", "wrong password").status_code == 200
    assert hashed == ["set_password"]  # Django's hash for an unknown name, for the timing
    hashed.clear()
    assert log_in(client, "alice", PASSWORD).status_code == 302
    assert hashed == ["check_password"]
