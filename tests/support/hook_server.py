"""A bot's outgoing hook as the tests see it: an HTTP server on 127.0.0.1 that records each
call and answers as a test tells it. The ``hook_server`` fixture serves one."""

from __future__ import annotations

import json
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
