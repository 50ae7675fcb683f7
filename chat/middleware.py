"""Site-wide response rules of the chat."""

from __future__ import annotations

from collections.abc import Callable

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse
from django.utils.cache import has_vary_header, patch_cache_control


class PrivatePagesMiddleware:
    """A page that depends on who asks is theirs alone: ``Cache-Control: private, no-store``.

    Without it a shared proxy could serve one person's room to another, and the browser
    would keep private conversations on disk after logging out. "Depends on who asks" is
    what the session and CSRF middleware already say by adding ``Vary: Cookie``, so this
    sits above them and reads that: no database work, and nothing personal is missed.
    """

    async_capable = True
    sync_capable = True

    def __init__(self, get_response: Callable) -> None:
        self.get_response = get_response
        if iscoroutinefunction(get_response):
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest):
        if iscoroutinefunction(self):
            return self._acall(request)
        return self._mark(self.get_response(request))

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        return self._mark(await self.get_response(request))

    @staticmethod
    def _mark(response: HttpResponse) -> HttpResponse:
        if has_vary_header(response, "Cookie") and "Cache-Control" not in response:
            patch_cache_control(response, private=True, no_store=True)
        return response
