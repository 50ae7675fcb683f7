"""One rule for tests that need a real service: fail under CI=true, skip loudly elsewhere."""

from __future__ import annotations

import os

import pytest


def require(missing: str | None) -> None:
    """Fail (CI) or skip (elsewhere) the test when ``missing`` names what is not there."""
    if missing is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{missing}; CI requires it.", pytrace=False)
    pytest.skip(f"SKIPPED LOUDLY: {missing}; start or install it to run these tests.")
