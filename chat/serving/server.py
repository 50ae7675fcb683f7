"""One daphne process serving the chat on a listening socket it was handed; stops gracefully.

``manage.py serve`` binds the socket and calls :func:`serve_on_fd`, in its own process
(one worker) or in each child it supervises (several): see ``chat.serving.supervisor``.
daphne runs through its command line, and its ``Server`` is used as Channels' own
``runserver`` uses it (its options, ``run`` and ``stop``); everything beyond that
(request and socket classes of our own, the connections it holds, the listening port)
comes from ``chat.serving.daphne_internals``, and from nowhere else.

**Stopping.** daphne leaves SIGTERM to Twisted, which stops the reactor at once: every
open WebSocket is dropped without a close frame and browsers see 1006. Here SIGTERM and
SIGINT instead:

1. stop accepting connections on this process's copy of the socket (a worker stopped
   alone leaves the port to its siblings; when the whole server stops, the parent has
   closed its copy first, so the port then refuses new connections and a proxy passes
   them to another box);
2. send every open WebSocket a close frame with code 1012, "service restart": the htmx
   ws extension reconnects by itself after 1012 (to a sibling, or to the server once it
   is back), and the page's resume frame catches up on what was missed;
3. wait until those close handshakes have finished, and the consumers and any HTTP
   requests still in flight are done, but at most ``grace`` seconds (autobahn drops a
   client that does not answer the close frame after its own 1 s close timeout);
4. stop the reactor, which cancels whatever is left.

A second signal stops at once. A worker whose parent has gone (the supervisor was
killed) stops the same way, so no orphan keeps the port.

**Request bodies.** Twisted reads a request's whole body (into a temporary file past
100 kB) before daphne hands it to Django, and neither has a limit: anyone could fill the
disk with one upload. The server keeps no body larger than any form here takes (the rule
and the refusal page are ``chat.serving.body_limit``'s): its bytes are read and dropped,
the request is answered 413 with the file limit's sentence (for htmx, in the page's alert
region), and a body that goes on past twice the limit has its connection cut. A proxy in
front should refuse them first (nginx's ``client_max_body_size``, see the README).

**Close codes.** daphne closes sockets through autobahn's ``sendClose``, which only
accepts 1000 and 3000-4999: 1012 here, and the consumer's own 1003 (binary frame) and
1009 (frame too big), would raise and reach the browser as 1011 instead. The sockets
served here send every code a server may send (RFC 6455 section 7.4) as it is.

**Socket writes.** A message to a room is framed once for all its sockets and written to
each at once when nothing waits before it (``daphne_internals.prepared_text`` and
``write_now``).

**SQLite's checkpoints.** On SQLite a thread of the process copies the write-ahead log
back into the database file, instead of the commit of whichever message crosses SQLite's
threshold (``chat.serving.checkpoints``).
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import socket
import time
from functools import partial
from site import logs

# daphne.server installs Twisted's asyncio reactor when imported: imported before
# twisted's reactor (and sorted before it), so that this happens before anything else.
import daphne.server  # noqa: F401
from daphne.access import AccessLogGenerator
from twisted.internet import reactor

from chat.serving import checkpoints
from chat.serving.daphne_internals import HookedServer, adopt_fd_endpoints, run_command_line

logger = logging.getLogger(__name__)

#: "Service Restart" (RFC 6455 registry): the server is going away and coming back.
SERVICE_RESTART = 1012
#: How often shutdown looks whether the last sockets and requests are done.
DRAIN_CHECK_SECONDS = 0.05
#: How often a supervised worker checks that its parent is still there.
PARENT_CHECK_SECONDS = 1.0


class GracefulServer(HookedServer):
    """daphne's server, with the signal handling described in this module's docstring."""

    def __init__(self, *args, grace: float = 5.0, parent_pid: int | None = None, **kwargs) -> None:
        kwargs["signal_handlers"] = False  # Twisted's would stop the reactor abruptly
        super().__init__(*args, **kwargs)
        self.grace = grace
        self.parent_pid = parent_pid
        self.stopping = False
        self.closed_sockets: set = set()  # sockets sent their 1012 already

    def run(self) -> None:
        reactor.callWhenRunning(self._install_signal_handlers)
        if self.parent_pid is not None:
            reactor.callWhenRunning(self._watch_parent)
        super().run()

    def _install_signal_handlers(self) -> None:
        # daphne made the reactor's asyncio loop the current one before running it.
        loop = asyncio.get_event_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.shutdown, signum)

    def _watch_parent(self) -> None:
        if os.getppid() != self.parent_pid:
            logger.warning("The supervising process is gone; stopping.")
            self.shutdown()
        elif not self.stopping:
            reactor.callLater(PARENT_CHECK_SECONDS, self._watch_parent)

    def shutdown(self, signum: int | None = None) -> None:
        """Close every WebSocket with 1012, let the closes and requests finish, then stop."""
        if self.stopping:
            logger.info("Second stop request: stopping now.")
            self.stop()
            return
        self.stopping = True
        for port in self.ports:
            port.stopListening()
        sockets = self._close_open_sockets()
        name = signal.Signals(signum).name if signum else "request"
        logger.info(
            "Stopping on %s: closed %d WebSocket(s) with %d (service restart)",
            name,
            sockets,
            SERVICE_RESTART,
        )
        self._drain(time.monotonic() + self.grace)

    def _close_open_sockets(self) -> int:
        closed = 0
        for protocol in self.open_websockets():
            if protocol not in self.closed_sockets:
                protocol.serverClose(code=SERVICE_RESTART)
                self.closed_sockets.add(protocol)
                closed += 1
        return closed

    def _drain(self, deadline: float) -> None:
        # A socket whose handshake was still running at the signal is closed once open.
        self._close_open_sockets()
        if not self.busy() or time.monotonic() >= deadline:
            self.stop()
        else:
            reactor.callLater(DRAIN_CHECK_SECONDS, self._drain, deadline)


def _logged_server(*, action_logger=None, **kwargs) -> GracefulServer:
    """daphne's server, its access log (which daphne writes to stdout itself) sent through
    the "daphne.access" logger instead, so the log's filters (bot tokens) apply to it."""
    if action_logger is not None:
        action_logger = AccessLogGenerator(logs.LoggedLines(logging.getLogger("daphne.access")))
    return GracefulServer(action_logger=action_logger, **kwargs)


def serve_on_fd(
    fd: int,
    *,
    proxy_headers: bool,
    grace: float,
    parent_pid: int | None = None,
) -> None:
    """Run daphne on the listening socket ``fd`` until it is told to stop.

    Twisted adopts the socket and closes ``fd`` itself; the caller must not use it again.
    """
    probe = socket.socket(fileno=fd)
    family = probe.family.name.removeprefix("AF_")
    probe.detach()  # only asked for the family; the descriptor stays open for Twisted
    adopt_fd_endpoints()

    argv = ["--endpoint", f"fd:fileno={fd}:domain={family}"]
    # No time limit on a socket: a page stays connected for as long as it is open, and
    # never has to tell a timeout's clean close (1000) from a deliberate one.
    argv += ["--websocket_timeout", "-1"]
    if proxy_headers:
        argv.append("--proxy-headers")
    logs.for_a_server()  # before daphne's command line, whose basicConfig then does nothing
    checkpoints.start_for_serving()  # before the first connection is opened
    server = partial(_logged_server, grace=grace, parent_pid=parent_pid)
    run_command_line([*argv, "site.asgi:application"], server)
