"""The people directory, muting and the welcome as pages (``chat.views.people``): with and
without htmx, CSRF, signed-out visitors, GETs that change nothing; and that a mute shows on
the muter's pages only, never in what the muted person or anyone else receives."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from chat import ratelimit
from chat.bots import services as bots
from chat.limits import DIRECTORY_MAX_CHARS, DIRECTORY_PAGE_SIZE
from chat.people import profiles
from tests.support.messages import HTMX

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

HOSTILE = "<img src=x onerror=alert(1)>"


# --- the directory -----------------------------------------------------------------------


def test_the_directory_lists_people_with_links_to_profile_and_conversation(login, alice, bob):
    html = login(alice).get("/people/").content.decode()

    assert '<a class="name" href="/u/bob/">bob</a>' in html
    assert 'href="/p/bob/"' in html
    assert 'name="username" value="bob"' in html
    assert '<form id="pick-people" method="post" action="/p/">' in html
    assert "csrfmiddlewaretoken" in html


def test_the_directory_finds_by_username_or_display_name_without_case(login, alice, bob, carol):
    profiles.edit_profile(carol, {"display_name": "Caroline Smith", "bio": ""}, {})
    client = login(alice)

    by_name = client.get("/people/", {"q": "SMITH"}).content.decode()
    by_username = client.get("/people/", {"q": "bo"}).content.decode()

    assert 'href="/u/carol/"' in by_name and 'href="/u/bob/"' not in by_name
    assert 'href="/u/bob/"' in by_username and 'href="/u/carol/"' not in by_username


def test_names_that_start_with_the_query_come_first(login, alice, make_user):
    make_user("anna")
    make_user("joanna")
    html = login(alice).get("/people/", {"q": "anna"}).content.decode()

    assert html.index('href="/u/anna/"') < html.index('href="/u/joanna/"')


def test_the_directory_marks_bots_deactivated_accounts_and_me_in_words(login, alice, bob, lunch):
    bot, _token = bots.create_bot(lunch, alice, {"name": "Reminder"})
    bob.is_active = False
    bob.save()

    html = login(alice).get("/people/").content.decode()

    rows = re.findall(r'<li class="person-row.*?</li>', html, re.S)
    [bob_row] = [row for row in rows if 'href="/u/bob/"' in row]
    assert '<span class="badge deactivated">deactivated</span>' in bob_row
    assert 'href="/p/bob/"' not in html  # a deactivated account is not written to
    assert '<span class="badge bot">bot</span>' in html
    assert f'href="/p/{bot.user.username}/"' not in html
    assert '<span class="badge you">you</span>' in html
    assert 'href="/p/alice/"' not in html


def test_the_directory_marks_who_is_online(login, alice, bob, monkeypatch):
    from chat.broadcast import presence

    monkeypatch.setattr(presence, "online", lambda ids: {bob.pk} & set(ids))

    html = login(alice).get("/people/").content.decode()

    assert '<span class="badge online">online</span>' in html
    assert html.count("badge online") == 1


def test_the_directory_never_shows_an_email_address(login, alice, bob):
    bob.email = "bob@example.com"
    bob.save()

    html = login(alice).get("/people/", {"q": "bob"}).content.decode()

    assert "example.com" not in html


def test_names_are_escaped(login, alice, bob):
    profiles.edit_profile(bob, {"display_name": "Bob <b>", "bio": ""}, {})

    html = login(alice).get("/people/", {"q": HOSTILE}).content.decode()
    listed = login(alice).get("/people/", {"q": "bob"}).content.decode()

    assert HOSTILE not in html
    assert "Bob &lt;b&gt;" in listed


def test_the_directory_pages_with_a_more_link_that_keeps_the_query(login, alice, make_user):
    for n in range(DIRECTORY_PAGE_SIZE + 1):
        make_user(f"zed{n:02d}")
    client = login(alice)

    first = client.get("/people/", {"q": "zed"}).content.decode()
    second = client.get("/people/", {"q": "zed", "page": 2}).content.decode()

    assert first.count('class="person-row') == DIRECTORY_PAGE_SIZE
    assert 'href="?q=zed&amp;page=2" rel="next">More people</a>' in first
    assert second.count('class="person-row') == 1


def test_a_long_query_is_clipped_and_says_so(login, alice):
    html = login(alice).get("/people/", {"q": "x" * (DIRECTORY_MAX_CHARS + 50)}).content.decode()

    assert "Only the first 150 characters are used." in html


def test_lookups_are_rate_limited(login, alice, bob):
    for _ in range(ratelimit.DIRECTORY.limit - 1):
        ratelimit.take(ratelimit.DIRECTORY, alice.pk)
    client = login(alice)
    assert client.get("/people/", **HTMX).status_code == 200

    response = client.get("/people/", **HTMX)

    assert response.status_code == 429
    assert "Retry-After" in response
    assert login(bob).get("/people/").status_code == 200


def test_htmx_gets_the_results_alone(login, alice, bob):
    html = login(alice).get("/people/", {"q": "bob"}, **HTMX).content.decode()

    assert html.startswith('<div id="results"')
    assert "<html" not in html
    assert 'href="/u/bob/"' in html


def test_the_directory_is_for_signed_in_people_only(bob):
    response = Client().get("/people/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_top_bar_links_the_directory(login, alice):
    html = login(alice).get("/").content.decode()

    assert '<a class="directory-link" href="/people/">Directory</a>' in html


def test_the_people_picked_in_the_directory_open_their_group(login, alice, bob, carol):
    client = login(alice)
    html = client.get("/people/").content.decode()
    assert 'form="pick-people"' in html and 'action="/p/"' in html

    # What the form sends: a checkbox named "username" for each person picked.
    response = client.post("/p/", {"username": ["bob", "carol"]})

    assert response.status_code == 302
    assert response["Location"].startswith("/g/")
    assert client.get(response["Location"]).status_code == 200
