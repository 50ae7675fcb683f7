"""Requests the server makes on someone's behalf (a bot's outgoing hook, a link's preview),
made safely and in the background.

A URL a member typed is a request the server makes for them, and each guard below stops
one way of abusing that:

- only ``http`` and ``https``, and no credentials in the URL;
- the host is resolved once, every address it resolves to must be public
  (``chat.addresses.is_public``), and the connection goes to that vetted address, never
  through a second lookup, so a name that answers a public address to the check and
  127.0.0.1 to the connection (DNS rebinding) gets nowhere. Host, SNI and the
  certificate check still use the name;
- redirects are followed only when the caller asks (``get``), a few hops at most, and
  each hop's URL is vetted as the first was: a public page cannot send the server on to
  a private one;
- one deadline covers the whole call: every hop's connecting, sending and reading, status
  line and headers included (every read waits only for the time left), and the answer is
  read up to a cap: a slow, trickling or endless answer cannot hold a worker;
- calls run on a small pool of threads with a bounded queue (``submit``), never on the
  event loop or in the request that caused them.

``settings.CHAT_FETCH_ALLOW_PRIVATE_URLS`` (or the older ``CHAT_BOTS_ALLOW_PRIVATE_URLS``)
lifts the address rule (a service on the same machine, tests); nothing lifts the others.
"""

from __future__ import annotations

import http.client
import io
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from email.message import Message as Headers
from urllib.parse import urljoin, urlsplit

from django.conf import settings

from chat.addresses import is_public, written_address

logger = logging.getLogger(__name__)

#: Calls run at once, per process; more wait their turn.
WORKERS = 4
#: Calls waiting or running, per process; past that new ones are dropped (and logged).
MAX_PENDING = 200
MAX_REDIRECTS = 3  # that ``get`` follows by default
USER_AGENT = "chat-fetch/1"  # what a site sees in its log


class FetchFailed(Exception):
    """A call that produced nothing usable; why, for the log (``status``: a non-2xx answer's)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Unsafe(FetchFailed):
    """A URL the chat will not call."""


@dataclass(frozen=True)
class Target:
    """Where a vetted URL leads: the name (for Host and TLS) and the address to connect to."""

    scheme: str
    host: str
    port: int
    #: Path and query, as sent in the request line.
    path: str
    address: str


@dataclass(frozen=True)
class Answer:
    """A 2xx answer: its status, headers, body (at most the cap) and URL (after redirects)."""

    status: int
    headers: Headers
    body: bytes
    url: str
    #: The body stopped at the cap (``get(..., keep_start=True)``), the rest unread.
    truncated: bool = False

    @property
    def content_type(self) -> str:
        return self.headers.get_content_type()

    @property
    def charset(self) -> str | None:
        return self.headers.get_content_charset()


# --- the URL and its addresses --------------------------------------------------------------


def _shape(url: str):
    """``url`` split, its host in ASCII (IDNA) and port: an http(s) URL, a host, no credentials."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise Unsafe(f"not a usable URL ({error})") from None
    # Other schemes (file:, gopher:, ftp:) would reach what a member has no business reading.
    if parts.scheme not in {"http", "https"}:
        raise Unsafe("only http and https URLs are called")
    if not parts.hostname:
        raise Unsafe("the URL has no host")
    # A user name and password in the URL would be sent nowhere, and "http://trusted@evil/"
    # is a classic way to make a URL look like it goes where it does not.
    if parts.username is not None or parts.password is not None:
        raise Unsafe("the URL may not hold a user name or password")
    try:
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError:
        raise Unsafe("the URL's host is not a valid name") from None
    return parts, host, port or (443 if parts.scheme == "https" else 80)


def private_network_allowed() -> bool:
    """Whether the address rule is lifted (``CHAT_FETCH_ALLOW_PRIVATE_URLS``, or the bots'
    own older setting); read at every call."""
    return bool(settings.CHAT_FETCH_ALLOW_PRIVATE_URLS or settings.CHAT_BOTS_ALLOW_PRIVATE_URLS)


def url_problem(url: str) -> str | None:
    """Why ``url`` can never be called, judged without any DNS lookup (for a form): not
    http(s), credentials, or a private address written as an IP. None when it may be."""
    try:
        _parts, host, _port = _shape(url)
        written_address(host)
    except Unsafe as unsafe:
        return str(unsafe)
    except ValueError:
        return None  # a name: it is looked up, and judged, at every call
    if not private_network_allowed() and not is_public(host):
        return "the address is on a private network"
    return None


def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, in the resolver's order (a seam for tests)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def vet(url: str, allow_private: bool | None = None) -> Target:
    """Where ``url`` may be called, resolved once; ``Unsafe`` when it may not be.

    Every address the name resolves to must pass, not just the first: otherwise a name
    listing one public and one private address would be judged on the one we picked.
    """
    parts, host, port = _shape(url)
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError) as error:
        raise FetchFailed(f"{host} could not be resolved ({error})") from None
    if not addresses:
        raise FetchFailed(f"{host} has no address")
    if not (private_network_allowed() if allow_private is None else allow_private):
        for address in addresses:
            if not is_public(address):
                raise Unsafe(f"{host} resolves to {address}, on a private network")
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(parts.scheme, host, port, path, addresses[0])


# --- calling -----------------------------------------------------------------------------------


class _VettedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection to ``target.address`` that names ``target.host`` in its Host header."""

    def __init__(self, target: Target, **kwargs) -> None:
        super().__init__(target.host, target.port, **kwargs)
        self._vetted = target.address
        # http.client connects through this attribute: to the vetted address, no new lookup.
        self._create_connection = self._connect_vetted

    def _connect_vetted(self, _address, timeout, source_address=None):
        return socket.create_connection((self._vetted, self.port), timeout, source_address)


class _VettedHTTPSConnection(http.client.HTTPSConnection):
    """The same over TLS: SNI and the certificate check use the name, not the address."""

    def __init__(self, target: Target, **kwargs) -> None:
        super().__init__(target.host, target.port, context=ssl.create_default_context(), **kwargs)
        self._vetted = target.address
        self._create_connection = self._connect_vetted

    def _connect_vetted(self, _address, timeout, source_address=None):
        return socket.create_connection((self._vetted, self.port), timeout, source_address)


class _Deadline:
    """One deadline for a whole call, and what to say when it passes."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.at = time.monotonic() + seconds

    def too_slow(self) -> FetchFailed:
        return FetchFailed(f"no complete answer within {self.seconds:g} s")

    def left(self) -> float:
        left = self.at - time.monotonic()
        if left <= 0:
            raise self.too_slow()
        return left


class _DeadlineReader(io.RawIOBase):
    """Reads a socket, each read allowed only the time left before the deadline.

    A socket's timeout bounds one read: a server trickling a byte at a time would never
    hit it. ``http.client`` reads the status line and headers through this.
    """

    def __init__(self, sock: socket.socket, deadline: _Deadline) -> None:
        super().__init__()
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self._sock.settimeout(self._deadline.left())
        return self._sock.recv_into(buffer)


class _DeadlineSocket:
    """What ``http.client.HTTPResponse`` is handed for a socket: its ``makefile`` reads
    through ``_DeadlineReader``; the socket itself stays the connection's to close."""

    def __init__(self, sock: socket.socket, deadline: _Deadline) -> None:
        self._sock = sock
        self._deadline = deadline

    def makefile(self, mode: str = "rb", *args, **kwargs) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))


def _too_large(cap: int) -> FetchFailed:
    return FetchFailed(f"the answer is larger than {cap // 1024} kB")


def _read_capped(sock, response, deadline: _Deadline, cap: int, keep_start: bool):
    """The body, up to ``cap`` bytes; past it, ``FetchFailed`` or (``keep_start``) the
    first ``cap`` bytes and True."""
    declared = response.getheader("Content-Length")
    if not keep_start and declared and declared.isdigit() and int(declared) > cap:
        raise _too_large(cap)
    chunks: list[bytes] = []
    size = 0
    while True:
        sock.settimeout(deadline.left())
        chunk = response.read1(16 * 1024)
        if not chunk:
            return b"".join(chunks), False
        size += len(chunk)
        if size > cap:
            if not keep_start:
                raise _too_large(cap)
            chunks.append(chunk[: len(chunk) - (size - cap)])
            return b"".join(chunks), True
        chunks.append(chunk)


def _one_hop(method, url, body, headers, deadline, read: Callable, allow_private=None):
    """One request to vetted ``url``: a redirect's next URL, or ``read(response, sock)`` if 2xx."""
    target = vet(url, allow_private)
    kind = _VettedHTTPSConnection if target.scheme == "https" else _VettedHTTPConnection
    connection = kind(target, timeout=deadline.left())
    try:
        connection.request(method, target.path, body=body, headers=headers)
        # Kept: a connection that will close hands its socket to the response and forgets it.
        sock = connection.sock
        sock.settimeout(deadline.left())
        # The response reads through the deadline (status line and headers first); the
        # connection keeps the socket itself, and closes it below.
        response = connection.response_class(_DeadlineSocket(sock, deadline), method=method)
        response.begin()
        if 300 <= response.status < 400 and response.getheader("Location"):
            return response.status, urljoin(url, response.getheader("Location").strip())
        if not 200 <= response.status < 300:
            raise FetchFailed(f"answered {response.status}", response.status)
        return response.status, read(response, sock)
    except TimeoutError:
        raise deadline.too_slow() from None
    except (OSError, http.client.HTTPException) as error:  # refused, reset, TLS errors
        raise FetchFailed(f"{type(error).__name__}: {error}") from None
    finally:
        connection.close()


def request(
    method: str,
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    redirects: int = 0,
    accept: Callable[[str], bool] | None = None,
    keep_start: bool = False,
    allow_private: bool | None = None,
) -> Answer:
    """``method`` ``url`` through the guards above, within ``timeout`` seconds in all.

    Follows up to ``redirects`` redirects (each hop vetted; a 303, or a 301/302 of a POST,
    goes on as a GET without the body); with none, a 3xx fails. ``accept(content_type)``
    refuses an answer before its body is read. The body is read up to ``max_bytes``: past
    that the call fails, unless ``keep_start``, which keeps the start (an HTML page's head).
    ``allow_private``, given, decides the address rule instead of the settings (Web Push).

    Raises ``FetchFailed`` (``Unsafe`` for a refused URL) for every way the call can go
    wrong: resolution, the address rule, connection, timeout, a non-2xx status, too many
    redirects, a content type refused, an answer too large.
    """
    deadline = _Deadline(timeout)
    sent = {"User-Agent": USER_AGENT, **(headers or {})}

    def read(response, sock) -> Answer:
        kind = response.headers.get_content_type()
        if accept is not None and not accept(kind):
            raise FetchFailed(f"the answer is {kind}")
        data, truncated = _read_capped(sock, response, deadline, max_bytes, keep_start)
        return Answer(response.status, response.headers, data, url, truncated)

    for _hop in range(redirects + 1):
        status, result = _one_hop(method, url, body, sent, deadline, read, allow_private)
        if isinstance(result, Answer):
            return result
        if not redirects:
            raise FetchFailed(f"answered {status}; redirects are not followed")
        url = result
        if status == 303 or (status in (301, 302) and method == "POST"):
            method, body = "GET", None
    raise FetchFailed(f"more than {redirects} redirects")


def get(
    url: str,
    *,
    timeout: float,
    max_bytes: int,
    accept: Callable[[str], bool] | None = None,
    keep_start: bool = False,
    redirects: int = MAX_REDIRECTS,
    headers: dict[str, str] | None = None,
) -> Answer:
    """GET ``url`` (``request``), following up to ``redirects`` redirects, each vetted."""
    return request(
        "GET",
        url,
        timeout=timeout,
        max_bytes=max_bytes,
        headers=headers,
        redirects=redirects,
        accept=accept,
        keep_start=keep_start,
    )


# --- the pool ----------------------------------------------------------------------------------

_pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="fetch")
_slots = threading.BoundedSemaphore(MAX_PENDING)


def _finished(future: Future) -> None:
    _slots.release()
    if not future.cancelled() and future.exception() is not None:
        # A task's own failures are its to log; this is a bug, which must not pass unseen.
        error = future.exception()
        logger.error(
            "a background fetch failed", exc_info=(type(error), error, error.__traceback__)
        )


def submit(task: Callable[..., object], *args: object) -> Future | None:
    """Run ``task(*args)`` on the pool; never waits. None (and a warning) when
    ``MAX_PENDING`` calls are already waiting or running: a flood must not grow the queue
    without end."""
    if not _slots.acquire(blocking=False):
        logger.warning("a background fetch was dropped: %d already waiting", MAX_PENDING)
        return None
    future = _pool.submit(task, *args)
    future.add_done_callback(_finished)
    return future
