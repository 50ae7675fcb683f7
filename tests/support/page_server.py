"""Web pages as the tests serve them to the chat's fetches (link previews): an HTTP server on
127.0.0.1 answering each path as a test tells it, and recording what was asked. The
``page_server`` fixture serves one, with previews on and private addresses allowed."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler

from chat import fetching
from tests.support.hook_server import WAIT, running, send

Answer = Callable[[BaseHTTPRequestHandler], None]

#: A public address (no special-use range: the address rule passes it), never reached.
PUBLIC = "93.184.215.14"


@dataclass
class PageServer:
    """Answers ``GET <path>`` with ``routes[path]`` (404 for any other path), records each
    path asked for in ``asked`` and sets ``arrived``; ``stop`` ends whatever still trickles
    or waits (set when the server stops), ``release`` lets a held answer go."""

    base: str = ""
    routes: dict[str, Answer] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)

    @property
    def port(self) -> int:
        return int(self.base.rsplit(":", 1)[1])

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


def body(data: bytes, content_type: str = "text/html; charset=utf-8", status: int = 200) -> Answer:
    """An answer of ``data`` as ``content_type``."""
    return lambda handler: send(handler, status, data, Content_Type=content_type)


def redirect(location: str, status: int = 302) -> Answer:
    return lambda handler: send(handler, status, b"", Location=location)


def held(answer: Answer) -> Answer:
    """``answer``, once the test sets ``release``."""

    def hold(handler) -> None:
        handler.server.pages.release.wait(WAIT)
        answer(handler)

    return hold


def late(seconds: float, answer: Answer) -> Answer:
    """``answer`` after ``seconds`` (cut short when the server stops)."""

    def wait(handler) -> None:
        if not handler.server.pages.stop.wait(seconds):
            answer(handler)

    return wait


def trickle(handler) -> None:
    """An HTML page's headers, then a byte every 50 ms until the server stops: each byte well
    within any socket timeout, the whole never done."""
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()
    handler.wfile.flush()
    while not handler.server.pages.stop.wait(0.05):
        handler.wfile.write(b" ")
        handler.wfile.flush()


def og_page(
    title: str = "Lunch menu",
    description: str = "Soup and bread",
    site: str = "The Harbour",
    image: str | None = "/photo.jpg",
    *,
    head_padding: int = 0,
    body_padding: int = 0,
) -> bytes:
    """An HTML page that says what it is in OpenGraph tags (escaped as HTML), after
    ``head_padding`` bytes of comment in its head, with ``body_padding`` bytes of body."""
    tags = [
        f'<meta property="og:title" content="{escape(title)}">',
        f'<meta property="og:description" content="{escape(description)}">',
        f'<meta property="og:site_name" content="{escape(site)}">',
    ]
    if image is not None:
        tags.append(f'<meta property="og:image" content="{escape(image)}">')
    padding = f"<!-- {'x' * head_padding} -->" if head_padding else ""
    return (
        f"<!doctype html><html><head><meta charset=utf-8>{padding}<title>Fallback</title>"
        f"{''.join(tags)}</head><body><p>{'y' * body_padding}</p></body></html>"
    ).encode()


@contextmanager
def serve() -> Iterator[PageServer]:
    """A page server on a thread of its own until the block ends."""
    pages = PageServer()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def do_GET(self) -> None:
            pages.asked.append(self.path)
            pages.arrived.set()
            answer = pages.routes.get(self.path)
            if answer is None:
                send(self, 404, b"no such page", Content_Type="text/plain")
            else:
                # The chat may hang up first: a cap or a deadline.
                with suppress(BrokenPipeError, ConnectionResetError):
                    answer(self)

        def log_message(self, *args) -> None:  # quiet
            pass

    with running(Handler, pages=pages) as base:
        pages.base = base
        try:
            yield pages
        finally:
            pages.stop.set()
            pages.release.set()


def route_public_to(monkeypatch, port: int, names: dict[str, str]) -> None:
    """Resolve ``names`` as given (others as 127.0.0.1), and connect to ``PUBLIC`` at the
    local server on ``port``: what the rule judged is the public address."""
    monkeypatch.setattr(fetching, "resolve", lambda host, _port: [names.get(host, "127.0.0.1")])

    def connect(self, _address, timeout, source_address=None):
        assert self._vetted == PUBLIC, "only the vetted address is ever connected to"
        return socket.create_connection(("127.0.0.1", port), timeout, source_address)

    for kind in (fetching._VettedHTTPConnection, fetching._VettedHTTPSConnection):
        monkeypatch.setattr(kind, "_connect_vetted", connect)
