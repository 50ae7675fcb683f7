"""Password resets (``chat.people.accounts``): a link mailed to the account with the address,
nothing told about an address that has none, limits per address and per client, and the mail
sent after the answer, its failures logged and never told."""

from __future__ import annotations

import threading

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.test import Client

from chat import mail as chat_mail
from chat import ratelimit
from chat.errors import Invalid, TooFast
from chat.people import accounts
from tests.support.signups import ADDRESS

pytestmark = pytest.mark.django_db


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
