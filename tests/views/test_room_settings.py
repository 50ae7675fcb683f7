"""A conversation's settings page (``chat.views.room_settings``): a room's bots there, made
and revoked (``/r/<slug>/settings``, ``/r/<slug>/bots``, ``/r/<slug>/bots/<id>/revoke``)."""

from __future__ import annotations

import hashlib
import re

import pytest
from django.test import Client

from chat.bots import services as bots
from chat.models import Bot
from chat.rooms import services as rooms
from tests.support.bots import make_bot
from tests.support.messages import HTMX

pytestmark = pytest.mark.django_db


# --- the settings page ------------------------------------------------------------------------


def test_the_settings_page_lists_the_rooms_bots(login, alice, lunch):
    bot, _token = make_bot(lunch, alice, avatar_letter="R")

    html = login(alice).get("/r/lunch/settings").content.decode()

    assert (
        f'<li class="bot" data-bot-id="{bot.pk}"><span class="avatar" aria-hidden="true">R</span>'
        in html
    )
    assert "<strong>helper</strong>" in html
    assert "created by alice" in html
    assert f'action="/r/lunch/bots/{bot.pk}/revoke"' in html
    assert '<form id="bot-form"' in html


def test_the_settings_page_marks_a_revoked_bot(login, alice, lunch):
    bot, _token = make_bot(lunch, alice)
    bots.revoke_bot(lunch, alice, bot.pk)

    html = login(alice).get("/r/lunch/settings").content.decode()

    assert f'<li class="bot revoked" data-bot-id="{bot.pk}">' in html
    assert '<span class="status">revoked</span>' in html
    assert f'action="/r/lunch/bots/{bot.pk}/revoke"' not in html


def test_creating_a_bot_shows_its_token_once_with_the_curl_command(login, alice, lunch):
    client = login(alice)

    response = client.post("/r/lunch/bots", {"name": "helper", "avatar_letter": ""})

    html = response.content.decode()
    token = re.search(r'id="new-bot-token" class="token" readonly value="([\w-]+)"', html)[1]
    assert response.status_code == 200
    assert Bot.objects.get().token_hash == hashlib.sha256(token.encode()).hexdigest()
    curl = f"curl -H &#x27;Authorization: Bearer {token}&#x27; -d body=hello http://testserver/bots/messages"
    assert curl in html
    assert token not in client.get("/r/lunch/settings").content.decode()


def test_creating_a_bot_with_htmx_answers_the_bots_panel(login, alice, lunch):
    response = login(alice).post("/r/lunch/bots", {"name": "helper"}, **HTMX)

    html = response.content.decode()
    assert html.startswith('<section id="bots" class="bots">')
    assert 'id="new-bot-token"' in html
    assert "<strong>helper</strong>" in html


def test_a_refused_bot_keeps_what_was_typed_and_says_why(login, alice, bob, lunch):
    response = login(alice).post(
        "/r/lunch/bots", {"name": "bob", "outgoing_url": "https://example.org/hook"}, **HTMX
    )

    html = response.content.decode()
    assert response.status_code == 400
    assert '<p class="error" role="alert">“bob” is taken: pick another name.</p>' in html
    assert 'value="https://example.org/hook"' in html
    assert not Bot.objects.exists()


def test_the_11th_bot_in_an_hour_is_answered_429(login, alice, lunch):
    client = login(alice)
    for n in range(10):
        client.post("/r/lunch/bots", {"name": f"bot{n}"})

    response = client.post("/r/lunch/bots", {"name": "one-too-many"})

    assert response.status_code == 429
    assert re.fullmatch(r"\d+", response["Retry-After"])
    assert "You have created many bots in a short time." in response.content.decode()
    assert Bot.objects.count() == 10


def test_a_member_revokes_a_bot_and_is_sent_back_to_the_settings(login, alice, lunch):
    bot, _token = make_bot(lunch, alice)

    response = login(alice).post(f"/r/lunch/bots/{bot.pk}/revoke")

    assert response.status_code == 302
    assert response["Location"] == "/r/lunch/settings"
    assert Bot.objects.get().revoked_at is not None


def test_revoking_with_htmx_answers_the_bots_panel(login, alice, lunch):
    bot, _token = make_bot(lunch, alice)

    response = login(alice).post(f"/r/lunch/bots/{bot.pk}/revoke", **HTMX)

    html = response.content.decode()
    assert html.startswith('<section id="bots" class="bots">')
    assert "helper was revoked: it posts nothing more." in html


def test_creating_and_revoking_need_a_csrf_token(alice, lunch):
    bot, _token = make_bot(lunch, alice)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    created = client.post("/r/lunch/bots", {"name": "sneaky"})
    revoked = client.post(f"/r/lunch/bots/{bot.pk}/revoke")

    assert (created.status_code, revoked.status_code) == (403, 403)
    assert list(Bot.objects.values_list("user__username", "revoked_at")) == [("helper", None)]


def test_an_outsider_of_a_private_room_gets_404_everywhere(login, alice, mallory, secret):
    bot, _token = make_bot(secret, alice)
    outsider = login(mallory)

    answers = [
        outsider.get(f"/r/{secret.slug}/settings").status_code,
        outsider.post(f"/r/{secret.slug}/bots", {"name": "spy"}).status_code,
        outsider.post(f"/r/{secret.slug}/bots/{bot.pk}/revoke").status_code,
    ]

    assert answers == [404, 404, 404]
    assert list(Bot.objects.values_list("user__username", "revoked_at")) == [("helper", None)]


def test_someone_who_never_joined_a_public_room_cannot_make_its_bots(login, bob, lunch):
    response = login(bob).post("/r/lunch/bots", {"name": "helper"})

    assert response.status_code == 404
    assert "You are not a member of this room: join it first." in response.content.decode()
    assert not Bot.objects.exists()


def test_a_hostile_name_is_escaped_where_it_is_shown_again(login, alice, lunch):
    response = login(alice).post("/r/lunch/bots", {"name": '<img src=x onerror="alert(1)">'})

    html = response.content.decode()
    assert response.status_code == 400
    assert 'value="&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"' in html
    assert "<img src=x" not in html


def test_a_hostile_url_is_escaped_in_the_bots_list(login, alice, lunch):
    make_bot(lunch, alice, outgoing_url='https://example.org/"><script>alert(1)</script>')

    html = login(alice).get("/r/lunch/settings").content.decode()

    assert "calls https://example.org/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html


def test_a_direct_conversations_settings_have_no_bots(login, alice, bob):
    rooms.open_direct_room(alice, bob)

    html = login(alice).get("/p/bob/settings").content.decode()

    assert 'id="bots"' not in html
