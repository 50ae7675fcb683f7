"""The pages for a missing page and for a server error, as production (DEBUG off) shows them."""

from __future__ import annotations

from django.test import RequestFactory
from django.views.defaults import server_error


def test_a_missing_page_has_the_chats_header_and_a_way_back(client, settings, db):
    settings.DEBUG = False
    response = client.get("/no-such-page/")

    html = response.content.decode()
    assert response.status_code == 404
    assert '<header class="topbar">' in html
    assert '<a class="brand" href="/">Chat</a>' in html
    assert "<h1>Nothing here</h1>" in html
    assert '<a href="/">Go to your rooms</a>' in html
    assert 'href="/static/chat/chat.css"' in html


def test_a_server_error_has_the_chats_header_and_a_way_back(settings):
    settings.DEBUG = False
    # Django renders it with no request context: the page must need none.
    response = server_error(RequestFactory().get("/r/lunch/"))

    html = response.content.decode()
    assert response.status_code == 500
    assert '<header class="topbar">' in html
    assert "<h1>Something went wrong</h1>" in html
    assert '<a href="/">Go to your rooms</a>' in html
