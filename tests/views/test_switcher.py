"""The switcher's page and partial (``GET /switch/?q=``), and its dialog on every page."""

from __future__ import annotations

import pytest

from chat import ratelimit
from chat.limits import SWITCHER_MAX_CHARS
from chat.models import Room
from chat.rooms import services as rooms
from tests.support.messages import HTMX

pytestmark = pytest.mark.django_db


def test_signed_out_it_sends_to_the_login_page(client):
    response = client.get("/switch/?q=lunch")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/switch/")


def test_without_javascript_it_is_a_page_with_a_form(login, alice, lunch):
    html = login(alice).get("/switch/?q=lun").content.decode()

    assert '<form id="switcher-form" class="switcher-form" method="get" action="/switch/"' in html
    assert 'name="q" value="lun"' in html
    assert '<a class="choice" href="/r/lunch/">Lunch</a>' in html
    assert '<h1 id="switcher-title"' in html
    assert '<dialog id="switcher"' not in html  # the page is the panel: no second one


def test_htmx_gets_the_list_alone(login, alice, bob, lunch):
    response = login(alice).get("/switch/?q=b", **HTMX)

    html = response.content.decode()
    assert html.startswith('<div id="switcher-results" class="switcher-results" data-query="b">')
    assert '<a class="choice" href="/p/bob/">bob <span class="detail">@bob</span></a>' in html
    assert "<html" not in html


def test_it_never_lists_a_room_the_reader_may_not_read(login, alice, mallory, secret):
    html = login(mallory).get("/switch/?q=secret", **HTMX).content.decode()

    assert "Secret plans" not in html
    assert secret.slug not in html
    assert "No room or person matches “secret”." in html


def test_what_was_typed_and_names_are_escaped(login, alice, bob):
    rooms.create_room(alice, {"title": "<b>Bold</b> room", "kind": Room.Kind.PUBLIC})

    html = login(alice).get("/switch/", {"q": "<b>"}).content.decode()

    assert "&lt;b&gt;Bold&lt;/b&gt; room" in html
    assert 'value="&lt;b&gt;"' in html
    assert "<b>Bold" not in html

    html = login(alice).get("/switch/", {"q": '"><script>x</script>'}, **HTMX).content.decode()
    assert "<script>" not in html
    assert "&lt;script&gt;" in html


def test_a_long_query_is_clipped_and_the_page_says_so(login, alice):
    html = login(alice).get("/switch/", {"q": "a" * (SWITCHER_MAX_CHARS + 10)}).content.decode()

    assert f"Only the first {SWITCHER_MAX_CHARS} characters are used." in html


def test_asking_too_often_is_answered_429(login, alice):
    client = login(alice)
    for _ in range(ratelimit.SWITCHING.limit):
        assert client.get("/switch/?q=a", **HTMX).status_code == 200

    response = client.get("/switch/?q=a", **HTMX)

    assert response.status_code == 429
    assert "Retry-After" in response


def test_a_post_is_not_allowed(login, alice):
    assert login(alice).post("/switch/", {"q": "a"}).status_code == 405


def test_every_signed_in_page_holds_the_closed_dialog_empty(login, alice, lunch):
    html = login(alice).get("/").content.decode()

    assert '<dialog id="switcher" class="switcher" aria-labelledby="switcher-title">' in html
    assert 'hx-get="/switch/" hx-trigger="input changed delay:150ms, focus"' in html
    assert '<div id="switcher-results" class="switcher-results" data-query=""></div>' in html


def test_a_signed_out_page_has_no_dialog(client):
    assert '<dialog id="switcher"' not in client.get("/accounts/login/").content.decode()
