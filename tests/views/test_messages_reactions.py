"""Reacting to a message over HTTP (``/m/<id>/react``, ``chat.views.messages``): the palette,
adding and taking back, with htmx and without, and the limits and refusals."""

from __future__ import annotations

import re

import pytest

from chat.limits import POSTS_PER_WINDOW, REACTION_PALETTE
from chat.messages import edits as changes
from chat.models import Reaction
from chat.rooms import services as rooms
from tests.support.messages import HTMX, said

pytestmark = pytest.mark.django_db


# --- reacting ---------------------------------------------------------------------------


def test_react_page_shows_the_palette(login, alice, bob, lunch):
    message = said(lunch, alice)

    response = login(bob).get(f"/m/{message.id}/react", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith('<div class="react-form">')
    assert re.findall(
        r'<button type="submit" class="emoji" aria-label="React with ([^"]+)">', html
    ) == (list(REACTION_PALETTE))


def test_react_page_fills_in_the_emoji_asked_for(login, alice, bob, lunch):
    message = said(lunch, alice)

    response = login(bob).get(f"/m/{message.id}/react", {"emoji": "🇫🇷"})

    assert f'<input id="emoji-{message.id}" name="emoji" maxlength="32" value="🇫🇷">' in (
        response.content.decode()
    )


def test_react_with_htmx_adds_then_takes_back(login, alice, bob, lunch):
    message = said(lunch, alice)
    client = login(bob)

    added = client.post(f"/m/{message.id}/react", {"emoji": "👍"}, **HTMX)
    reactions_after_adding = list(Reaction.objects.values_list("user", "emoji"))
    taken_back = client.post(f"/m/{message.id}/react", {"emoji": "👍"}, **HTMX)

    assert added.status_code == taken_back.status_code == 200
    assert reactions_after_adding == [(bob.pk, "👍")]
    assert f'data-emoji="👍" data-users=" {bob.pk} "' in added.content.decode()
    assert not Reaction.objects.exists()
    assert 'data-emoji="👍"' not in taken_back.content.decode()


def test_react_without_javascript_redirects_back(login, alice, bob, lunch):
    message = said(lunch, alice)

    response = login(bob).post(f"/m/{message.id}/react", {"emoji": "🎉"})

    assert response.status_code == 302
    assert response["Location"] == f"/r/lunch/#message-{message.id}"
    assert list(Reaction.objects.values_list("user", "emoji")) == [(bob.pk, "🎉")]


def test_react_with_what_is_not_one_emoji_is_the_form_with_the_error(login, alice, bob, lunch):
    message = said(lunch, alice)

    response = login(bob).post(f"/m/{message.id}/react", {"emoji": "👍👍"}, **HTMX)

    html = response.content.decode()
    assert response.status_code == 400
    assert html.startswith('<div class="react-form">')
    assert '<p class="error" role="alert">A reaction is one emoji.</p>' in html
    assert response["HX-Retarget"] == f"#message-{message.id} .slot"
    assert not Reaction.objects.exists()


def test_react_in_a_direct_room_redirects_back_to_the_conversation(login, alice, bob):
    direct = rooms.open_direct_room(alice, bob)
    message = said(direct, alice, "hi bob")

    response = login(bob).post(f"/m/{message.id}/react", {"emoji": "👋"})

    assert response.status_code == 302
    assert response["Location"] == f"/p/alice/#message-{message.id}"
    assert list(Reaction.objects.values_list("user", "emoji")) == [(bob.pk, "👋")]


def test_a_change_past_the_limit_is_429_with_retry_after(login, alice, lunch):
    message = said(lunch, alice)
    for _ in range(POSTS_PER_WINDOW):
        changes.toggle_reaction(alice, message.id, {"emoji": "👍"})

    response = login(alice).post(f"/m/{message.id}/react", {"emoji": "👍"}, **HTMX)

    assert response.status_code == 429
    assert response.content.decode().startswith(
        '<p class="error">You are doing that too fast. Wait '
    )
    assert int(response["Retry-After"]) >= 1


def test_the_react_form_of_a_deleted_message_is_refused(login, alice, lunch):
    message = said(lunch, alice)
    changes.delete_message(alice, message.id)

    response = login(alice).get(f"/m/{message.id}/react")

    assert response.status_code == 403
    assert "This message was deleted." in response.content.decode()
