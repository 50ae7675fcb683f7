"""Sockets are opened only by this site's own pages: the Origin must be this very origin.

A WebSocket handshake carries the session cookie whatever page opens it, so another
site's page could otherwise open an authenticated socket and read the room (cross-site
WebSocket hijacking). Channels' ``AllowedHostsOriginValidator`` compares only the host
name against ALLOWED_HOSTS: a page served by *another port* on the same host, or over
plain http, passes it. Here the Origin must equal the handshake's own scheme, host and
port, and that host must be allowed.

The scheme the browser used: ``wss`` when the server speaks TLS itself, or ``https``
when TLS ends at a proxy that says so (``X-Forwarded-Proto``, trusted only with
``DJANGO_TRUST_X_FORWARDED_PROTO``, as for HTTP requests).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from channels.security.websocket import WebsocketDenier
from django.conf import settings
from django.http.request import split_domain_port, validate_host

DEFAULT_PORTS = {"http": "80", "https": "443"}


def _secure(scope: dict, headers: dict[bytes, bytes]) -> bool:
    if scope.get("scheme") in {"wss", "https"}:
        return True
    proxy_header = getattr(settings, "SECURE_PROXY_SSL_HEADER", None)
    if proxy_header:
        name, value = proxy_header
        header = name.removeprefix("HTTP_").replace("_", "-").lower().encode("latin1")
        return headers.get(header, b"").decode("latin1").split(",")[0].strip() == value
    return False


def _authority(scheme: str, netloc: str) -> tuple[str, str]:
    domain, port = split_domain_port(netloc.lower())
    return domain, port or DEFAULT_PORTS[scheme]


def is_same_origin(scope: dict) -> bool:
    """Whether the handshake's Origin is exactly the origin it was sent to."""
    headers = dict(scope.get("headers", []))
    origin, host = headers.get(b"origin"), headers.get(b"host")
    if not origin or not host:
        return False
    parsed = urlsplit(origin.decode("latin1"))
    scheme = "https" if _secure(scope, headers) else "http"
    if parsed.scheme != scheme or not parsed.netloc:
        return False
    own = _authority(scheme, host.decode("latin1"))
    if not own[0] or not validate_host(own[0], settings.ALLOWED_HOSTS):
        return False
    return _authority(scheme, parsed.netloc) == own


class SameOriginValidator:
    """ASGI middleware refusing, at the handshake, sockets from any other origin."""

    def __init__(self, application) -> None:
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "websocket" and not is_same_origin(scope):
            return await WebsocketDenier()(scope, receive, send)
        return await self.application(scope, receive, send)
