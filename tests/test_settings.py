"""Configuration from environment variables (``site.env``), checked in fresh processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from site import env

import pytest
from django.core.exceptions import ImproperlyConfigured

from tests.support import REPO
from tests.support.settings_probe import run_settings

EMAIL_PROBE = (
    "import json, manage, django; django.setup(); from django.conf import settings; "
    "print(json.dumps({name: getattr(settings, name) for name in ("
    "'EMAIL_BACKEND', 'EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_HOST_USER', 'EMAIL_HOST_PASSWORD', "
    "'EMAIL_USE_TLS', 'EMAIL_USE_SSL', 'EMAIL_TIMEOUT', 'DEFAULT_FROM_EMAIL', 'CHAT_SIGNUP')}))"
)


def test_defaults_are_sqlite_and_in_memory_layer():
    result = run_settings()

    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "KeepGroupsInMemoryChannelLayer",
        "True",
    ]


def test_redis_url_switches_the_channel_layer():
    result = run_settings(REDIS_URL="redis://127.0.0.1:6379/7")

    assert result.stdout.split()[1] == "ResilientRedisChannelLayer"


def test_database_url_switches_to_postgresql():
    result = run_settings(DATABASE_URL="postgres://postgres@127.0.0.1:5432/test")

    assert result.stdout.split()[0] == "django.db.backends.postgresql"


def test_debug_off_without_secret_key_refuses_to_start():
    result = run_settings(DJANGO_DEBUG="0")

    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off." in result.stderr


def test_a_missing_secret_key_is_said_in_one_line_by_manage_py():
    ours = ("DJANGO_", "DATABASE_", "REDIS_")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(ours)}

    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO,
        env={**clean, "DJANGO_DEBUG": "0"},
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert result.stderr == (
        "Cannot start the chat: DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.\n"
    )


def test_debug_off_with_secret_key_starts():
    result = run_settings(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="x" * 50)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[2] == "False"


def email_settings(**env: str) -> dict:
    result = run_settings(EMAIL_PROBE, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_email_goes_to_the_console_by_default():
    found = email_settings()

    assert found["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert found["CHAT_SIGNUP"] == "open"


def test_email_url_with_starttls():
    found = email_settings(
        EMAIL_URL="smtp+tls://chat%40example.com:p%40ss@smtp.example.com:587",
        DEFAULT_FROM_EMAIL="Chat <chat@example.com>",
    )

    assert found == {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "smtp.example.com",
        "EMAIL_PORT": 587,
        "EMAIL_HOST_USER": "chat@example.com",
        "EMAIL_HOST_PASSWORD": "p@ss",
        "EMAIL_USE_TLS": True,
        "EMAIL_USE_SSL": False,
        "EMAIL_TIMEOUT": 10,
        "DEFAULT_FROM_EMAIL": "Chat <chat@example.com>",
        "CHAT_SIGNUP": "open",
    }


def test_email_url_in_dj_email_urls_own_spelling():
    found = email_settings(
        EMAIL_URL="submission://u:p@mail.example.com?timeout=5&_default_from_email=a@example.com"
    )

    assert (found["EMAIL_PORT"], found["EMAIL_USE_TLS"], found["EMAIL_TIMEOUT"]) == (587, True, 5)
    assert found["DEFAULT_FROM_EMAIL"] == "a@example.com"


def test_email_url_with_implicit_tls():
    found = email_settings(EMAIL_URL="smtp+ssl://u:p@mail.example.com:465")

    assert (found["EMAIL_PORT"], found["EMAIL_USE_SSL"], found["EMAIL_USE_TLS"]) == (
        465,
        True,
        False,
    )


def test_email_url_with_an_unknown_scheme_refuses_to_start():
    result = run_settings(EMAIL_PROBE, EMAIL_URL="pigeon://loft")

    assert result.returncode != 0
    assert "EMAIL_URL: unknown scheme 'pigeon'" in result.stderr


def test_email_host_variables():
    found = email_settings(
        EMAIL_HOST="mail.example.com",
        EMAIL_PORT="2525",
        EMAIL_HOST_USER="u",
        EMAIL_HOST_PASSWORD="p",
        EMAIL_USE_TLS="1",
    )

    assert found["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (found["EMAIL_HOST"], found["EMAIL_PORT"]) == ("mail.example.com", 2525)
    assert (found["EMAIL_HOST_USER"], found["EMAIL_HOST_PASSWORD"]) == ("u", "p")
    assert found["EMAIL_USE_TLS"] is True


def test_chat_signup_is_read_and_checked():
    assert email_settings(CHAT_SIGNUP="Invite")["CHAT_SIGNUP"] == "invite"

    result = run_settings(EMAIL_PROBE, CHAT_SIGNUP="sometimes")

    assert result.returncode != 0
    assert "CHAT_SIGNUP must be open, invite or closed." in result.stderr


# --- the readers, one by one ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "found"),
    [("1", True), (" Yes ", True), ("ON", True), ("true", True), ("0", False), ("no", False)],
)
def test_a_flag_is_on_in_four_spellings_and_off_otherwise(monkeypatch, value, found):
    monkeypatch.setenv("CHAT_TEST_FLAG", value)

    assert env.flag("CHAT_TEST_FLAG", not found) is found


def test_a_flag_unset_or_empty_is_its_default(monkeypatch):
    monkeypatch.delenv("CHAT_TEST_FLAG", raising=False)
    assert env.flag("CHAT_TEST_FLAG", True) is True

    monkeypatch.setenv("CHAT_TEST_FLAG", "")
    assert env.flag("CHAT_TEST_FLAG", True) is True


def test_a_list_drops_empty_items_and_set_to_nothing_is_empty(monkeypatch):
    monkeypatch.setenv("CHAT_TEST_LIST", " a.example, ,b.example,")
    assert env.strings("CHAT_TEST_LIST", ["x"]) == ["a.example", "b.example"]

    monkeypatch.setenv("CHAT_TEST_LIST", "")
    assert env.strings("CHAT_TEST_LIST", ["x"]) == []

    monkeypatch.delenv("CHAT_TEST_LIST")
    assert env.strings("CHAT_TEST_LIST", ["x"]) == ["x"]


def test_a_path_unset_or_empty_is_its_default(monkeypatch, tmp_path):
    monkeypatch.setenv("CHAT_TEST_PATH", "")
    assert env.path("CHAT_TEST_PATH", tmp_path) == tmp_path

    monkeypatch.setenv("CHAT_TEST_PATH", "/srv/media")
    assert env.path("CHAT_TEST_PATH", tmp_path) == Path("/srv/media")


def test_a_required_value_missing_is_refused_unless_a_default_may_stand_in(monkeypatch):
    monkeypatch.setenv("CHAT_TEST_KEY", "")

    assert env.required("CHAT_TEST_KEY", "Set it.", unless=True, default="dev") == "dev"
    with pytest.raises(ImproperlyConfigured, match=r"^Set it\.$"):
        env.required("CHAT_TEST_KEY", "Set it.", unless=False, default="dev")


def test_sqlite_options_are_only_for_sqlite(monkeypatch):
    sqlite = {"OPTIONS": {"timeout": 20}}
    monkeypatch.setenv("CHAT_TEST_DATABASE", "postgres://u@127.0.0.1:5432/chat")

    found = env.database("CHAT_TEST_DATABASE", "sqlite:///x", conn_max_age=5, sqlite=sqlite)

    assert (found["ENGINE"], found["CONN_MAX_AGE"]) == ("django.db.backends.postgresql", 5)
    assert "timeout" not in found.get("OPTIONS", {})
    monkeypatch.delenv("CHAT_TEST_DATABASE")
    found = env.database("CHAT_TEST_DATABASE", "sqlite:///x", conn_max_age=5, sqlite=sqlite)
    assert found["OPTIONS"] == {"timeout": 20}


def test_an_email_url_leaves_unsaid_settings_at_djangos_defaults(monkeypatch):
    monkeypatch.setenv("CHAT_TEST_EMAIL_URL", "console://")

    assert env.email_url("CHAT_TEST_EMAIL_URL") == env.Mail(timeout=10)
    assert env.Mail().backend == "django.core.mail.backends.console.EmailBackend"
    assert (env.Mail().host, env.Mail().port, env.Mail().timeout) == ("localhost", 25, None)
