"""What keeps a bot's outgoing hook safe (``chat.bots.webhooks``): the URL guard against
private networks, a failure told as one warning, and the deadline on a trickling answer."""

from __future__ import annotations

import logging
import socketserver
import threading
import time
from collections.abc import Iterator

import pytest

from chat import fetching
from chat.bots import services as bots
from chat.bots import webhooks as hooks
from tests.support.bots import make_bot

pytestmark = pytest.mark.usefixtures("hooks_finish")


# --- the URL guard -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://[::1]/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
        "http://224.0.0.1/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[fe80::1]/hook",
        "http://[fd00::1]/hook",
    ],
    ids=[
        "loopback",
        "loopback-v6",
        "10",
        "link-local-metadata",
        "192.168",
        "172.16",
        "shared-100.64",
        "unspecified",
        "multicast",
        "v4-mapped-loopback",
        "link-local-v6",
        "unique-local-v6",
    ],
)
def test_the_guard_refuses_addresses_on_private_networks(url):
    with pytest.raises(hooks.Unsafe) as refused:
        hooks.vet(url)

    assert "on a private network" in str(refused.value)


def test_the_guard_refuses_a_name_that_resolves_to_loopback(monkeypatch):
    monkeypatch.setattr(fetching, "resolve", lambda host, port: ["127.0.0.1"])

    with pytest.raises(hooks.Unsafe) as refused:
        hooks.vet("https://hook.example/ping")

    assert str(refused.value) == "hook.example resolves to 127.0.0.1, on a private network"


def test_the_guard_refuses_a_name_with_any_private_address(monkeypatch):
    monkeypatch.setattr(fetching, "resolve", lambda host, port: ["93.184.215.14", "10.0.0.7"])

    with pytest.raises(hooks.Unsafe) as refused:
        hooks.vet("https://hook.example/ping")

    assert str(refused.value) == "hook.example resolves to 10.0.0.7, on a private network"


@pytest.mark.parametrize(
    "url", ["ftp://example.org/x", "file:///etc/passwd", "gopher://example.org/"], ids=str
)
def test_the_guard_refuses_other_schemes(url):
    with pytest.raises(hooks.Unsafe) as refused:
        hooks.vet(url)

    assert str(refused.value) == "only http and https URLs are called"


def test_the_guard_lets_a_public_address_through_resolved_once(monkeypatch):
    looked_up = []
    monkeypatch.setattr(
        fetching, "resolve", lambda host, port: looked_up.append((host, port)) or ["93.184.215.14"]
    )

    target = hooks.vet("https://hook.example/ping?room=lunch")

    assert target == hooks.Target("https", "hook.example", 443, "/ping?room=lunch", "93.184.215.14")
    assert looked_up == [("hook.example", 443)]


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000/hook", "http://[::1]:8000/hook", "http://10.1.2.3:8000/hook"]
)
def test_the_setting_lets_private_addresses_through(url, settings):
    settings.CHAT_BOTS_ALLOW_PRIVATE_URLS = True

    assert hooks.vet(url).port == 8000


def test_the_setting_does_not_let_other_schemes_through(settings):
    settings.CHAT_BOTS_ALLOW_PRIVATE_URLS = True

    with pytest.raises(hooks.Unsafe):
        hooks.vet("file:///etc/passwd")


# --- a hook that fails or trickles ---------------------------------------------------------


@pytest.mark.django_db
def test_a_failed_hook_is_one_warning_without_a_traceback(alice, lunch, caplog, monkeypatch):
    bot, _token = make_bot(lunch, alice)
    monkeypatch.setattr(fetching, "resolve", lambda host, port: ["127.0.0.1"])
    call = bots.HookCall(bot.pk, "helper", "http://hook.example/x?secret=1", {}, "key", None)

    with caplog.at_level(logging.WARNING):
        bots._call_hook(call)

    [record] = [r for r in caplog.records if r.name == "chat.bots.services"]
    assert record.getMessage() == (
        "bot helper: its hook at hook.example failed: "
        "hook.example resolves to 127.0.0.1, on a private network"
    )
    assert record.exc_info is None


@pytest.fixture
def trickling_server() -> Iterator[str]:
    """A local server that reads the request, then sends the start of an answer one byte
    every 50 ms for 3 s (each byte well within any socket timeout), and hangs up. Its URL."""
    stop = threading.Event()

    class Trickle(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            received = b""
            while b"\r\n\r\n" not in received:
                received += self.request.recv(4096)
            answer = (b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 60)[:60]
            for byte in answer:
                if stop.wait(0.05):  # the pace of the trickle, and the end of the test
                    return
                self.request.sendall(bytes([byte]))

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Trickle)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    stop.set()
    server.shutdown()
    server.server_close()


def test_the_deadline_holds_while_the_status_line_and_headers_trickle_in(
    trickling_server, settings, monkeypatch
):
    settings.CHAT_BOTS_ALLOW_PRIVATE_URLS = True
    monkeypatch.setattr(hooks, "TIMEOUT_SECONDS", 0.5)
    started = time.monotonic()

    with pytest.raises(hooks.HookFailed) as failed:
        hooks.call(trickling_server, {"message": {}}, key="key")

    assert str(failed.value) == "no complete answer within 0.5 s"
    assert time.monotonic() - started < 1.5
