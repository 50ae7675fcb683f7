"""Requests made for someone (``chat.fetching``, ``chat.addresses``): which addresses may be
called, each redirect vetted like the first URL, one deadline for every hop, and the cap.

The address rule is tested with private addresses *not* allowed (the ``page_server`` fixture
allows them: a test of the rule turns that off again): a name is made to resolve
to what a test says through the ``resolve`` seam, and the one "public" address a test
uses is routed to the local server in the connection, after the rule was applied."""

from __future__ import annotations

import pytest

from chat import fetching
from chat.addresses import is_public
from tests.support.page_server import PUBLIC, body, late, og_page, redirect, route_public_to

# --- the address rule ----------------------------------------------------------------------

NOT_PUBLIC = {
    "loopback": "127.0.0.1",
    "loopback-v6": "::1",
    "unspecified": "0.0.0.0",  # noqa: S104 - an address judged, not bound
    "unspecified-v6": "::",
    "private-10": "10.1.2.3",
    "private-172": "172.16.5.4",
    "private-192": "192.168.0.10",
    "shared-100.64": "100.64.0.1",
    "cloud-metadata": "169.254.169.254",
    "cloud-metadata-v6": "fd00:ec2::254",
    "link-local-v6": "fe80::1",
    "unique-local-v6": "fd00::1",
    "multicast": "224.0.0.1",
    "benchmarking": "198.18.0.1",
    "documentation": "192.0.2.1",
    "v4-mapped-loopback": "::ffff:127.0.0.1",
    "v4-mapped-metadata": "::ffff:169.254.169.254",
    "v4-compatible-loopback": "::127.0.0.1",
    "v4-compatible-public": "::8.8.8.8",
    "nat64-loopback": "64:ff9b::7f00:1",
    "nat64-metadata": "64:ff9b::a9fe:a9fe",
    "nat64-local-use-private": "64:ff9b:1::a00:1",
    "6to4-loopback": "2002:7f00:1::",
    "6to4-public": "2002:808:808::",
    "teredo": "2001:0:4136:e378:8000:63bf:3fff:fdd2",
    "site-local-v6": "fec0::1",
    "zone": "fe80::1%eth0",
    "not-an-address": "localhost",
}


@pytest.mark.parametrize("address", NOT_PUBLIC.values(), ids=NOT_PUBLIC.keys())
def test_addresses_of_the_servers_own_networks_are_not_public(address):
    assert not is_public(address)


@pytest.mark.parametrize("address", ["8.8.8.8", PUBLIC, "2606:4700::1111", "64:ff9b::808:808"])
def test_public_addresses_are_public_nat64_to_one_included(address):
    assert is_public(address)


@pytest.mark.parametrize("address", NOT_PUBLIC.values(), ids=NOT_PUBLIC.keys())
def test_a_name_resolving_to_any_of_them_is_refused(monkeypatch, settings, address):
    settings.CHAT_FETCH_ALLOW_PRIVATE_URLS = settings.CHAT_BOTS_ALLOW_PRIVATE_URLS = False
    monkeypatch.setattr(fetching, "resolve", lambda host, port: [PUBLIC, address])

    with pytest.raises(fetching.Unsafe) as refused:
        fetching.vet("https://pages.example/menu")

    assert str(refused.value) == f"pages.example resolves to {address}, on a private network"


@pytest.mark.parametrize(
    "url", ["http://[::ffff:127.0.0.1]/", "http://[::127.0.0.1]/", "http://[64:ff9b::a00:1]/"]
)
def test_an_ipv6_spelling_of_a_private_address_is_refused_before_any_lookup(settings, url):
    settings.CHAT_FETCH_ALLOW_PRIVATE_URLS = settings.CHAT_BOTS_ALLOW_PRIVATE_URLS = False
    assert fetching.url_problem(url) == "the address is on a private network"


@pytest.mark.parametrize(
    "setting", ["CHAT_FETCH_ALLOW_PRIVATE_URLS", "CHAT_BOTS_ALLOW_PRIVATE_URLS"]
)
def test_either_setting_lifts_the_address_rule(settings, setting):
    settings.CHAT_FETCH_ALLOW_PRIVATE_URLS = settings.CHAT_BOTS_ALLOW_PRIVATE_URLS = False
    setattr(settings, setting, True)

    assert fetching.vet("http://127.0.0.1:8000/menu").address == "127.0.0.1"


# --- redirects -----------------------------------------------------------------------------


def test_a_redirect_to_127_0_0_1_is_refused(monkeypatch, page_server, settings):
    settings.CHAT_FETCH_ALLOW_PRIVATE_URLS = False
    route_public_to(monkeypatch, page_server.port, {"pages.example": PUBLIC})
    page_server.routes["/start"] = redirect(page_server.url("/menu"))
    page_server.routes["/menu"] = body(og_page())

    with pytest.raises(fetching.Unsafe) as refused:
        fetching.get("http://pages.example/start", timeout=5, max_bytes=1024)

    assert str(refused.value) == "127.0.0.1 resolves to 127.0.0.1, on a private network"
    assert page_server.asked == ["/start"]


def test_a_redirect_to_a_name_of_a_private_address_is_refused(monkeypatch, page_server, settings):
    settings.CHAT_FETCH_ALLOW_PRIVATE_URLS = False
    names = {"pages.example": PUBLIC, "in.example": "10.0.0.7"}
    route_public_to(monkeypatch, page_server.port, names)
    page_server.routes["/start"] = redirect("http://in.example/admin", status=301)

    with pytest.raises(fetching.Unsafe):
        fetching.get("http://pages.example/start", timeout=5, max_bytes=1024)


def test_a_redirect_to_another_scheme_is_refused(monkeypatch, page_server, settings):
    settings.CHAT_FETCH_ALLOW_PRIVATE_URLS = False
    route_public_to(monkeypatch, page_server.port, {"pages.example": PUBLIC})
    page_server.routes["/start"] = redirect("file:///etc/passwd")

    with pytest.raises(fetching.Unsafe) as refused:
        fetching.get("http://pages.example/start", timeout=5, max_bytes=1024)

    assert str(refused.value) == "only http and https URLs are called"


def test_public_redirects_are_followed_relative_ones_included(monkeypatch, page_server, settings):
    settings.CHAT_FETCH_ALLOW_PRIVATE_URLS = False
    route_public_to(monkeypatch, page_server.port, {"pages.example": PUBLIC})
    page_server.routes["/a"] = redirect("/b", status=301)
    page_server.routes["/b"] = redirect("http://pages.example/c", status=307)
    page_server.routes["/c"] = body(b"here")

    answer = fetching.get("http://pages.example/a", timeout=5, max_bytes=1024)

    assert (answer.body, answer.url) == (b"here", "http://pages.example/c")
    assert page_server.asked == ["/a", "/b", "/c"]


def test_more_than_three_redirects_fail(page_server):
    for hop in range(5):
        page_server.routes[f"/{hop}"] = redirect(f"/{hop + 1}")
    page_server.routes["/5"] = body(b"too far")

    with pytest.raises(fetching.FetchFailed) as failed:
        fetching.get(page_server.url("/0"), timeout=5, max_bytes=1024)

    assert str(failed.value) == "more than 3 redirects"
    assert page_server.asked == ["/0", "/1", "/2", "/3"]


def test_one_deadline_covers_every_hop(page_server):
    # Each hop alone is within the deadline; both together are not.
    page_server.routes["/a"] = late(0.3, redirect("/b"))
    page_server.routes["/b"] = late(0.3, body(b"late"))

    with pytest.raises(fetching.FetchFailed) as failed:
        fetching.get(page_server.url("/a"), timeout=0.5, max_bytes=1024)

    assert str(failed.value) == "no complete answer within 0.5 s"


# --- what is read ---------------------------------------------------------------------------


def test_an_answer_past_the_cap_fails_or_keeps_its_start(page_server):
    page_server.routes["/big"] = body(b"a" * 5000 + b"b" * 5000)

    with pytest.raises(fetching.FetchFailed) as failed:
        fetching.get(page_server.url("/big"), timeout=5, max_bytes=4096)
    start = fetching.get(page_server.url("/big"), timeout=5, max_bytes=4096, keep_start=True)

    assert str(failed.value) == "the answer is larger than 4 kB"
    assert (start.body, start.truncated) == (b"a" * 4096, True)


def test_a_refused_content_type_fails_before_its_body_is_read(page_server):
    page_server.routes["/data"] = body(b"{}", "application/json")

    with pytest.raises(fetching.FetchFailed) as failed:
        fetching.get(page_server.url("/data"), timeout=5, max_bytes=1024, accept=lambda k: False)

    assert str(failed.value) == "the answer is application/json"


def test_an_error_status_fails(page_server):
    with pytest.raises(fetching.FetchFailed) as failed:
        fetching.get(page_server.url("/nowhere"), timeout=5, max_bytes=1024)

    assert str(failed.value) == "answered 404"
