"""Muting as pages (``POST /u/<username>/mute``, ``/unmute``; the profile's buttons): with
and without htmx, CSRF, signed out, GET; and the mute's invisibility: the muter's pages
alone hold the rules that collapse the muted person's messages, and no page or article
anyone else receives (the muted person included) says a word of it."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from chat.models import Mute
from chat.people import mutes
from tests.support.joining import join
from tests.support.messages import HTMX, say, write_to

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def _style(html: str) -> str:
    return re.search(r"<style nonce=[^>]*>(.*?)</style>", html, re.S).group(1)


def _article(html: str, message_id: int) -> str:
    return re.search(rf'<article id="message-{message_id}".*?</article>', html, re.S).group(0)


def collapse_rule(person) -> str:
    return f'.message:not(.result)[data-author="{person.pk}"]:not(:target) > :not(.show-muted)'


# --- the buttons and the forms ---------------------------------------------------------------


def test_a_profile_offers_mute_and_then_unmute(login, alice, bob):
    client = login(alice)
    before = client.get("/u/bob/").content.decode()

    response = client.post("/u/bob/mute")

    assert 'action="/u/bob/mute"' in before and "<button type=\"submit\"" in before
    assert response.status_code == 302 and response["Location"] == "/u/bob/"
    after = client.get("/u/bob/").content.decode()
    assert 'action="/u/bob/unmute"' in after
    assert "You muted bob" in after
    assert Mute.objects.filter(user=alice, muted=bob).exists()


def test_my_own_profile_offers_no_mute(login, alice):
    html = login(alice).get("/u/alice/").content.decode()

    assert "/mute" not in html


def test_htmx_gets_the_form_back_turned_over(login, alice, bob):
    client = login(alice)

    muted = client.post("/u/bob/mute", **HTMX)
    unmuted = client.post("/u/bob/unmute", **HTMX)

    assert muted.status_code == 200
    assert muted.content.decode().startswith('<form id="mute-form"')
    assert 'hx-post="/u/bob/unmute"' in muted.content.decode()
    assert 'hx-post="/u/bob/mute"' in unmuted.content.decode()
    assert not Mute.objects.exists()


def test_muting_oneself_is_refused(login, alice):
    response = login(alice).post("/u/alice/mute")

    assert response.status_code == 403
    assert not Mute.objects.exists()


def test_muting_nobody_is_404(login, alice):
    assert login(alice).post("/u/ghost/mute").status_code == 404


def test_a_get_changes_nothing(login, alice, bob):
    client = login(alice)

    assert client.get("/u/bob/mute").status_code == 405
    assert client.get("/u/bob/unmute").status_code == 405
    assert not Mute.objects.exists()


def test_muting_needs_the_csrf_token(alice, bob):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    assert client.post("/u/bob/mute").status_code == 403
    assert not Mute.objects.exists()


def test_signed_out_visitors_mute_nobody(bob):
    response = Client().post("/u/bob/mute")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert not Mute.objects.exists()


# --- collapsed on the muter's pages, and only there -------------------------------------------


@pytest.fixture
def muted_in_lunch(alice, bob, carol, lunch):
    """alice muted bob; bob said something in lunch, where all three are."""
    join(bob, "lunch")
    join(carol, "lunch")
    mutes.mute(alice, "bob")
    [message] = say(lunch, bob, "secret soup")
    return message


def test_the_muters_room_page_collapses_the_muted_persons_messages(
    login, alice, bob, muted_in_lunch
):
    html = login(alice).get("/r/lunch/").content.decode()

    style = _style(html)
    assert collapse_rule(bob) in style
    assert "Message from a muted person" in style
    # The page's scripts neither count nor play their arrivals while the tab is hidden.
    assert f'data-muted="{bob.pk}"' in html
    # The "show" link targets the article: :target opens it, without JavaScript.
    article = _article(html, muted_in_lunch.id)
    assert f'<a class="show-muted" href="#message-{muted_in_lunch.id}">Show message</a>' in article


@pytest.mark.parametrize("viewer", ["bob", "carol"])
def test_nothing_reveals_the_mute_to_the_muted_person_or_anyone_else(
    login, alice, muted_in_lunch, viewer, request
):
    person = request.getfixturevalue(viewer)
    client = login(person)
    pages = [
        client.get("/r/lunch/").content.decode(),
        client.get("/").content.decode(),
        client.get("/u/alice/").content.decode(),
        client.get("/people/", {"q": "alice"}).content.decode(),
    ]

    for html in pages:
        assert "Message from a muted person" not in html
        assert ":not(:target)" not in _style(html)
        assert "You muted" not in html
        assert "data-muted" not in html
    assert 'action="/u/alice/mute"' in pages[2]  # alice's profile as for anyone


def test_the_article_is_the_same_bytes_for_the_muter_and_the_others(
    login, alice, bob, carol, muted_in_lunch
):
    articles = {
        _article(login(person).get("/r/lunch/").content.decode(), muted_in_lunch.id)
        for person in (alice, bob, carol)
    }

    assert len(articles) == 1


def test_unmuting_takes_the_rules_away(login, alice, bob, muted_in_lunch):
    client = login(alice)
    client.post("/u/bob/unmute")

    html = client.get("/r/lunch/").content.decode()

    assert collapse_rule(bob) not in _style(html)
    assert "Message from a muted person" not in html


def test_a_muted_persons_message_is_read_through_its_link(login, alice, muted_in_lunch):
    response = login(alice).get(f"/m/{muted_in_lunch.id}/")

    # The permalink opens the room at the article's fragment, which :target opens.
    assert response.status_code == 302
    assert response["Location"].endswith(f"#message-{muted_in_lunch.id}")


# --- the conversation held back in the lobby ------------------------------------------------


def test_the_lobby_lists_a_muted_persons_conversation_apart_without_counts(login, alice, bob):
    room, _ = write_to(bob, alice, "hello there")
    say(room, bob, "again")
    client = login(alice)
    client.post("/u/bob/mute")

    html = client.get("/").content.decode()

    assert "Muted conversations (1)" in html
    assert '<title id="page-title">Chat</title>' in html
    assert "hello there" not in html and "again" not in html
    assert 'class="unread"' not in html


def test_unmuting_brings_the_conversation_back_with_its_count(login, alice, bob):
    write_to(bob, alice, "hello there")
    client = login(alice)
    client.post("/u/bob/mute")
    client.post("/u/bob/unmute")

    html = client.get("/").content.decode()

    assert "Muted conversations" not in html
    assert '<title id="page-title">(1) Chat</title>' in html


def test_the_muted_persons_lobby_shows_the_conversation_as_ever(login, alice, bob):
    write_to(alice, bob, "hello there")
    mutes.mute(alice, "bob")

    html = login(bob).get("/").content.decode()

    assert "Muted conversations" not in html
    assert '<title id="page-title">(1) Chat</title>' in html
