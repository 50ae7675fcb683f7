"""One rule for tests that need a real service: fail under CI=true, skip loudly elsewhere."""

from __future__ import annotations

import os

import pytest

from tests.support.net import listening, redis_answers

#: The Redis database the tests may flush (``TEST_REDIS_URL``).
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
#: An admin connection to PostgreSQL; tests create and drop databases of their own there.
POSTGRES_URL = os.environ.get("POSTGRES_TEST_URL", "postgres://postgres@127.0.0.1:5432/test")


def require(missing: str | None) -> None:
    """Fail (CI) or skip (elsewhere) the test when ``missing`` names what is not there."""
    if missing is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{missing}; CI requires it.", pytrace=False)
    pytest.skip(f"SKIPPED LOUDLY: {missing}; start or install it to run these tests.")


def require_redis(url: str = REDIS_URL) -> str:
    """``url`` if a Redis server answers there; else fail or skip."""
    require(None if redis_answers(url) else f"Redis is not reachable at {url}")
    return url


def require_postgres() -> str:
    """The PostgreSQL admin URL if PostgreSQL listens on its port; else fail or skip."""
    require(None if listening(5432) else "PostgreSQL is not reachable on 127.0.0.1:5432")
    return POSTGRES_URL
