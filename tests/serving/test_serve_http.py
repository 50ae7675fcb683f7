"""``manage.py serve`` answering HTTP as production runs it: request bodies over the limit
refused before Django sees them, collected static files, a wrong host in one log line,
and proxy headers trusted only when asked.

Each test starts the command in a child process (tests/support/live_server.py) and talks to it
over loopback with http.client and urllib.
"""

from __future__ import annotations

import http.client
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from chat.serving.body_limit import FORM_OVERHEAD_BYTES
from tests.support import REPO
from tests.support.environment import PRODUCTION
from tests.support.live_server import LiveServer, running
from tests.support.processes import Visitor

# --- request bodies -----------------------------------------------------------------------

#: The largest file, kept small so that a body over the limit is quick to send.
UPLOAD_MAX_BYTES = 1000


@pytest.fixture
def small_uploads(tmp_path: Path) -> Iterator[LiveServer]:
    env = {"CHAT_UPLOAD_MAX_BYTES": str(UPLOAD_MAX_BYTES)}
    with running(LiveServer(tmp_path / "chat.sqlite3", env=env)) as server:
        yield server


def post_raw(server: LiveServer, body_length: int, **headers: str) -> http.client.HTTPResponse:
    """POST ``body_length`` bytes to a room's file URL, without a session or CSRF token."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request(
        "POST", "/r/lunch/attachments", body=b"x" * body_length,
        headers={"Content-Type": "multipart/form-data; boundary=b", **headers},
    )  # fmt: skip
    return connection.getresponse()


def test_a_body_over_any_forms_size_is_refused_before_django_sees_it(
    small_uploads: LiveServer,
) -> None:
    most = UPLOAD_MAX_BYTES + FORM_OVERHEAD_BYTES

    refused = post_raw(small_uploads, most + 1)
    within = post_raw(small_uploads, most)

    assert refused.status == 413
    page = refused.read().decode()
    assert '<p class="error">Files are at most 1.0 kB; this upload is 1.0 MB.</p>' in page
    # The same request within the limit is not refused for its size: daphne (Twisted)
    # answers 400 for a multipart body that does not parse.
    assert within.status == 400
    assert "Files are at most" not in within.read().decode()


def test_htmx_gets_the_refusal_in_the_pages_alert_region(small_uploads) -> None:
    most = UPLOAD_MAX_BYTES + FORM_OVERHEAD_BYTES
    refused = post_raw(small_uploads, most + 1, **{"HX-Request": "true"})

    assert refused.status == 413
    assert refused.headers["HX-Retarget"] == "#alerts"
    assert refused.headers["HX-Reswap"] == "innerHTML"
    assert refused.read().decode().startswith('<p class="error">Files are at most 1.0 kB;')


def test_a_chunked_body_that_goes_on_is_cut_off(small_uploads) -> None:
    most = UPLOAD_MAX_BYTES + FORM_OVERHEAD_BYTES
    connection = http.client.HTTPConnection("127.0.0.1", small_uploads.port, timeout=30)
    chunks = (b"x" * 65536 for _ in range(4 * most // 65536))  # twice what is cut off

    with pytest.raises((ConnectionError, http.client.HTTPException)):
        connection.request("POST", "/r/lunch/attachments", body=chunks, encode_chunked=True)
        connection.getresponse().read()

    # The server itself goes on.
    assert Visitor(small_uploads).fetch("/healthz")[0] == 200


# --- production settings: collected, hashed, compressed static files ---------------------


@pytest.fixture
def production(tmp_path: Path) -> Iterator[LiveServer]:
    """A DEBUG-off server (over http) whose static files go to a temporary STATIC_ROOT."""
    env = {**PRODUCTION, "DJANGO_STATIC_ROOT": str(tmp_path / "static")}
    server = LiveServer(tmp_path / "chat.sqlite3", env=env)
    try:
        yield server
    finally:
        server.stop_showing_log()


def test_production_serves_collected_static_files(production: LiveServer) -> None:
    production.manage("collectstatic", "--no-input", "-v0")
    production.start()
    visitor = Visitor(production)
    source = (REPO / "static/chat/js/main.js").read_text()

    status, served = visitor.fetch("/static/chat/js/main.js")
    assert status == 200
    assert served == source

    # Pages link the hashed copy, which browsers may keep for ever, compressed.
    _, page = visitor.fetch("/accounts/login/")
    hashed = re.search(r"/static/chat/js/main\.[0-9a-f]{12}\.js", page)
    assert hashed, page
    # It imports the other modules by their hashed names too, each one there.
    _, entry = visitor.fetch(hashed[0])
    imported = re.findall(r'^import "\./([\w-]+\.[0-9a-f]{12}\.js)";', entry, re.MULTILINE)
    assert "room-sync" in " ".join(imported), entry
    assert len(imported) == len(re.findall(r"^import ", source, re.MULTILINE))
    for name in imported:
        assert visitor.fetch(f"/static/chat/js/{name}")[0] == 200
    request = urllib.request.Request(
        production.url + hashed[0], headers={"Accept-Encoding": "gzip"}
    )
    with urllib.request.urlopen(request, timeout=10) as reply:
        assert reply.status == 200
        assert "immutable" in reply.headers["Cache-Control"]
        assert reply.headers["Content-Encoding"] == "gzip"


def test_a_request_for_another_host_is_one_line_in_the_log(production: LiveServer) -> None:
    production.manage("collectstatic", "--no-input", "-v0")
    production.start()
    request = urllib.request.Request(production.url + "/", headers={"Host": "evil.example"})

    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)

    assert refused.value.code == 400
    # The access line is printed after the warning, as the answer goes out: once it is
    # there, so is everything the request made the server say.
    production.wait_for_output(r'"GET /(?: HTTP/1\.1)?" 400')
    log = production.stop_showing_log()
    said = [line for line in log.splitlines() if "evil.example" in line and "GET" not in line]
    assert said == ["Invalid HTTP_HOST header: 'evil.example'. You may need to add "
                    "'evil.example' to ALLOWED_HOSTS."]  # fmt: skip
    assert "Traceback" not in log


def test_production_refuses_to_start_before_collectstatic(production: LiveServer) -> None:
    result = production.manage(
        "serve", "--bind", f"127.0.0.1:{production.port}", check=False, timeout=60
    )

    assert result.returncode == 1
    assert "run `python manage.py collectstatic --no-input` first" in result.stderr


# --- behind a reverse proxy ---------------------------------------------------------------


def test_proxy_headers_are_trusted_only_when_asked(tmp_path: Path) -> None:
    # DEBUG off and http redirected to https, as behind a proxy that ends TLS; no
    # DJANGO_TRUST_X_FORWARDED_PROTO, so only the server's --proxy-headers can say https.
    env = {
        **PRODUCTION,
        "DJANGO_SECURE_SSL_REDIRECT": "1",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
    }
    forwarded = {
        "X-Forwarded-For": "203.0.113.7, 10.0.0.1",
        "X-Forwarded-Port": "4711",
        "X-Forwarded-Proto": "https",
    }
    status, log = {}, {}
    for trusted in (False, True):
        server = LiveServer(
            tmp_path / f"chat-{trusted}.sqlite3",
            env=env,
            serve_args=("--proxy-headers",) if trusted else (),
        )
        if not trusted:
            server.manage("collectstatic", "--no-input", "-v0")
        with running(server):
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
            connection.request("GET", "/accounts/login/", headers=forwarded)
            status[trusted] = connection.getresponse().status
        log[trusted] = [line for line in server.log_path.read_text().splitlines()
                        if "/accounts/login/" in line]  # fmt: skip

    # Untrusted: plain http, redirected to https; the peer's own address is logged.
    assert status[False] == 301
    assert "127.0.0.1:" in log[False][0] and "203.0.113.7" not in log[False][0]
    # Trusted: https as the proxy says, and the first forwarded address with its port.
    assert status[True] == 200
    assert "203.0.113.7:4711" in log[True][0]
