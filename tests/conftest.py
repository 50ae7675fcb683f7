"""Shared fixtures: people, signed-in clients, and sockets through the real ASGI application."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from chat import services
from chat.models import Room

PASSWORD = "Correct-Horse-42-battery"
ORIGIN = b"http://localhost"


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """Close database connections after each use in this process (CONN_MAX_AGE=0).

    Production keeps them open (site/settings.py), but a connection kept by the thread
    that runs database work for consumers would outlive the tests and stop pytest-django
    from dropping the PostgreSQL test database. Servers the tests start keep the default.
    """
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture
def make_user(django_db_blocker) -> Callable:
    """Create a user with a known password."""

    def make(username: str):
        with django_db_blocker.unblock():
            return get_user_model().objects.create_user(username=username, password=PASSWORD)

    return make


@pytest.fixture
def alice(db, make_user):
    return make_user("alice")


@pytest.fixture
def bob(db, make_user):
    return make_user("bob")


@pytest.fixture
def mallory(db, make_user):
    return make_user("mallory")


@pytest.fixture
def login() -> Callable[..., Client]:
    """A test client signed in as the given user."""

    def signed_in(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return signed_in


@pytest.fixture
def lunch(alice) -> Room:
    """A public room made by alice."""
    return services.create_room(alice, "Lunch", Room.Kind.PUBLIC)


@pytest.fixture
def secret(alice) -> Room:
    """A private room with alice as its only member."""
    return services.create_room(alice, "Secret plans", Room.Kind.PRIVATE)


def asgi_application():
    """The application ``site/asgi.py`` serves: origin check, auth, routing, consumers."""
    return importlib.import_module("site.asgi").application


def session_cookie(user) -> bytes:
    """A ``Cookie`` header value signing ``user`` in, as a browser would send it."""
    client = Client()
    client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


SocketFactory = Callable[..., Awaitable[WebsocketCommunicator]]


@pytest.fixture
async def open_socket() -> AsyncIterator[SocketFactory]:
    """Open sockets through the full ASGI stack; every one is disconnected at the end."""
    opened: list[WebsocketCommunicator] = []

    async def connect(
        path: str, user=None, *, origin: bytes = ORIGIN, expect_accept: bool = True
    ) -> WebsocketCommunicator:
        headers = [(b"origin", origin)] if origin else []
        if user is not None:
            headers.append((b"cookie", await database_sync_to_async(session_cookie)(user)))
        communicator = WebsocketCommunicator(asgi_application(), path, headers=headers)
        connected, _code = await communicator.connect()
        assert connected is expect_accept, f"{path}: connected={connected}"
        if connected:
            opened.append(communicator)
        return communicator

    yield connect
    for communicator in opened:
        await communicator.disconnect()
