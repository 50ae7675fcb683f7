"""Shared fixtures: people, signed-in clients, and sockets through the real ASGI application."""

from __future__ import annotations

import contextlib
import functools
import gc
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from asgiref.sync import SyncToAsync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.core.cache import cache
from django.db import connections
from django.test import Client

from chat.models import Room
from chat.rooms import services as rooms
from tests.support import hook_pool
from tests.support.accounts import PASSWORD
from tests.support.fake_socket import RoomPage, opening_rooms
from tests.support.hook_server import HookServer, serve
from tests.support.page_server import PageServer
from tests.support.page_server import serve as serve_pages
from tests.support.push_service import PushService, push_service
from tests.support.required import require_redis
from tests.support.sockets import (
    HOST,
    ORIGIN,
    EncodingCommunicator,
    SocketFactory,
    asgi_application,
    session_cookie,
)

# The browser tests' fixtures (Chromium, a live server, people in their own contexts).
pytest_plugins = ["tests.support.browsing"]

#: Fixtures through which a test uses the test process's own database.
DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark ``database`` the tests that use this process's database, so ``make test`` runs
    only those again on PostgreSQL: the rest could not tell the two databases apart. Tests
    marked ``postgresql`` are left out of a run on any other database (deselected, not
    skipped: the PostgreSQL run of ``make test`` is where they count)."""
    on_postgresql = "postgresql" in settings.DATABASES["default"]["ENGINE"]
    kept, left_out = [], []
    for item in items:
        if DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())) or item.get_closest_marker(
            "django_db"
        ):
            item.add_marker(pytest.mark.database)
        (left_out if item.get_closest_marker("postgresql") and not on_postgresql else kept).append(
            item
        )
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = kept


@pytest.fixture(autouse=True)
def members_lists_only_when_asked(request, monkeypatch) -> None:
    """A process sends members lists once a second (``chat.broadcast.presence``): most tests are not
    about them and must not have one arrive between the frames they expect. Tests that
    are ask for ``live_members_lists``."""
    if "live_members_lists" not in request.fixturenames:
        monkeypatch.setattr("chat.broadcast.presence.FLUSH_SECONDS", 3600)


@pytest.fixture
def live_members_lists() -> None:
    """Members lists sent as in production, once a second."""


@pytest.fixture(autouse=True)
def link_previews_only_when_asked(request, monkeypatch) -> None:
    """Previews are on by default (``CHAT_LINK_PREVIEWS``): a test posting a link would have
    the chat fetch it in the background, past the test's end. Tests of previews ask for
    ``page_server``."""
    if "page_server" not in request.fixturenames:
        monkeypatch.setattr(settings, "CHAT_LINK_PREVIEWS", False)


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """Limits and presence live in the cache, which outlives a test: start and end empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def database_thread_let_go() -> Iterator[None]:
    """After each test, the thread that runs async code's database work closes what it
    holds.

    Channels' ``database_sync_to_async`` closes its connection after each use here
    (``CONN_MAX_AGE=0``, below), but Django's async ORM (``acount``, ``aget``: asgiref's
    plain ``sync_to_async``) runs on the same thread and closes nothing. A connection a
    test left there made the next test's ``database_sync_to_async`` check it, in a test
    without the database: pytest-django refused, and a test of read positions that never
    touches the database failed, depending on which test had run before it.
    """
    yield
    # Still busy with a test's work after 10 s: that test's own teardown is where it shows.
    with contextlib.suppress(TimeoutError):
        SyncToAsync.single_thread_executor.submit(connections.close_all).result(timeout=10)


@pytest.fixture
def no_collector() -> Iterator[None]:
    """Python's cycle collector off for the test (after one full pass): whatever the test
    lets go of and is still alive is held by a reference cycle."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


@pytest.fixture
def media_root(settings, tmp_path):
    """Files people share (``chat.messages.attachments``) go to a folder of the test's own."""
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
def carol(db, make_user):
    """A third person, for group conversations."""
    return make_user("carol")


@pytest.fixture
def admin(db, make_user):
    """A staff member (not a superuser)."""
    user = make_user("admin")
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def root(db, make_user):
    """A superuser: who uses Django's admin at ``/admin/``, and outranks staff."""
    user = make_user("root")
    user.is_staff = user.is_superuser = True
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


@pytest.fixture
def hooks_finish(monkeypatch) -> Iterator[None]:
    """No hook call outlives its test (it would reach the next test's database). The bots'
    tests use it throughout (their ``pytestmark``)."""
    hook_pool.track(monkeypatch)
    yield
    assert hook_pool.wait_idle(10), "a hook call was still running"


@pytest.fixture
def hook_server(settings) -> Iterator[HookServer]:
    """A local hook server (``tests.support.hook_server``), and private addresses allowed so
    the chat may call it."""
    settings.CHAT_BOTS_ALLOW_PRIVATE_URLS = True
    with serve() as hook:
        yield hook


@pytest.fixture
def page_server(settings, monkeypatch) -> Iterator[PageServer]:
    """A local web server (``tests.support.page_server``), link previews on and private
    addresses allowed so the chat may fetch from it (and 127.0.0.1 not one of the chat's
    own names, whose links it never fetches); no fetch outlives the test."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    settings.CHAT_LINK_PREVIEWS = True
    settings.CHAT_FETCH_ALLOW_PRIVATE_URLS = True
    hook_pool.track(monkeypatch)
    with serve_pages() as pages:
        yield pages
        pages.stop.set()
        pages.release.set()
        assert hook_pool.wait_idle(10), "a fetch was still running"


@pytest.fixture
def open_room(browser) -> Iterator[Callable[[int], RoomPage]]:
    """Open the room page against a fake socket (``tests.support.fake_socket``), complete up
    to a given revision, on a paused clock; its socket is connecting (``RoomPage.open`` lets it
    in)."""
    with opening_rooms(browser) as make:
        yield make


@pytest.fixture
def by_invitation(settings) -> None:
    """Sign-up by invitation only (``CHAT_SIGNUP``), as the invitations' tests run."""
    settings.CHAT_SIGNUP = "invite"


@pytest.fixture
def push_endpoint(settings) -> Iterator[PushService]:
    """A push service of the test's own on loopback (it decrypts what it is sent), with
    Web Push on and private addresses allowed so the chat may call it."""
    settings.CHAT_PUSH = True
    settings.CHAT_PUSH_ALLOW_PRIVATE_URLS = True
    with push_service() as service:
        yield service
