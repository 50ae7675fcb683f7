"""The system Chromium, launched the one way this project's browser tests use it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def launched_chromium(*extra_args: str) -> Iterator[Browser]:
    """Debian's Chromium under Playwright, never a downloaded browser; ``extra_args`` go on
    its command line after the usual ones.

    Missing Chromium fails the test under CI=true and skips it, loudly, elsewhere.
    """
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: the browser tests cannot run without Chromium"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true, so this is an error, not a skip)")
        pytest.skip(f"!!! SKIPPED BROWSER TESTS: {reason}. Install chromium to run them. !!!")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *extra_args]
        )
        try:
            yield browser
        finally:
            browser.close()
