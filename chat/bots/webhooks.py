"""Outgoing hooks: a POST of JSON to a URL a member typed, made safely and in the background.

Any member of a room may give its bot an outgoing URL, and the *server* then calls it. A
URL is therefore a request the server makes on someone else's behalf, and each guard
below stops one way of abusing that:

- only ``http`` and ``https``, and no credentials in the URL;
- the host is resolved once, every address it resolves to must be public (no private,
  loopback, link-local, multicast, reserved or unspecified address: the server's own
  network, its cloud metadata service at 169.254.169.254, its admin ports), and the
  connection goes to that vetted address, never through a second lookup, so a name that
  answers a public address to the check and 127.0.0.1 to the connection (DNS rebinding)
  gets nowhere. The Host header and TLS's SNI and certificate check still use the name;
- redirects are not followed (a public URL could send the server on to a private one);
- one deadline of ``TIMEOUT_SECONDS`` covers connecting, sending and reading all of the
  answer, its status line and headers included (every read waits only for the time
  left), and the reply is read up to ``MAX_REPLY_BYTES``: a slow, trickling or endless
  answer cannot hold a worker;
- each call is signed (``X-Chat-Signature``), so a hook can refuse calls that are not
  the chat's: its URL may leak, its bot's token should not;
- calls run on a small pool of threads with a bounded queue, never on the event loop or
  in the request that posted the message.

``settings.CHAT_BOTS_ALLOW_PRIVATE_URLS`` lifts the address rule (a bot on the same
machine, tests); nothing lifts the others.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import io
import ipaddress
import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)

#: Connecting, sending and reading the whole reply: one deadline for all of it.
TIMEOUT_SECONDS = 5.0
#: The longest reply read; a longer one is a failed call (a message is 4,000 characters).
MAX_REPLY_BYTES = 64 * 1024
#: Hooks called at once, per process; more wait their turn.
WORKERS = 4
#: Hooks waiting or running, per process; past that new ones are dropped (and logged).
MAX_PENDING = 200
USER_AGENT = "chat-bot-hook/1"


class HookFailed(Exception):
    """A hook call that produced nothing to post; the message says why, for the log."""


class Unsafe(HookFailed):
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


# --- the URL and its addresses --------------------------------------------------------------


def _shape(url: str):
    """``url`` split, its host in ASCII (IDNA) and its port, if it is an http(s) URL with a
    host and no credentials."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise Unsafe(f"not a usable URL ({error})") from None
    # Other schemes (file:, gopher:, ftp:) would reach what a bot has no business reading.
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


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address:
    ip = ipaddress.ip_address(text.split("%", 1)[0])  # an IPv6 zone ("%eth0") is not the address
    # An IPv6 spelling of an IPv4 address (::ffff:127.0.0.1, or 6to4's 2002:7f00:1::) reaches
    # the IPv4 one: judge that.
    if isinstance(ip, ipaddress.IPv6Address):
        ip = ip.ipv4_mapped or ip.sixtofour or ip
    return ip


def is_public(text: str) -> bool:
    """Whether the address ``text`` is one a hook may call without the setting: a public
    unicast address, not the server's own network."""
    ip = _address(text)
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or getattr(ip, "is_site_local", False)
    )


def _is_private_network_allowed() -> bool:
    return bool(settings.CHAT_BOTS_ALLOW_PRIVATE_URLS)


def url_problem(url: str) -> str | None:
    """Why ``url`` can never be a hook, judged without any DNS lookup (for the bot form):
    not http(s), credentials, or a private address written as an IP. None when it may be."""
    try:
        _parts, host, _port = _shape(url)
        literal = _address(host)
    except Unsafe as unsafe:
        return str(unsafe)
    except ValueError:
        return None  # a name: it is looked up, and judged, at every call
    if not _is_private_network_allowed() and not is_public(str(literal)):
        return "the address is on a private network"
    return None


def resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, in the resolver's order (a seam for tests)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def vet(url: str) -> Target:
    """Where ``url`` may be called, resolved once; ``Unsafe`` when it may not be.

    Every address the name resolves to must pass, not just the first: otherwise a name
    listing one public and one private address would be judged on the one we picked.
    """
    parts, host, port = _shape(url)
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError) as error:
        raise HookFailed(f"{host} could not be resolved ({error})") from None
    if not addresses:
        raise HookFailed(f"{host} has no address")
    if not _is_private_network_allowed():
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


def _too_slow() -> HookFailed:
    return HookFailed(f"no complete answer within {TIMEOUT_SECONDS:g} s")


def _time_left(deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise _too_slow()
    return left


class _DeadlineReader(io.RawIOBase):
    """Reads a socket, each read allowed only the time left before ``deadline``.

    A socket's timeout bounds one read: a server trickling a byte at a time would never
    hit it. ``http.client`` reads the status line and headers through this.
    """

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        super().__init__()
        self._sock = sock
        self._deadline = deadline

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        self._sock.settimeout(_time_left(self._deadline))
        return self._sock.recv_into(buffer)


class _DeadlineSocket:
    """What ``http.client.HTTPResponse`` is handed for a socket: its ``makefile`` reads
    through ``_DeadlineReader``; the socket itself stays the connection's to close."""

    def __init__(self, sock: socket.socket, deadline: float) -> None:
        self._sock = sock
        self._deadline = deadline

    def makefile(self, mode: str = "rb", *args, **kwargs) -> io.BufferedReader:
        return io.BufferedReader(_DeadlineReader(self._sock, self._deadline))


def _read_capped(sock: socket.socket, response, deadline: float) -> bytes:
    declared = response.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > MAX_REPLY_BYTES:
        raise HookFailed(f"the answer is larger than {MAX_REPLY_BYTES // 1024} kB")
    chunks: list[bytes] = []
    size = 0
    while True:
        sock.settimeout(_time_left(deadline))
        chunk = response.read1(16 * 1024)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_REPLY_BYTES:
            raise HookFailed(f"the answer is larger than {MAX_REPLY_BYTES // 1024} kB")
        chunks.append(chunk)


def _reply_text(response, raw: bytes) -> str | None:
    """What a 2xx answer asks to post: JSON ``{"body": "..."}`` or plain text; None for an
    empty answer (the bot has nothing to say)."""
    charset = response.headers.get_content_charset() or "utf-8"
    try:
        text = raw.decode(charset)
    except (LookupError, UnicodeDecodeError):
        raise HookFailed("the answer is not text") from None
    if not text.strip():
        return None
    kind = response.headers.get_content_type()
    if kind == "application/json" or kind.endswith("+json"):
        try:
            sent = json.loads(text)
        except ValueError:
            raise HookFailed("the answer is not valid JSON") from None
        if not isinstance(sent, dict) or not isinstance(sent.get("body"), str):
            raise HookFailed('the JSON answer has no "body" string')
        return sent["body"] if sent["body"].strip() else None
    if kind.startswith("text/"):
        return text
    raise HookFailed(f"the answer is {kind}, not JSON or text")


def signature(key: str, body: bytes) -> str:
    """``X-Chat-Signature`` of a call: HMAC-SHA256 of the body keyed with ``key`` (the
    bot's stored token hash, which its owner computes from the token as SHA-256 in hex)."""
    return "sha256=" + hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def call(url: str, payload: dict, *, key: str) -> str | None:
    """POST ``payload`` as JSON to ``url``, signed with ``key`` (``signature``: a hook's
    receiver can tell the chat's calls from anyone else's); the text to post back, or None
    for nothing.

    Raises ``HookFailed`` (``Unsafe`` for a refused URL) for every way the call can go
    wrong: resolution, the address rule, connection, timeout, a non-2xx status (3xx
    included: redirects are never followed), an answer too large or unreadable.
    """
    deadline = time.monotonic() + TIMEOUT_SECONDS
    target = vet(url)
    kind = _VettedHTTPSConnection if target.scheme == "https" else _VettedHTTPConnection
    connection = kind(target, timeout=_time_left(deadline))
    body = json.dumps(payload).encode()
    headers = {
        "Content-Type": "application/json",
        "Accept": "application/json, text/plain",
        "User-Agent": USER_AGENT,
        "X-Chat-Signature": signature(key, body),
    }
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        # Kept: a connection that will close hands its socket to the response and forgets it.
        sock = connection.sock
        sock.settimeout(_time_left(deadline))
        # The response reads through the deadline (status line and headers first); the
        # connection keeps the socket itself, and closes it below.
        response = connection.response_class(_DeadlineSocket(sock, deadline), method="POST")
        response.begin()
        if 300 <= response.status < 400:
            raise HookFailed(f"answered {response.status}; redirects are not followed")
        if not 200 <= response.status < 300:
            raise HookFailed(f"answered {response.status}")
        return _reply_text(response, _read_capped(sock, response, deadline))
    except TimeoutError:
        raise _too_slow() from None
    except (OSError, http.client.HTTPException) as error:  # refused, reset, TLS errors
        raise HookFailed(f"{type(error).__name__}: {error}") from None
    finally:
        connection.close()


# --- the pool ----------------------------------------------------------------------------------

_pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="bot-hook")
_slots = threading.BoundedSemaphore(MAX_PENDING)


def _finished(future: Future) -> None:
    _slots.release()
    if not future.cancelled() and future.exception() is not None:
        # A task's own failures are its to log; this is a bug, which must not pass unseen.
        error = future.exception()
        logger.error("a bot hook task failed", exc_info=(type(error), error, error.__traceback__))


def submit(task: Callable[..., object], *args: object) -> Future | None:
    """Run ``task(*args)`` on the hook pool; never waits. None (and a warning) when
    ``MAX_PENDING`` calls are already waiting or running: a flood of mentions must not
    grow the queue without end."""
    if not _slots.acquire(blocking=False):
        logger.warning("a bot hook was dropped: %d already waiting", MAX_PENDING)
        return None
    future = _pool.submit(task, *args)
    future.add_done_callback(_finished)
    return future
