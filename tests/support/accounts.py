"""People over HTTP, as a browser signs up: CSRF token from the form, session cookie kept.

The one signed-in HTTP client of the project: the load harness and the tests both use it.
"""

from __future__ import annotations

import http.cookiejar
import re
import ssl
import urllib.parse
import urllib.request
from dataclasses import dataclass

PASSWORD = "Correct-Horse-42-battery"
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TIMEOUT = 30


class Browser:
    """One person's cookie jar against one server on loopback: http, or https to nginx.

    ``tls`` is the TLS context for an https ``base_url`` (its sockets use it too); by default
    ``LOOPBACK_TLS``, for the self-signed certificate a test or the bench makes for nginx.
    """

    def __init__(self, base_url: str, tls: ssl.SSLContext | None = None) -> None:
        self.base_url = base_url
        self.tls = tls or LOOPBACK_TLS
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}),
            urllib.request.HTTPSHandler(context=self.tls),
            urllib.request.HTTPCookieProcessor(self.jar),
        )

    def get(self, path: str) -> str:
        """GET a page; its HTML."""
        with self.opener.open(self.base_url + path, timeout=TIMEOUT) as reply:
            return reply.read().decode()

    def post_form(self, path: str, fields: dict[str, str], token: str | None = None) -> str:
        """POST a form (its CSRF token from a GET of it, unless given); the URL redirected to."""
        token = token or csrf_token(self.get(path))
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(
            self.base_url + path, data=data, headers={"Referer": self.base_url + path}
        )
        with self.opener.open(request, timeout=TIMEOUT) as reply:
            return reply.geturl()

    def join_room(self, slug: str) -> str:
        """Open the room page and join the room with its Join bar, if it offers one (a visit
        alone joins nobody); the page's CSRF token."""
        page = self.get(f"/r/{slug}/")
        token = csrf_token(page)
        if f'action="/r/{slug}/join"' in page:
            self.post_form(f"/r/{slug}/join", {}, token)
        return token

    def cookie_header(self) -> str:
        """The ``Cookie`` header a browser would send with a socket handshake."""
        return "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.jar)

    def sign_up(self, username: str) -> str:
        """Create the account through the sign-up form and keep its session; the URL landed on."""
        return self.post_form(
            "/accounts/signup/",
            {"username": username, "password1": PASSWORD, "password2": PASSWORD},
        )


def unverified_tls() -> ssl.SSLContext:
    """A TLS client context that accepts any certificate: for a test's own self-signed one."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


#: What a Browser and the bench's sockets use for https and wss to nginx on loopback.
LOOPBACK_TLS = unverified_tls()


def csrf_token(page: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF_INPUT.search(page)
    if match is None:
        raise RuntimeError("no CSRF token in the page")
    return match[1]


@dataclass(frozen=True)
class Person:
    """A signed-in person with a room page open: what their sockets send."""

    username: str
    cookie: str
    csrf: str


def sign_up(base_url: str, username: str) -> Browser:
    """Create an account through the sign-up form; the browser is signed in after."""
    browser = Browser(base_url)
    landed = browser.sign_up(username)
    if "/accounts/" in landed:
        raise RuntimeError(f"sign-up of {username} failed (still on {landed})")
    return browser


def create_public_room(browser: Browser, title: str, token: str | None = None) -> str:
    """Create a public room from the lobby form (``token``: one of the person's); its slug.

    The creator lands on the room's page, as in a browser.
    """
    landed = browser.post_form("/", {"title": title, "kind": "public"}, token)
    match = re.search(r"/r/([-\w]+)/$", urllib.parse.urlparse(landed).path)
    if match is None:
        raise RuntimeError(f"room creation did not lead to a room (landed on {landed})")
    return match[1]


def open_room_page(browser: Browser, username: str, slug: str) -> Person:
    """Open the room page, and join the room with its Join bar if it offers one (a visit
    alone joins nobody), as a person about to open the page's socket would."""
    token = browser.join_room(slug)
    return Person(username=username, cookie=browser.cookie_header(), csrf=token)
