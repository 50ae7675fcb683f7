"""Configuration from environment variables, checked in fresh processes."""

from __future__ import annotations

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


def run_settings(**env: str) -> subprocess.CompletedProcess:
    ours = ("DJANGO_", "DATABASE_", "REDIS_")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    return subprocess.run(
        [sys.executable, "-c", PROBE],
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
