"""What the database is asked, as the tests check it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.db.models.sql.query import Query


@contextmanager
def nothing_compiled() -> Iterator[None]:
    """Fail on any query Django would build and compile now (``chat.compiled`` runs its
    lookups without)."""
    with mock.patch.object(Query, "get_compiler", side_effect=AssertionError("SQL compiled")):
        yield
