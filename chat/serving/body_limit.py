"""The largest request body the server keeps, and the page that refuses a larger one.

The server applies the rule where it can see the body arrive, before the application sees
any of it (``chat.serving.daphne_internals.LimitedRequest``: Twisted reads a whole body
before daphne hands it on). A body over :func:`most_body_bytes` is read and dropped, never
stored, and answered 413 with the file limit's sentence (for htmx, in the page's alert
region); one that goes on past twice the limit has its connection cut.
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
    from chat.fields import readable_size

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
