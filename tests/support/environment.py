"""The suite runs with the settings that ship: DEBUG off from the start of the process.

pytest loads this plugin first (``-p tests.support.environment`` in pyproject.toml), before Django
is set up, so ``site/settings.py`` is read exactly as in production: hashed static files
from a manifest, no development defaults, and receivers that must survive without
DEBUG's caches. The only departures are those of a deploy reached over plain http on
loopback (no redirect to https, cookies without ``Secure``), as the README's "Deploying"
section describes. Servers the tests start inherit this environment. Behaviour that exists
only in development is tested by tests that switch DEBUG on themselves.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

#: What a production deploy on plain http sets; the test process and its servers share it.
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "tests-only-" + "s3cr3t-" * 8,
    "DJANGO_SECURE_SSL_REDIRECT": "0",
    "DJANGO_SECURE_COOKIES": "0",
}


def _collect_static() -> None:
    """``collectstatic`` once per run, into a folder of the run's own (production serves
    only collected, hashed files). Processes pytest starts inherit the folder."""
    collected = os.environ.get("CHAT_TESTS_STATIC_COLLECTED")
    if collected and collected == os.environ.get("DJANGO_STATIC_ROOT"):
        return  # a worker process of this run (pytest-xdist): its parent collected them
    root = tempfile.mkdtemp(prefix="chat-tests-static-")
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    os.environ["DJANGO_STATIC_ROOT"] = root
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=REPO,
        env=os.environ,
        check=True,
    )
    os.environ["CHAT_TESTS_STATIC_COLLECTED"] = root


def _redis_databases_of_this_process() -> None:
    """Tests flush the Redis databases they use, so each test process takes two of its
    own: TEST_REDIS_URL names the first process's first one (database 7 unless set), and
    with pytest-xdist the next process (``gw1``) takes the two after them, and so on."""
    base = os.environ.setdefault(
        "CHAT_TESTS_REDIS_BASE", os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
    )
    server, _, database = base.rpartition("/")
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    first = int(database or 0) + 2 * worker
    os.environ["TEST_REDIS_URL"] = f"{server}/{first}"
    os.environ["TEST_REDIS_URL_MULTIPROCESS"] = f"{server}/{first + 1}"


os.environ.update(PRODUCTION)
# The test process runs each background task at once, where it is asked for (huey's
# immediate mode); servers the tests start run the real queue and its consumer
# (``tests.support.live_server``).
os.environ["CHAT_TASKS_IMMEDIATE"] = "1"
_collect_static()
_redis_databases_of_this_process()
