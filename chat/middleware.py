"""Site-wide response rules of the chat.

Refusals (``chat.errors``) are answered by ``chat.views.refusals.RefusalMiddleware``: it
draws the views' own templates, so it lives with them.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.conf import settings
from django.core.exceptions import BadRequest
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.cache import has_vary_header, patch_cache_control


class AnswerMiddleware:
    """Middleware that looks only at the answer (``answered``), on the sync and the async
    request path alike."""

    async_capable = True
    sync_capable = True

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest):
        if iscoroutinefunction(self):
            return self._acall(request)
        return self.answered(request, self.get_response(request))

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        return self.answered(request, await self.get_response(request))

    def answered(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        """``response`` as it leaves, for ``request``."""
        return response


class PrivatePagesMiddleware(AnswerMiddleware):
    """A page that depends on who asks is theirs alone: ``Cache-Control: private, no-store``.

    Without it a shared proxy could serve one person's room to another, and the browser
    would keep private conversations on disk after logging out. "Depends on who asks" is
    what the session and CSRF middleware already say by adding ``Vary: Cookie``, so this
    sits above them and reads that: no database work, and nothing personal is missed.
    """

    def answered(self, request: HttpRequest, response: HttpResponse) -> HttpResponse:
        if has_vary_header(response, "Cookie") and "Cache-Control" not in response:
            patch_cache_control(response, private=True, no_store=True)
        return response


# --- NUL bytes -----------------------------------------------------------------------------

#: Why a query with a NUL byte is refused (the page and the log say it).
NUL_IN_QUERY = "A NUL character is not allowed in a query."
NUL_IN_PATH = "There is no such page."


def has_nul_in_path(path: str) -> bool:
    """Whether a request's decoded path holds a NUL byte: no page has one in its address."""
    return "\x00" in path


def has_nul_in_query(query_string: str | bytes) -> bool:
    """Whether a raw query string holds a NUL byte, written as ``%00`` or as is."""
    raw = query_string.encode("latin1") if isinstance(query_string, str) else query_string
    return b"\x00" in unquote_to_bytes(raw)


class NulBytesMiddleware:
    """A NUL byte in the path is a 404, and one in the query string a 400, before any view.

    PostgreSQL cannot store or compare a string holding NUL (psycopg raises, and the page
    would answer 500 with a traceback in the log), and no name, slug or search ever holds
    one: the one rule for every URL is here, not in each view. Sockets get the same rule
    from ``SocketNulBytesGuard``.
    """

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def _refuse(self, request: HttpRequest) -> None:
        if has_nul_in_path(request.path):
            raise Http404(NUL_IN_PATH)
        if has_nul_in_query(request.META.get("QUERY_STRING", "")):
            raise BadRequest(NUL_IN_QUERY)

    def __call__(self, request: HttpRequest):
        if iscoroutinefunction(self):
            return self._acall(request)
        self._refuse(request)
        return self.get_response(request)

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        self._refuse(request)
        return await self.get_response(request)


class SocketNulBytesGuard:
    """ASGI middleware for sockets: a NUL byte in the path or query string refuses the
    handshake, as ``NulBytesMiddleware`` answers 404 or 400 over HTTP (no room, person
    or session is looked up for it)."""

    def __init__(self, inner) -> None:
        self.inner = inner

    async def __call__(self, scope: dict, receive, send):
        path, query = scope.get("path", ""), scope.get("query_string", b"")
        if has_nul_in_path(path) or has_nul_in_query(query):
            await receive()  # websocket.connect
            await send({"type": "websocket.close"})
            return None
        return await self.inner(scope, receive, send)


class RequestsAtOnce:
    """ASGI middleware for HTTP: at most ``CHAT_REQUESTS_AT_ONCE`` requests of this process
    run at once; the others wait their turn, in order of arrival, and are then served.

    Under ASGI each request runs its sync code on a thread of its own, with a database
    connection of its own, closed as it ends (``chat.receivers.request_finished``). A burst
    of page loads (every page of a box coming back after a restart) would otherwise open as
    many connections as requests at once, past PostgreSQL's ``max_connections``; with this,
    a process holds at most this many for requests (docs/deploying.md, "Databases"). A
    waiting request costs only its memory, and no request is refused for waiting.
    """

    def __init__(self, inner) -> None:
        self.inner = inner
        # One gate per event loop (a process has one; tests start several).
        self._gates: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _gate(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        gate = self._gates.get(loop)
        if gate is None:
            gate = self._gates[loop] = asyncio.Semaphore(settings.CHAT_REQUESTS_AT_ONCE)
        return gate

    async def __call__(self, scope: dict, receive, send):
        if scope["type"] != "http":
            return await self.inner(scope, receive, send)
        async with self._gate():
            return await self.inner(scope, receive, send)
