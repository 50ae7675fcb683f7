"""The WebSocket origin check (``chat.sockets.origin``): only this very origin may open a socket."""

from __future__ import annotations

import pytest
from channels.testing import HttpCommunicator, WebsocketCommunicator

from chat.sockets.origin import SameOriginValidator, is_same_origin

PROXY_SAYS_HTTPS = ("HTTP_X_FORWARDED_PROTO", "https")


@pytest.fixture(autouse=True)
def plain_settings(settings) -> None:
    """One allowed host, and no proxy trusted unless a test says so."""
    settings.ALLOWED_HOSTS = ["localhost"]
    settings.SECURE_PROXY_SSL_HEADER = None


def handshake(host: bytes | None, origin: bytes | None, *extra: tuple[bytes, bytes], **scope):
    headers = [(b"host", host)] if host is not None else []
    headers += [(b"origin", origin)] if origin is not None else []
    return {"type": "websocket", "headers": headers + list(extra), **scope}


# --- is_same_origin -----------------------------------------------------------------------


def test_same_origin_accepts_the_origin_the_socket_was_opened_at():
    assert is_same_origin(handshake(b"localhost:8000", b"http://localhost:8000"))


def test_same_origin_refuses_another_port_of_the_same_host():
    assert not is_same_origin(handshake(b"localhost:8000", b"http://localhost:3000"))


def test_same_origin_refuses_another_host():
    assert not is_same_origin(handshake(b"localhost:8000", b"http://evil.example:8000"))


def test_same_origin_refuses_an_https_page_on_a_plain_socket():
    assert not is_same_origin(handshake(b"localhost:8000", b"https://localhost:8000"))


def test_same_origin_refuses_a_handshake_without_an_origin():
    assert not is_same_origin(handshake(b"localhost:8000", None))


def test_same_origin_refuses_an_opaque_origin():
    assert not is_same_origin(handshake(b"localhost:8000", b"null"))


def test_same_origin_refuses_a_handshake_without_a_host():
    assert not is_same_origin(handshake(None, b"http://localhost:8000"))


def test_same_origin_refuses_a_host_that_is_not_allowed(settings):
    settings.ALLOWED_HOSTS = ["chat.example"]

    assert not is_same_origin(handshake(b"localhost:8000", b"http://localhost:8000"))


@pytest.mark.parametrize(
    ("host", "origin"),
    [(b"localhost:80", b"http://localhost"), (b"localhost", b"http://localhost:80")],
    ids=["port-in-host", "port-in-origin"],
)
def test_same_origin_treats_the_default_port_as_written_out(host, origin):
    assert is_same_origin(handshake(host, origin))


def test_same_origin_ignores_the_case_of_host_names():
    assert is_same_origin(handshake(b"LOCALHOST:8000", b"http://LocalHost:8000"))


def test_same_origin_expects_https_behind_a_trusted_proxy_that_says_so(settings):
    settings.SECURE_PROXY_SSL_HEADER = PROXY_SAYS_HTTPS
    said = (b"x-forwarded-proto", b"https")

    assert is_same_origin(handshake(b"localhost:8000", b"https://localhost:8000", said))
    assert not is_same_origin(handshake(b"localhost:8000", b"http://localhost:8000", said))


def test_same_origin_expects_http_behind_a_trusted_proxy_that_says_nothing(settings):
    settings.SECURE_PROXY_SSL_HEADER = PROXY_SAYS_HTTPS

    assert is_same_origin(handshake(b"localhost:8000", b"http://localhost:8000"))
    assert not is_same_origin(handshake(b"localhost:8000", b"https://localhost:8000"))


def test_same_origin_ignores_a_forwarded_proto_from_a_proxy_not_trusted():
    said = (b"x-forwarded-proto", b"https")

    assert not is_same_origin(handshake(b"localhost:8000", b"https://localhost:8000", said))


def test_same_origin_expects_https_on_a_tls_socket():
    assert is_same_origin(handshake(b"localhost", b"https://localhost", scheme="wss"))
    assert not is_same_origin(handshake(b"localhost", b"http://localhost", scheme="wss"))


# --- SameOriginValidator -----------------------------------------------------------------


class Accepting:
    """An inner application accepting every socket, noting the scopes it was handed."""

    def __init__(self) -> None:
        self.scopes: list[dict] = []

    async def __call__(self, scope, receive, send) -> None:
        self.scopes.append(scope)
        if scope["type"] == "http":
            await receive()
            await send({"type": "http.response.start", "status": 204, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        assert (await receive())["type"] == "websocket.connect"
        await send({"type": "websocket.accept"})
        while (await receive())["type"] != "websocket.disconnect":
            pass


async def test_same_origin_validator_refuses_another_origin_at_the_handshake():
    inner = Accepting()
    headers = [(b"host", b"localhost"), (b"origin", b"http://localhost:3000")]
    socket = WebsocketCommunicator(SameOriginValidator(inner), "/ws/r/lunch/", headers=headers)

    connected, _code = await socket.connect()

    assert connected is False
    assert inner.scopes == []


async def test_same_origin_validator_hands_a_same_origin_socket_to_the_application():
    inner = Accepting()
    headers = [(b"host", b"localhost"), (b"origin", b"http://localhost")]
    socket = WebsocketCommunicator(SameOriginValidator(inner), "/ws/r/lunch/", headers=headers)

    connected, _code = await socket.connect()
    await socket.disconnect()

    assert connected is True
    assert [scope["path"] for scope in inner.scopes] == ["/ws/r/lunch/"]


async def test_same_origin_validator_lets_http_requests_through():
    inner = Accepting()
    request = HttpCommunicator(SameOriginValidator(inner), "GET", "/", headers=[(b"host", b"x")])

    response = await request.get_response()

    assert response["status"] == 204
    assert len(inner.scopes) == 1
