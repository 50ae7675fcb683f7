"""The largest request body the server keeps, and the page that refuses a larger one.

Both servers ``manage.py serve`` can run apply this one rule, each where it can see the
body arrive: daphne in ``chat.server.LimitedRequest`` (Twisted reads a whole body before
the application sees any of it), uvicorn through :class:`RefuseLargeBodies` (uvicorn
streams the body to the application). A body over :func:`most_body_bytes` is read and
dropped, never stored, and answered 413 with the file limit's sentence (for htmx, in the
page's alert region); one that goes on past twice the limit has its connection cut.
"""

from __future__ import annotations

from django.conf import settings
from django.utils.html import escape

#: Room for the words, the fields and the multipart boundaries around the largest file.
FORM_OVERHEAD_BYTES = 1024 * 1024


def most_body_bytes() -> int:
    """The largest request body kept: the largest file and the form around it."""
    return settings.CHAT_UPLOAD_MAX_BYTES + FORM_OVERHEAD_BYTES


def cut_off_bytes() -> int:
    """Past this many bytes of one request's body, its connection is cut."""
    return 2 * most_body_bytes()


def refusal(size: int, htmx: bool) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The 413's headers and body for a request body of ``size`` bytes."""
    from chat.forms import readable_size

    sentence = escape(
        f"Files are at most {readable_size(settings.CHAT_UPLOAD_MAX_BYTES)}; "
        f"this upload is {readable_size(size)}."
    )
    headers = [(b"Content-Type", b"text/html; charset=utf-8"), (b"Connection", b"close")]
    if htmx:
        # Into the page's alert region (templates/base.html), as every refusal is.
        headers += [(b"HX-Retarget", b"#alerts"), (b"HX-Reswap", b"innerHTML")]
        body = f'<p class="error">{sentence}</p>'
    else:
        body = (
            "<!doctype html><title>Too large · Chat</title>"
            f'<h1>That was not sent</h1><p class="error">{sentence}</p>'
            '<p><a href="/">Back to the chat</a></p>'
        )
    return headers, body.encode()


class _TooLarge(Exception):
    """Raised into the application's ``receive`` once the body passes the limit."""


class RefuseLargeBodies:
    """ASGI middleware: the rule above, for a server that streams bodies (uvicorn).

    A body declared too long never reaches the application; one that turns out too long
    (chunked, or longer than it said) is taken from the application as it reads (Django
    reads the whole body before it runs a view, so nothing has answered yet). Either way
    the rest is read and dropped, then the 413 is sent. ASGI has no way to cut a
    connection: past :func:`cut_off_bytes` the server does it
    (``chat.uvicorn_server.LimitedHttpToolsProtocol``), and ``receive`` says so.
    """

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        """Serve ``scope``, refusing an over-large HTTP body (see the class docstring)."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        most = most_body_bytes()
        headers = dict(scope["headers"])
        length_header = headers.get(b"content-length", b"")
        length = int(length_header) if length_header.isdigit() else None
        received = 0
        more_body = True

        async def counting_receive():
            nonlocal received, more_body
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                more_body = message.get("more_body", False)
                if received > most:
                    raise _TooLarge
            return message

        if length is None or length <= most:
            try:
                await self.app(scope, counting_receive, send)
                return
            except _TooLarge:
                pass
        # Read and drop the rest.
        while more_body:
            message = await receive()
            if message["type"] != "http.request":
                return  # the client went away, or the server cut it off
            received += len(message.get("body", b""))
            more_body = message.get("more_body", False)
        refused_headers, body = refusal(
            length if length is not None else received, headers.get(b"hx-request") == b"true"
        )
        await send({"type": "http.response.start", "status": 413, "headers": refused_headers})
        await send({"type": "http.response.body", "body": body})
