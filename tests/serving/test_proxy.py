"""nginx, with the configuration the deploying docs ship (``docs/examples/nginx.conf``), in
front of two boxes sharing one Redis and one PostgreSQL database (``tests.support.boxes``).

Everything a client does here it does over https to nginx, with the settings a deploy
behind it runs: DEBUG off, the https redirect and secure cookies on, ``serve
--proxy-headers`` and ``DJANGO_TRUST_X_FORWARDED_PROTO=1``. Which box holds a socket is
read from the box's own access log, not assumed; clients that must be told apart connect
from other loopback addresses (127.0.0.2, 127.0.0.3), which only X-Forwarded-For can
bring to a box: nginx itself connects to the boxes from 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import re
import signal
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Browser as Chromium
from playwright.sync_api import expect

from tests.support.accounts import PASSWORD, create_public_room, csrf_token, unverified_tls
from tests.support.boxes import Deploy, two_boxes_behind_nginx
from tests.support.browsing import (
    RECONNECT_TIMEOUT_MS,
    Person,
    join_room,
    sign_up,
    watch_console,
)
from tests.support.browsing import (
    create_public_room as create_room_in_browser,
)
from tests.support.chat_client import RoomSocket
from tests.support.chromium import launched_chromium
from tests.support.live_server import LiveServer
from tests.support.processes import established_to, needs_proc
from tests.support.required import REDIS_URL

pytestmark = [pytest.mark.redis, needs_proc]

#: The messages a page shows, each an article with its message's id.
ARTICLES = "#messages article[id^=message-]"


@pytest.fixture(scope="module")
def deploy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deploy]:
    """Two boxes behind nginx for the module, each ``serve --workers 2`` as a deploy runs
    it, but without the task consumer (``--no-tasks``, as the browser tests' servers):
    nothing here waits on a task, and the consumer is tested in tests/serving/test_tasks.py."""
    tmp_path: Path = tmp_path_factory.mktemp("proxy")
    with two_boxes_behind_nginx(tmp_path, REDIS_URL, ("--workers", "2", "--no-tasks")) as deploy:
        yield deploy
        for box in deploy.boxes:
            assert "Traceback" not in box.log_path.read_text()


def wsconnect(box: LiveServer, path: str) -> str:
    """Wait for ``box`` to log a socket accepted on ``path``; the client address it logged."""
    return box.wait_for_output(rf'^([\d.]+):\d+ .*"WSCONNECT {re.escape(path)}"')[1]


# --- production settings through the proxy ------------------------------------------------


def test_production_settings_hold_through_nginx(deploy: Deploy) -> None:
    box = deploy.boxes[0]
    # Reached directly over plain http (no X-Forwarded-Proto), a box sends people to https.
    request = urllib.request.Request(f"{box.url}/accounts/login/", method="GET")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirects())
    with pytest.raises(urllib.error.HTTPError) as redirected:
        opener.open(request, timeout=10)
    assert redirected.value.code == 301
    assert redirected.value.headers["Location"].startswith("https://")

    # Through nginx the same box answers: https is what the client spoke.
    with urllib.request.urlopen(
        f"{deploy.url}/accounts/signup/", context=unverified_tls(), timeout=10
    ) as reply:
        assert reply.status == 200
        assert reply.headers["Strict-Transport-Security"].startswith("max-age=")
        cookies = reply.headers.get_all("Set-Cookie")
        assert any(c.startswith("csrftoken=") and "; Secure" in c for c in cookies), cookies

    # DEBUG off: the production 404 page, not Django's technical one.
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{deploy.url}/no-such-page/", context=unverified_tls(), timeout=10)
    assert missing.value.code == 404
    assert "URLconf" not in missing.value.read().decode()

    # The forms (CSRF token, Referer and Origin against the Host nginx passes on) work.
    maud = deploy.browser()
    assert maud.sign_up("maud") == f"{deploy.url}/"
    assert any(cookie.secure for cookie in maud.jar if cookie.name == "sessionid")
    again = deploy.browser()
    landed = again.post_form("/accounts/login/", {"username": "maud", "password": PASSWORD})
    assert landed == f"{deploy.url}/"
    assert "maud" in again.get("/")


def test_a_file_just_under_the_limit_passes_through_nginx(deploy: Deploy) -> None:
    """nginx's ``client_max_body_size`` leaves room for the largest file the chat takes,
    and the form around it (its default of 1 MiB would answer a bare 413)."""
    uploader = deploy.browser()
    uploader.sign_up("uma")
    slug = create_public_room(uploader, "Files")
    token = csrf_token(uploader.get(f"/r/{slug}/"))
    data = b"\0" * (settings.CHAT_UPLOAD_MAX_BYTES - 1024)
    body, content_type = multipart({"csrfmiddlewaretoken": token}, "file", "big.bin", data)
    request = urllib.request.Request(
        f"{deploy.url}/r/{slug}/attachments",
        data=body,
        headers={"Content-Type": content_type, "Referer": f"{deploy.url}/r/{slug}/"},
    )
    with uploader.opener.open(request, timeout=60) as reply:
        assert reply.status == 200  # the room, after the redirect to its new message

    assert "big.bin" in uploader.get(f"/r/{slug}/")


def multipart(fields: dict[str, str], name: str, filename: str, data: bytes) -> tuple:
    """A multipart/form-data body with ``fields`` and one file; the body and its type."""
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
        f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is the answer looked at, not followed."""

    def redirect_request(self, *args, **kwargs):
        return None


# --- a message crossing boxes ----------------------------------------------------------------


async def test_a_message_crosses_from_one_box_to_the_other(deploy: Deploy) -> None:
    alice, bob = deploy.browser(), deploy.browser()
    await asyncio.to_thread(alice.sign_up, "alice")
    await asyncio.to_thread(bob.sign_up, "bob")
    slug = await asyncio.to_thread(create_public_room, alice, "Across")
    await asyncio.to_thread(bob.get, f"/r/{slug}/")
    path = f"/ws/r/{slug}/"

    # One after the other, with no other socket open: least_conn sends the second to the
    # box that does not hold the first. Each box's log names the client it accepted (from
    # X-Forwarded-For: nginx itself connects from 127.0.0.1).
    sending = RoomSocket(alice, path, source="127.0.0.2")
    receiving = RoomSocket(bob, path, source="127.0.0.3")
    await sending.open()
    await receiving.open()
    clients = await asyncio.gather(
        *(asyncio.to_thread(wsconnect, box, path) for box in deploy.boxes)
    )
    assert sorted(clients) == ["127.0.0.2", "127.0.0.3"], "one socket on each box"
    try:
        received_before = receiving.page.copies_received

        await sending.send_message("over the other box")
        await sending.send_message("and once more")
        await receiving.wait_for(lambda page: len(page.page.messages) == 2, timeout=20)

        assert sorted(receiving.page.messages.values()) == ["and once more", "over the other box"]
        assert receiving.page.copies_received - received_before == 2, "each exactly once"
    finally:
        await asyncio.gather(sending.close(), receiving.close())


# --- a rolling restart, one box at a time ------------------------------------------------------


def say(person: Person, text: str, said: list[str]) -> None:
    """Type ``text`` and press Enter; wait until the server answered it (a fresh composer),
    however long the page takes to reconnect."""
    person.composer.press_sequentially(text)
    person.composer.press("Enter")
    expect(person.composer).to_have_value("", timeout=RECONNECT_TIMEOUT_MS)
    said.append(text)


def back_in_rotation(deploy: Deploy, box: LiveServer) -> None:
    """Wait until nginx passes requests to ``box`` again. It passes over a box for a few
    seconds after the box refused it (fail_timeout); stopping the other box before then
    would leave nginx with none."""
    deadline = time.monotonic() + 15
    # Polled: nginx says nothing when it tries a box again. A request it passes to ``box``
    # leaves a kept-alive connection to the box's port.
    while True:
        with urllib.request.urlopen(f"{deploy.url}/healthz", context=unverified_tls(), timeout=10):
            pass
        if established_to(box.port):
            return
        assert time.monotonic() < deadline, "nginx did not take the box back"
        time.sleep(0.1)


def restart(deploy: Deploy, box: LiveServer, talk) -> None:
    """SIGTERM ``box`` (its sockets close with 1012), ``talk`` while it stops and while it
    is down, start it again and wait until nginx uses it."""
    box.process.send_signal(signal.SIGTERM)
    talk("while it stops")
    assert box.process.wait(timeout=30) == 0
    box.stop()  # collects its log; the process has exited
    talk("while it is down")
    box.start()
    back_in_rotation(deploy, box)


@pytest.fixture
def chromium() -> Iterator[Chromium]:
    """Chromium taking the self-signed certificate for a real one: the pages register their
    service worker, whose script Chromium would otherwise refuse to fetch (a console error),
    whatever a context's ``ignore_https_errors`` says. For the one test only: Playwright's
    loop would keep the module's asyncio tests from running theirs."""
    with launched_chromium("--ignore-certificate-errors") as browser:
        yield browser


@pytest.mark.browser
def test_a_rolling_restart_loses_and_repeats_nothing(deploy: Deploy, chromium: Chromium) -> None:
    contexts = []
    people: list[Person] = []
    for name in ("carol", "dave"):
        context = chromium.new_context(
            base_url=deploy.url, ignore_https_errors=True, viewport={"width": 1100, "height": 800}
        )
        contexts.append(context)
        person = Person(name, context, context.new_page())
        watch_console(person)
        people.append(person)
    carol, dave = people
    try:
        sign_up(carol, deploy)
        sign_up(dave, deploy)
        create_room_in_browser(carol, deploy, "Rolling", "rolling")
        join_room(dave, "rolling")
        for person in people:
            expect(person.badge).to_have_attribute("data-state", "live")
        said: list[str] = []
        say(carol, "before the restart", said)

        def talk(when: str) -> None:
            for person in people:
                say(person, f"{person.name} {when} ({len(said)})", said)

        for box in deploy.boxes:
            restart(deploy, box, talk)
        talk("after the restart")

        for person in people:
            shown = person.page.locator(ARTICLES)
            expect(shown).to_have_count(len(said), timeout=RECONNECT_TIMEOUT_MS)
            ids = shown.evaluate_all("items => items.map(item => item.id)")
            assert len(set(ids)) == len(said), f"{person.name} shows a message twice: {ids}"
            texts = shown.locator(".body").all_inner_texts()
            assert sorted(texts) == sorted(said), person.name
            assert person.page_errors == [], f"{person.name}: {person.page_errors}"
            assert person.console == [], f"{person.name}'s console: {person.console}"
    finally:
        for context in contexts:
            context.close()
