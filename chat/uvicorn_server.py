"""One uvicorn process serving the chat on a listening socket it was handed; stops gracefully.

``manage.py serve --server uvicorn`` runs :func:`serve_on_fd` where the default runs
daphne's (``chat.server``): in its own process, or in each worker it supervises. The two
behave alike where the chat and its tests can tell:

- **The socket.** The inherited descriptor is served as it is (``uvicorn.Server`` with
  ``sockets=[...]``); on the event loop of uvloop, with httptools parsing HTTP and the
  ``websockets`` library's sans-I/O protocol framing WebSockets (91 µs of CPU per delivery
  with wsproto, 83 µs with it, 118 µs under daphne: the README's Performance section).
- **Stopping.** On SIGTERM or SIGINT uvicorn stops accepting on this process's copy of the
  socket and closes every WebSocket with 1012 ("service restart"), then waits for the
  consumers and requests still running, at most ``grace`` seconds. Here a second signal
  stops at once (uvicorn's own only takes a second Ctrl-C), the process exits 0 rather
  than re-raising the signal, and a worker whose parent has gone stops the same way.
- **WebSockets** take messages up to 1 MiB (daphne's limit; larger ones are closed with
  1009), are pinged every 20 s and dropped after 30 s without an answer, have no time
  limit and no compression, as under daphne. A message sent to a socket that has closed
  is dropped (:class:`DropSendsAfterClose`), as daphne does, instead of raising into the
  consumer or the process's fan-out.
- **Request bodies** over the limit are refused early: ``chat.body_limit``, and
  :class:`LimitedHttpToolsProtocol` for the cut past twice the limit.
- **--proxy-headers** trusts ``X-Forwarded-For``/``-Port``/``-Proto`` from any peer, with
  daphne's own parser (:class:`ForwardedHeaders`): the first address, the port header,
  the scheme for HTTP. uvicorn's middleware differs (it trusts 127.0.0.1 only by default,
  takes the port from the address and ignores ``X-Forwarded-Port``), so it is off.
- **Logs**: one access line per request on stdout, everything else on stderr in daphne's
  format.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
from site import logs

import uvicorn
from daphne.utils import parse_x_forwarded_for
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
from uvicorn.protocols.utils import ClientDisconnected

from chat.body_limit import RefuseLargeBodies, cut_off_bytes

logger = logging.getLogger(__name__)

#: "Service Restart", what uvicorn closes every WebSocket with when it stops.
SERVICE_RESTART = 1012
#: daphne's limits on a WebSocket message and its pings (``daphne.server.Server``).
WEBSOCKET_MAX_BYTES = 1024 * 1024
PING_INTERVAL_SECONDS = 20.0
PING_TIMEOUT_SECONDS = 30.0
#: The WebSocket implementation uvicorn runs (see the module's docstring).
WEBSOCKETS = "websockets-sansio"
#: uvicorn's main loop ticks every 0.1 s; the parent is looked for every this many ticks.
PARENT_CHECK_TICKS = 10
#: daphne's log format, so both servers' output reads alike.
LOG_FORMAT = logs.LOG_FORMAT


class ForwardedHeaders:
    """ASGI middleware: the client address (and, for HTTP, the scheme) from a proxy's
    headers, exactly as daphne's ``--proxy-headers`` takes them."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        """Serve ``scope`` with its client (and scheme) as the proxy says."""
        if scope["type"] in ("http", "websocket"):
            headers: dict[bytes, list[bytes]] = {}
            for name, value in scope["headers"]:
                headers.setdefault(name, []).append(value)
            client = list(scope["client"]) if scope.get("client") else None
            address, scheme = parse_x_forwarded_for(
                headers, original_addr=client, original_scheme=scope.get("scheme")
            )
            # In place, as uvicorn's own middleware does: its access log reads this scope.
            scope["client"] = tuple(address) if address else None
            if scope["type"] == "http" and scheme:
                scope["scheme"] = scheme
        await self.app(scope, receive, send)


class DropSendsAfterClose:
    """ASGI middleware: what is sent to a WebSocket that has closed is dropped.

    uvicorn raises instead (``ClientDisconnected``, or ``RuntimeError`` once the close is
    done); a room message fanned out to every local socket (``chat.fanout``) meets such
    sockets whenever someone closes a tab, and must not fail there.
    """

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        """Serve ``scope``, dropping sends to its socket once it is closed."""
        if scope["type"] != "websocket":
            await self.app(scope, receive, send)
            return
        closed = False

        async def watching_receive():
            nonlocal closed
            message = await receive()
            if message["type"] == "websocket.disconnect":
                closed = True
            return message

        async def dropping_send(message) -> None:
            nonlocal closed
            if closed and message["type"] in ("websocket.send", "websocket.close"):
                return
            try:
                await send(message)
            except ClientDisconnected:
                closed = True
                return
            if message["type"] == "websocket.close":
                closed = True

        await self.app(scope, watching_receive, dropping_send)


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's HTTP protocol (httptools), cutting the connection of a request whose body
    goes on past ``chat.body_limit.cut_off_bytes``: the one thing about the body limit that
    its ASGI middleware cannot do."""

    received = 0
    cut = False

    def on_message_begin(self) -> None:
        self.received = 0
        super().on_message_begin()

    def on_body(self, body: bytes) -> None:
        if self.cut:
            return
        self.received += len(body)
        if self.received > cut_off_bytes():
            self.cut = True
            self.transport.abort()
            return
        super().on_body(body)


class GracefulServer(uvicorn.Server):
    """uvicorn's server, stopping as the module's docstring says."""

    def __init__(self, config: uvicorn.Config, parent_pid: int | None = None) -> None:
        super().__init__(config)
        self.parent_pid = parent_pid
        self.stop_signal: int | None = None

    def handle_exit(self, sig: int, frame) -> None:
        # Not uvicorn's: it remembers the signal and raises it again once stopped, which
        # would end the process "killed by SIGTERM" instead of exiting 0.
        if self.should_exit:
            logger.info("Second stop request: stopping now.")
            self.force_exit = True
        else:
            self.stop_signal = sig
            self.should_exit = True

    async def on_tick(self, counter: int) -> bool:
        if (
            self.parent_pid is not None
            and counter % PARENT_CHECK_TICKS == 0
            and not self.should_exit
            and os.getppid() != self.parent_pid
        ):
            logger.warning("The supervising process is gone; stopping.")
            self.should_exit = True
        return await super().on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        sockets_open = sum(
            1
            for connection in self.server_state.connections
            if ".protocols.websockets." in type(connection).__module__
        )
        name = signal.Signals(self.stop_signal).name if self.stop_signal else "request"
        logger.info(
            "Stopping on %s: closing %d WebSocket(s) with %d (service restart)",
            name,
            sockets_open,
            SERVICE_RESTART,
        )
        await super().shutdown(sockets=sockets)


def _log_config() -> dict:
    """Access lines on stdout, the rest on stderr, in daphne's format."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "plain": {"format": LOG_FORMAT},
            "access": {"format": "%(asctime)-15s %(message)s"},
        },
        "filters": {"redact_bot_tokens": {"()": "site.logs.RedactBotTokens"}},
        "handlers": {
            "access": {
                "class": "logging.StreamHandler",
                "formatter": "access",
                "filters": ["redact_bot_tokens"],
                "stream": "ext://sys.stdout",
            },
        },
        "loggers": {
            "uvicorn.access": {"handlers": ["access"], "level": "INFO", "propagate": False},
        },
    }


def serve_on_fd(
    fd: int,
    *,
    proxy_headers: bool,
    grace: float,
    parent_pid: int | None = None,
) -> None:
    """Run uvicorn on the listening socket ``fd`` until it is told to stop; closes ``fd``."""
    from site.asgi import application as chat  # Django is set up by now

    app = DropSendsAfterClose(RefuseLargeBodies(chat))
    if proxy_headers:
        app = ForwardedHeaders(app)
    logs.for_a_server()
    config = uvicorn.Config(
        app,
        loop="uvloop",
        http=LimitedHttpToolsProtocol,
        ws=WEBSOCKETS,
        ws_max_size=WEBSOCKET_MAX_BYTES,
        ws_ping_interval=PING_INTERVAL_SECONDS,
        ws_ping_timeout=PING_TIMEOUT_SECONDS,
        ws_per_message_deflate=False,
        lifespan="off",  # Django's application has no lifespan events
        proxy_headers=False,  # ForwardedHeaders, when asked: see the module's docstring
        log_config=_log_config(),
        timeout_graceful_shutdown=grace,
    )
    listener = socket.socket(fileno=fd)
    GracefulServer(config, parent_pid=parent_pid).run(sockets=[listener])
