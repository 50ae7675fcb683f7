"""Shared fixtures: people, signed-in clients, and sockets through the real ASGI application."""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.test import Client

from bench.accounts import PASSWORD
from chat import messages, rooms
from chat.models import Message, Room
from tests.required import require_redis

# The browser tests' fixtures (Chromium, a live server, people in their own contexts).
pytest_plugins = ["tests.browsing"]

HOST = b"localhost"
ORIGIN = b"http://localhost"


#: Fixtures through which a test uses the test process's own database.
DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``database`` the tests that use this process's database, so ``make test`` runs
    only those again on PostgreSQL: the rest could not tell the two databases apart."""
    for item in items:
        if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())) or item.get_closest_marker(
            "django_db"
        ):
            item.add_marker(pytest.mark.database)


@pytest.fixture(autouse=True)
def members_lists_only_when_asked(request, monkeypatch) -> None:
    """A process sends members lists once a second (``chat.presence``): most tests are not
    about them and must not have one arrive between the frames they expect. Tests that
    are ask for ``live_members_lists``."""
    if "live_members_lists" not in request.fixturenames:
        monkeypatch.setattr("chat.presence.FLUSH_SECONDS", 3600)


@pytest.fixture
def live_members_lists() -> None:
    """Members lists sent as in production, once a second."""


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """Limits and presence live in the cache, which outlives a test: start and end empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def media_root(settings, tmp_path):
    """Files people share (``chat.attachments``) go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix) -> None:
    """Close database connections after each use in this process (CONN_MAX_AGE=0).

    Production keeps them open (site/settings.py), but a connection kept by the thread
    that runs database work for consumers would outlive the tests and stop pytest-django
    from dropping the PostgreSQL test database. Servers the tests start keep the default.
    """
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0


@pytest.fixture
def redis_url() -> str:
    """The real Redis the tests may flush (TEST_REDIS_URL); the test fails or skips without."""
    return require_redis()


@functools.cache
def password_hash() -> str:
    """``PASSWORD`` hashed once per test process, by the hasher production uses. Hashing
    it again for every person a test makes (PBKDF2, a million rounds: about half a second)
    was a large part of the suite's time; the same hash signs in just the same."""
    return make_password(PASSWORD)


@pytest.fixture
def make_user(django_db_blocker) -> Callable:
    """Create a user with a known password (``PASSWORD``)."""

    def make(username: str):
        with django_db_blocker.unblock():
            user = get_user_model()(username=username, password=password_hash())
            user.save()
            return user

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
def admin(db, make_user):
    """A staff member (not a superuser)."""
    user = make_user("admin")
    user.is_staff = True
    user.save()
    return user


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
    return rooms.create_room(alice, {"title": "Lunch", "kind": Room.Kind.PUBLIC})


@pytest.fixture
def secret(alice) -> Room:
    """A private room with alice as its only member."""
    return rooms.create_room(alice, {"title": "Secret plans", "kind": Room.Kind.PRIVATE})


def say(room: Room, author, *bodies: str) -> list[Message]:
    """Post ``bodies`` as ``author`` through the service, as a form would, past the
    posting limit (tests that build a history post more than a person may in 10 s)."""
    posted = []
    for body in bodies:
        posted.append(messages.post_message(room, author, {"body": body}).message)
        cache.clear()
    return posted


asay = database_sync_to_async(say)


def post_many(room: Room, author, count: int) -> list[Message]:
    """``count`` messages ("message 0", "message 1", …) by ``author`` in ``room``."""
    return say(room, author, *[f"message {n}" for n in range(count)])


#: What htmx adds to its requests (django-htmx reads it as ``request.htmx``).
HTMX = {"HTTP_HX_REQUEST": "true"}


def article_ids(html: str) -> list[int]:
    """The message ids of the articles in ``html``, in order."""
    return [int(n) for n in re.findall(r'<article id="message-(\d+)"', html)]


def asgi_application():
    """The application ``site/asgi.py`` serves: origin check, auth, routing, consumers."""
    return importlib.import_module("site.asgi").application


def session_cookie(user, client: Client | None = None) -> bytes:
    """A ``Cookie`` header value signing ``user`` in, as a browser would send it: a new
    session, or ``client``'s own (already signed in)."""
    if client is None:
        client = Client()
        client.force_login(user)
    name = settings.SESSION_COOKIE_NAME
    return f"{name}={client.cookies[name].value}".encode()


class EncodingCommunicator(WebsocketCommunicator):
    """A test socket that, like a real server, must encode every frame it is sent.

    The test communicator hands text over as Python strings; daphne encodes it as UTF-8
    and dies on a lone surrogate. Every frame received here is encoded the same way.
    """

    async def receive_output(self, timeout: float = 1):
        output = await super().receive_output(timeout)
        if output.get("type") == "websocket.send" and output.get("text") is not None:
            output["text"].encode("utf-8")
        return output


SocketFactory = Callable[..., Awaitable[WebsocketCommunicator]]


async def refused_with(socket: WebsocketCommunicator, code: int) -> None:
    """Assert the server accepted ``socket`` only to close it at once with ``code``."""
    assert socket.accepted, "the socket was refused at the handshake"
    assert await socket.receive_output(3) == {"type": "websocket.close", "code": code}


@pytest.fixture
async def open_socket() -> AsyncIterator[SocketFactory]:
    """Open sockets through the full ASGI stack; every one is disconnected at the end."""
    opened: list[WebsocketCommunicator] = []

    async def connect(
        path: str,
        user=None,
        *,
        origin: bytes = ORIGIN,
        host: bytes = HOST,
        client: Client | None = None,
    ) -> WebsocketCommunicator:
        headers = [(b"host", host)] + ([(b"origin", origin)] if origin else [])
        if user is not None:
            cookie = await database_sync_to_async(session_cookie)(user, client)
            headers.append((b"cookie", cookie))
        communicator = EncodingCommunicator(asgi_application(), path, headers=headers)
        connected, _code = await communicator.connect()
        if connected:
            opened.append(communicator)
        communicator.accepted = connected
        return communicator

    yield connect
    for communicator in opened:
        # A test that timed out waiting has had its application cancelled already:
        # disconnecting would raise at teardown and leave the database unflushed.
        if not communicator.future.done():
            await communicator.disconnect()
