"""Settings as a fresh process reads them from a given environment."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support import REPO

PROBE = (
    "import manage, django; django.setup(); "
    "from django.conf import settings; from channels.layers import get_channel_layer; "
    "print(settings.DATABASES['default']['ENGINE'], type(get_channel_layer()).__name__, "
    "settings.DEBUG)"
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
