"""The soak's HTTP side: what a person's browser asks of the server besides its sockets.

Opening a room page (as a browser does before its socket), editing and reacting to a
message (the message's forms, ``/m/<id>/edit`` and ``/m/<id>/react``, posted as htmx
posts them), sending a file (the file button's form, ``/r/<slug>/attachments``,
multipart) and searching (``/search?q=``). Each call is blocking (run in a thread) and
raises :class:`Failed` with a short reason when the answer is not the expected one.
"""

from __future__ import annotations

import io
import random
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid

from tests.support import accounts

#: Seconds before a request is given up (a failure, counted).
TIMEOUT = 30
#: A search result on the search page (templates/chat/search.html#result).
SEARCH_RESULT = 'class="message result"'
#: The notice under the file button's form: empty when the file went out live.
NOTICE = re.compile(r'<div id="notice"[^>]*>([^<]*)</div>')


class Failed(Exception):
    """A request answered with something other than what a browser expects."""


class Person:
    """One signed-in person: their cookie jar, CSRF token, and the requests they make."""

    def __init__(self, browser: accounts.Browser, username: str, token: str) -> None:
        self.browser = browser
        self.username = username
        self.token = token

    @property
    def base_url(self) -> str:
        return self.browser.base_url

    def cookie(self) -> str:
        """The ``Cookie`` header of the person's sockets."""
        return self.browser.cookie_header()

    def _open(self, request: urllib.request.Request) -> str:
        try:
            with self.browser.opener.open(request, timeout=TIMEOUT) as reply:
                if reply.status != 200:
                    raise Failed(f"HTTP {reply.status}")
                return reply.read().decode()
        except urllib.error.HTTPError as error:
            raise Failed(f"HTTP {error.code}") from None
        except OSError as error:  # refused, reset, timed out
            raise Failed(type(error).__name__) from None

    def get(self, path: str) -> str:
        """GET a page (redirects followed); its HTML."""
        return self._open(urllib.request.Request(self.base_url + path))

    def _htmx_post(self, path: str, page: str, body: bytes, content_type: str) -> str:
        """POST as htmx does from ``page``: the CSRF token in its header, HX-Request set."""
        headers = {
            "Content-Type": content_type,
            "HX-Request": "true",
            "HX-Current-URL": self.base_url + page,
            "Referer": self.base_url + page,
            "X-CSRFToken": self.token,
        }
        request = urllib.request.Request(self.base_url + path, data=body, headers=headers)
        return self._open(request)

    def open_room_page(self, slug: str) -> None:
        """Load the room's page, as a browser does before opening its socket."""
        page = self.get(f"/r/{slug}/")
        if 'id="messages"' not in page:
            raise Failed("no message list on the room page")

    def edit(self, slug: str, message_id: int, body: str) -> None:
        """Edit one's own message: the edit form's POST; the changed article comes back."""
        data = urllib.parse.urlencode({"body": body}).encode()
        answer = self._htmx_post(
            f"/m/{message_id}/edit", f"/r/{slug}/", data, "application/x-www-form-urlencoded"
        )
        if f'id="message-{message_id}"' not in answer or body not in answer:
            raise Failed("the answer is not the edited article")

    def react(self, slug: str, message_id: int, emoji: str) -> None:
        """Toggle a reaction: the react form's POST; the changed article comes back."""
        data = urllib.parse.urlencode({"emoji": emoji}).encode()
        answer = self._htmx_post(
            f"/m/{message_id}/react", f"/r/{slug}/", data, "application/x-www-form-urlencoded"
        )
        if f'id="message-{message_id}"' not in answer:
            raise Failed("the answer is not the message's article")

    def upload(self, slug: str, name: str, content: bytes, content_type: str, body: str) -> None:
        """Send a file with words through the file button's form (multipart, as htmx)."""
        boundary = uuid.uuid4().hex
        data, kind = multipart(
            {"body": body, "client_id": str(uuid.uuid4())},
            ("file", name, content, content_type),
            boundary,
        )
        answer = self._htmx_post(f"/r/{slug}/attachments", f"/r/{slug}/", data, kind)
        notice = NOTICE.search(answer)
        if notice is None:
            raise Failed("the answer is not the file button's form")
        if notice[1].strip():
            raise Failed(f"answered with a notice: {notice[1].strip()[:60]}")

    def search(self, words: str) -> int:
        """Run a search from the search box; the results on its first page."""
        page = self.get("/search?" + urllib.parse.urlencode({"q": words}))
        return page.count(SEARCH_RESULT)


def multipart(
    fields: dict[str, str], file: tuple[str, str, bytes, str], boundary: str
) -> tuple[bytes, str]:
    """A multipart/form-data body of ``fields`` and one file; the body and its content type."""
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
        out.write(value.encode() + b"\r\n")
    field, filename, content, content_type = file
    out.write(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; '
        f'filename="{filename}"\r\nContent-Type: {content_type}\r\n\r\n'.encode()
    )
    out.write(content + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def generated_file(number: int) -> tuple[str, bytes, str]:
    """A small file to send: a 32x32 PNG of one random colour, or a few lines of text,
    taking turns; (name, content, content type)."""
    if number % 2:
        text = "".join(f"line {line} of file {number}\n" for line in range(20))
        return f"notes-{number}.txt", text.encode(), "text/plain"
    from PIL import Image

    colour = tuple(random.randrange(256) for _ in range(3))
    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), colour).save(buffer, format="PNG")
    return f"picture-{number}.png", buffer.getvalue(), "image/png"
