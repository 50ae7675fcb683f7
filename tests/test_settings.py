"""Configuration from environment variables, checked in fresh processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

PROBE = (
    "import manage, django; django.setup(); "
    "from django.conf import settings; from channels.layers import get_channel_layer; "
    "print(settings.DATABASES['default']['ENGINE'], type(get_channel_layer()).__name__, "
    "settings.DEBUG)"
)


EMAIL_PROBE = (
    "import json, manage, django; django.setup(); from django.conf import settings; "
    "print(json.dumps({name: getattr(settings, name) for name in ("
    "'EMAIL_BACKEND', 'EMAIL_HOST', 'EMAIL_PORT', 'EMAIL_HOST_USER', 'EMAIL_HOST_PASSWORD', "
    "'EMAIL_USE_TLS', 'EMAIL_USE_SSL', 'EMAIL_TIMEOUT', 'DEFAULT_FROM_EMAIL', 'CHAT_SIGNUP')}))"
)


def run_settings(probe: str = PROBE, **env: str) -> subprocess.CompletedProcess:
    ours = ("DJANGO_", "DATABASE_", "REDIS_", "EMAIL_", "DEFAULT_FROM_EMAIL", "CHAT_SIGNUP")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    return subprocess.run(
        [sys.executable, "-c", probe],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
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
