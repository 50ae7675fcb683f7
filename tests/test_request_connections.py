"""An HTTP request served over ASGI closes its database connection as it ends (chat.apps).

Django runs each ASGI request's sync code in a thread of its own, so that connection
can never be reused; left to CONN_MAX_AGE it stayed open until the garbage collector
found it, and a burst of page loads held one PostgreSQL connection each.
"""

from __future__ import annotations

import pytest
from asgiref.testing import ApplicationCommunicator
from django.core.asgi import get_asgi_application
from django.db import connections
from django.db.backends.signals import connection_created


def _get(path: str) -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "headers": [(b"host", b"localhost")],
        "client": ("127.0.0.1", 50000),
        "server": ("localhost", 80),
    }


async def _serve(path: str) -> int:
    served = ApplicationCommunicator(get_asgi_application(), _get(path))
    await served.send_input({"type": "http.request", "body": b"", "more_body": False})
    start = await served.receive_output(timeout=10)
    while (await served.receive_output(timeout=10)).get("more_body"):
        pass
    await served.wait(timeout=10)
    return start["status"]


@pytest.mark.django_db(transaction=True)
async def test_an_asgi_request_closes_the_database_connection_it_opened(monkeypatch) -> None:
    # As deployed: persistent connections on (each thread's connection reads this).
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 60)
    opened = []

    def note(sender, connection, **kwargs) -> None:
        opened.append(connection)

    connection_created.connect(note)
    try:
        status = await _serve("/healthz")  # reads the database
    finally:
        connection_created.disconnect(note)
    assert status == 200
    assert opened, "the request opened no connection of its own"
    assert all(connection.connection is None for connection in opened)
