"""The chat deployed as the README says, seen from outside.

``manage.py serve --workers 2`` with production settings (DEBUG off, the suite's own
environment: ``tests.support.environment``), on Redis and a PostgreSQL database of its own. One
server serves the whole module; each test signs up people of its own. Sockets are placed
on a chosen worker by reading /proc, so "on the other worker" is what is shown, not luck.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
import urllib.error
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import redis

from tests.support.accounts import PASSWORD, create_public_room, csrf_token
from tests.support.live_server import LiveServer, running
from tests.support.postgres import connections_to, fresh_database
from tests.support.processes import (
    Visitor,
    close_code,
    needs_proc,
    one_socket_on_each_worker,
    receive_containing,
    socket_on_worker,
    wait_for_exit,
)
from tests.support.required import require_redis

pytestmark = [pytest.mark.redis, needs_proc]

#: A socket whose session ended: signed out, or signed out by a new password
#: (chat/sockets/consumers.py).
SIGNED_OUT = 4401
PASSWORD_CHANGED = 4402


class Deployment:
    """The running server, its workers' pids and its database's URL."""

    def __init__(self, server: LiveServer, workers: list[int], database_url: str) -> None:
        self.server = server
        self.workers = workers
        self.database_url = database_url

    def person(self, username: str) -> Visitor:
        """A new account, signed up through the form (so its profile is the server's doing)."""
        visitor = Visitor(self.server)
        visitor.sign_up(username)
        return visitor

    def signed_in(self, username: str, password: str = PASSWORD) -> Visitor:
        """Another session of an existing account, through the login form."""
        visitor = Visitor(self.server)
        landed = visitor.post_form(
            "/accounts/login/", {"username": username, "password": password}
        )
        assert landed == f"{self.server.url}/", f"{username} could not sign in"
        visitor.username = username
        return visitor


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """``serve --workers 2`` on Redis and PostgreSQL with production settings."""
    redis_url = require_redis()
    redis.Redis.from_url(redis_url).flushdb()
    tmp_path: Path = tmp_path_factory.mktemp("production")
    with fresh_database("chat_prod") as database_url:
        server = LiveServer(
            tmp_path / "unused.sqlite3",
            env={"REDIS_URL": redis_url, "DATABASE_URL": database_url},
            serve_args=("--workers", "2"),
        )
        with running(server):
            workers = [
                int(server.wait_for_output(rf"worker {n} started \(pid (\d+)\)")[1])
                for n in (1, 2)
            ]
            yield Deployment(server, workers, database_url)
        for pid in workers:
            wait_for_exit(pid, 10)
        assert "Traceback" not in server.log_path.read_text()


# --- accounts ------------------------------------------------------------------------------


def test_a_new_sign_up_has_a_profile_and_look_alike_names_are_refused(deployment) -> None:
    alma = deployment.person("alma")
    status, page = alma.fetch("/accounts/profile/")
    assert status == 200 and 'name="display_name"' in page

    status, page = deployment.person("bea").fetch("/u/alma/")
    assert status == 200 and "@alma" in page

    # A Cyrillic a, and a digit one for the l: both read as "alma".
    for look_alike in ("\u0430lma", "a1ma"):
        with pytest.raises(urllib.error.HTTPError) as refused:
            Visitor(deployment.server).sign_up(look_alike)
        assert refused.value.code == 400
        assert "looks too much like" in refused.value.read().decode()


def test_a_member_makes_a_bot(deployment) -> None:
    maker = deployment.person("maker")
    slug = create_public_room(maker, "Workshop")

    page = maker.post_page(f"/r/{slug}/bots", {"name": "helper"}, from_page=f"/r/{slug}/settings")

    assert "/bots/" in page and "curl" in page  # its token, shown once
    status, profile = maker.fetch("/u/helper/")
    assert status == 200 and "bot" in profile


# --- sockets end with the session, on every worker ---------------------------------------------


@contextlib.contextmanager
def sockets_on_both_workers(deployment: Deployment, visitor: Visitor) -> Iterator[list]:
    """One socket of ``visitor``'s session held by each worker, for the block."""
    with contextlib.ExitStack() as opened:
        by_worker = one_socket_on_each_worker(
            visitor, deployment.server, deployment.workers, opened
        )
        yield list(by_worker.values())


def test_deactivation_closes_the_sockets_on_every_worker(deployment) -> None:
    deployment.server.manage(
        "shell", "-c", "from django.contrib.auth.models import User; "
        f"User.objects.create_user('boss', password='{PASSWORD}', is_staff=True)",
    )  # fmt: skip
    boss = deployment.signed_in("boss")
    carl = deployment.person("carl")
    carl_id = re.search(r'data-viewer="(\d+)"', carl.get("/"))[1]
    with sockets_on_both_workers(deployment, carl) as sockets:
        boss.post_form(f"/staff/people/{carl_id}/deactivate/", {})

        assert [close_code(socket, timeout=10) for socket in sockets] == [SIGNED_OUT] * 2


def test_a_password_change_closes_the_other_sessions_sockets_on_every_worker(deployment):
    dora = deployment.person("dora")
    laptop = deployment.signed_in("dora")
    with sockets_on_both_workers(deployment, laptop) as sockets:
        new = "A-new-and-longer-pass-77"
        dora.post_form(
            "/accounts/password/",
            {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
        )

        assert [close_code(socket, timeout=10) for socket in sockets] == [PASSWORD_CHANGED] * 2


def test_logging_out_closes_that_sessions_sockets_on_every_worker(deployment) -> None:
    erin = deployment.person("erin")
    with sockets_on_both_workers(deployment, erin) as sockets:
        erin.post_form("/accounts/logout/", {}, token=csrf_token(erin.get("/")))

        assert [close_code(socket, timeout=10) for socket in sockets] == [SIGNED_OUT] * 2


# --- typing and presence cross workers ---------------------------------------------------


def test_typing_and_presence_reach_a_socket_on_the_other_worker(deployment) -> None:
    fay, gus = deployment.person("fay"), deployment.person("gus")
    slug = create_public_room(fay, "Porch")
    gus.join_room(slug)
    gus_id = re.search(r'data-viewer="(\d+)"', gus.get("/"))[1]
    first, second = deployment.workers
    server = deployment.server
    with contextlib.ExitStack() as opened:
        fays = socket_on_worker(fay, f"/ws/r/{slug}/", first, server, deployment.workers, opened)
        gus_socket = socket_on_worker(
            gus, f"/ws/r/{slug}/", second, server, deployment.workers, opened
        )

        receive_containing(fays, f'data-user-id="{gus_id}" class="member online"')
        gus_socket.send(json.dumps({"type": "typing"}))
        assert "gus is typing" in receive_containing(fays, 'id="typing"')


# --- database connections ----------------------------------------------------------------


def test_page_loads_hold_no_database_connections(deployment) -> None:
    hal = deployment.person("hal")

    def load_pages(count: int) -> None:
        with ThreadPoolExecutor(max_workers=8) as pool:
            statuses = list(pool.map(lambda _: hal.fetch("/")[0], range(count)))
        assert statuses == [200] * count

    load_pages(10)
    after_ten = connections_to(deployment.database_url)
    load_pages(490)

    # A request's connection closes as its answer ends, a moment after the client has it:
    # the count is read until it is back at its level after ten, within a deadline.
    deadline = time.monotonic() + 10
    while (held := connections_to(deployment.database_url)) > after_ten:
        assert time.monotonic() < deadline, f"{held} connections held, {after_ten} after ten"
        time.sleep(0.1)
    # Shown with -s (and in the report of a failure): the numbers the README quotes.
    print(f"PostgreSQL connections held: {after_ten} after 10 page loads, {held} after 500")
