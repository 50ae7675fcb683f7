"""An HTTP request served over ASGI closes its database connection as it ends (chat.apps).

Django runs each ASGI request's sync code in a thread of its own, so that connection
can never be reused; left to CONN_MAX_AGE it stayed open until the garbage collector
found it, and a burst of page loads held one PostgreSQL connection each.
"""

from __future__ import annotations

import asyncio

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


# --- at most CHAT_REQUESTS_AT_ONCE requests of a process at once ---------------------------


async def test_requests_past_the_limit_wait_their_turn_and_are_all_served(settings) -> None:
    from chat.middleware import RequestsAtOnce

    settings.CHAT_REQUESTS_AT_ONCE = 2
    running, most, started = 0, 0, []
    release = asyncio.Event()

    async def inner(scope, receive, send) -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        started.append(scope["path"])
        await release.wait()
        running -= 1

    gated = RequestsAtOnce(inner)
    calls = [
        asyncio.create_task(gated({"type": "http", "path": f"/{n}"}, None, None))
        for n in range(5)
    ]
    for _ in range(50):
        await asyncio.sleep(0)  # every task runs as far as it can: nothing else to await
    assert started == ["/0", "/1"]  # the rest wait
    release.set()
    await asyncio.wait_for(asyncio.gather(*calls), 5)
    assert most == 2
    assert started == [f"/{n}" for n in range(5)]  # in order of arrival


async def test_sockets_are_not_counted_as_requests(settings) -> None:
    from chat.middleware import RequestsAtOnce

    settings.CHAT_REQUESTS_AT_ONCE = 1
    held = asyncio.Event()

    async def inner(scope, receive, send) -> None:
        if scope["type"] == "http":
            await held.wait()

    gated = RequestsAtOnce(inner)
    request = asyncio.create_task(gated({"type": "http", "path": "/"}, None, None))
    await asyncio.sleep(0)
    # A socket (open for hours) goes straight through while the one request slot is taken.
    await asyncio.wait_for(gated({"type": "websocket", "path": "/ws/r/x/"}, None, None), 5)
    held.set()
    await asyncio.wait_for(request, 5)


def test_the_site_serves_http_through_the_limit() -> None:
    import importlib

    from chat.middleware import RequestsAtOnce

    application = importlib.import_module("site.asgi").application
    assert isinstance(application.application_mapping["http"], RequestsAtOnce)
