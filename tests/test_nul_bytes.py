"""A NUL byte in an address (``chat.middleware``): a path holding one is a 404, a query
holding one a 400, and a socket's handshake is refused, before any view or consumer looks
anything up. PostgreSQL refuses strings holding NUL, so without the rule these answered
500 with a traceback there; the suite's PostgreSQL pass runs these too."""

from __future__ import annotations

import logging

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize(
    "url",
    ["/p/%00/", "/u/%00/", "/p/%00/messages", "/p/al%00ice/mentions?q=a", "/join/%00/"],
)
def test_a_nul_byte_in_a_path_is_a_404(login, admin, lunch, caplog, url):
    with caplog.at_level(logging.ERROR):
        response = login(admin).get(url)

    assert response.status_code == 404
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize(
    "url",
    [
        "/r/lunch/mentions?q=%00",
        "/staff/people/?q=%00",
        "/search?q=%00",
        "/search?q=soup%00and",
        "/r/lunch/?around=%00",
        "/?x%00=1",
    ],
)
def test_a_nul_byte_in_a_query_is_a_400(login, admin, lunch, caplog, url):
    client = login(admin)
    client.get("/r/lunch/")  # a member of the room, so only the NUL can refuse it

    with caplog.at_level(logging.ERROR):
        response = client.get(url)

    assert response.status_code == 400
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_a_query_without_a_nul_byte_is_served(login, admin, lunch):
    client = login(admin)
    client.get("/r/lunch/")

    assert client.get("/search?q=00%25").status_code == 200
    assert client.get("/staff/people/?q=%2500").status_code == 200


@pytest.mark.parametrize("path", ["/ws/p/%00/", "/ws/r/lun%00ch/", "/ws/lobby/?public=%00"])
async def test_a_nul_byte_in_a_sockets_address_refuses_the_handshake(
    open_socket, alice, lunch, path
):
    socket = await open_socket(path, alice)

    assert not socket.accepted
