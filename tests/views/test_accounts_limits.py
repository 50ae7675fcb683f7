"""The sign-in limits (``chat.views.accounts``): django-axes per username, the chat's limiter
per client address, and the admin's login behind the same form."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models import F
from django.test import Client

from tests.support.accounts import PASSWORD

pytestmark = pytest.mark.django_db


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
