"""A bot's outgoing hook as the tests see it: an HTTP server on 127.0.0.1 that records each
call and answers as a test tells it. The ``hook_server`` fixture serves one. And a bot's
event feed endpoint, down until a test brings it up (``feed_endpoint``)."""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.support import hook_pool

#: Seconds a test waits for a hook call, or a hook for its release.
WAIT = 5


@dataclass
class Call:
    """One request the hook server received."""

    path: str
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class HookServer:
    """An HTTP server on 127.0.0.1 that records each POST and answers as a test tells it.

    ``answer(handler)`` writes the response; ``arrived`` is set when a request is in, and
    a handler may wait on ``release`` before answering.
    """

    url: str = ""
    calls: list[Call] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    answer: Callable[[BaseHTTPRequestHandler], None] = lambda handler: None


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes = b"", **headers: str) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def answer_json(body: dict, *, wait: bool = False) -> Callable:
    def answer(handler) -> None:
        if wait:
            handler.server.hook.release.wait(WAIT)
        send(handler, 200, json.dumps(body).encode(), Content_Type="application/json")

    return answer


@contextmanager
def running(handler: type[BaseHTTPRequestHandler], **state: object) -> Iterator[str]:
    """A threading HTTP server of ``handler`` on a free loopback port, on a thread of its
    own until the block ends, with ``state`` as attributes its handlers reach
    (``handler.server.<name>``); its base URL (``http://127.0.0.1:<port>``)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    for name, value in state.items():
        setattr(server, name, value)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def serve() -> Iterator[HookServer]:
    """A hook server running on a thread of its own until the block ends; the hook calls
    still out are let go and waited for before it stops."""
    hook = HookServer()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            hook.calls.append(Call(self.path, dict(self.headers), body))
            hook.arrived.set()
            hook.answer(self)

        def log_message(self, *args) -> None:  # quiet
            pass

    with running(Handler, hook=hook) as base:
        hook.url = f"{base}/hook"
        yield hook
        hook.release.set()  # whatever still waits answers now
        hook_pool.wait_idle(10)


@dataclass
class FeedEndpoint:
    """A bot's event feed endpoint as the tests see it: 503 to every POST until ``up`` is
    set, then 204, each event it takes put on ``delivered`` (in arrival order) for a test
    to wait on; ``refused`` counts the POSTs answered 503, and ``tried`` is set at the
    first."""

    url: str = ""
    up: threading.Event = field(default_factory=threading.Event)
    tried: threading.Event = field(default_factory=threading.Event)
    delivered: queue.Queue[Call] = field(default_factory=queue.Queue)
    refused: int = 0

    def next_event(self, timeout: float) -> Call:
        """The next event taken (waited for up to ``timeout`` seconds)."""
        try:
            return self.delivered.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"no event delivered within {timeout} s") from None


@contextmanager
def feed_endpoint() -> Iterator[FeedEndpoint]:
    """A ``FeedEndpoint``, down, on a thread of its own until the block ends."""
    endpoint = FeedEndpoint()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if not endpoint.up.is_set():
                endpoint.refused += 1
                endpoint.tried.set()
                send(self, 503)
                return
            endpoint.delivered.put(Call(self.path, dict(self.headers), body))
            send(self, 204)

        def log_message(self, *args) -> None:  # quiet
            pass

    with running(Handler) as base:
        endpoint.url = f"{base}/events"
        yield endpoint
