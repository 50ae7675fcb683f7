"""A message's own pages (``/m/<id>/…``): edit, delete and react over HTTP, with htmx and
without, who gets a 403 or a 404, and that a GET never changes anything."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from chat import changes, rooms
from chat.limits import EDIT_WINDOW_SECONDS, POSTS_PER_WINDOW, REACTION_PALETTE
from chat.models import Message, Reaction, Room
from tests.conftest import HTMX, say

pytestmark = pytest.mark.django_db

#: The four URLs of a message.
MESSAGE_URLS = ["/m/{id}/", "/m/{id}/edit", "/m/{id}/delete", "/m/{id}/react"]


def said(room: Room, author, body: str = "lunch at noon") -> Message:
    [message] = say(room, author, body)
    return message


def stored(message: Message) -> tuple:
    """What a change would alter: body, edit, deletion, revision and reactions."""
    message.refresh_from_db()
    reactions = list(message.reactions.order_by("id").values_list("user", "emoji"))
    room_revision = Room.objects.values_list("revision", flat=True).get(pk=message.room_id)
    return (
        message.body,
        message.edited_at,
        message.deleted,
        message.revision,
        room_revision,
        reactions,
    )


def parts(header: str) -> set[str]:
    return {part.strip() for part in header.split(",")}


# --- editing ----------------------------------------------------------------------------


def test_edit_form_for_htmx_is_the_partial(login, alice, lunch):
    message = said(lunch, alice)

    response = login(alice).get(f"/m/{message.id}/edit", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith(
        f'<form class="edit-form" method="post" action="/m/{message.id}/edit" '
        f'hx-post="/m/{message.id}/edit"'
    )
    assert "\nlunch at noon</textarea>" in html
    assert "<html" not in html


def test_edit_form_without_javascript_is_a_page(login, alice, lunch):
    message = said(lunch, alice)

    response = login(alice).get(f"/m/{message.id}/edit")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" in html
    assert "<h1>Edit your message</h1>" in html
    assert '<form class="edit-form"' in html
    assert f'<a href="/r/lunch/#message-{message.id}">Back to the conversation</a>' in html


def test_edit_form_for_someone_else_is_forbidden(login, alice, bob, lunch):
    message = said(lunch, alice)

    response = login(bob).get(f"/m/{message.id}/edit")

    assert response.status_code == 403
    assert '<p class="error">Only its author can edit a message.</p>' in response.content.decode()
    assert '<form class="edit-form"' not in response.content.decode()


def test_edit_form_after_the_window_is_forbidden(login, alice, lunch):
    message = said(lunch, alice)
    then = timezone.now() - timedelta(seconds=EDIT_WINDOW_SECONDS + 1)
    Message.objects.filter(pk=message.pk).update(created_at=then)

    response = login(alice).get(f"/m/{message.id}/edit", **HTMX)

    assert response.status_code == 403
    assert response.content.decode() == (
        '<p class="error">Messages can be edited for 15 minutes after they are sent.</p>'
    )
    assert response["HX-Retarget"] == "#alerts"


def test_edit_with_htmx_answers_the_article_to_swap_in(login, alice, lunch):
    message = said(lunch, alice)

    response = login(alice).post(f"/m/{message.id}/edit", {"body": "lunch at one"}, **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith(
        f'<article id="message-{message.id}" class="message" hx-swap-oob="outerHTML"'
    )
    assert '<p class="body">lunch at one</p>' in html
    message.refresh_from_db()
    assert message.body == "lunch at one"


def test_edit_without_javascript_redirects_back_to_the_message(login, alice, lunch):
    message = said(lunch, alice)

    response = login(alice).post(f"/m/{message.id}/edit", {"body": "lunch at one"})

    assert response.status_code == 302
    assert response["Location"] == f"/r/lunch/#message-{message.id}"
    message.refresh_from_db()
    assert message.body == "lunch at one"


def test_an_invalid_edit_with_htmx_is_the_form_again_in_the_article(login, alice, lunch):
    message = said(lunch, alice)
    before = stored(message)

    response = login(alice).post(f"/m/{message.id}/edit", {"body": "\u200b"}, **HTMX)

    html = response.content.decode()
    assert response.status_code == 400
    assert html.startswith('<form class="edit-form"')
    assert '<p class="error" role="alert">Write something before sending.</p>' in html
    assert response["HX-Retarget"] == f"#message-{message.id} .slot"
    assert response["HX-Reswap"] == "innerHTML"
    assert stored(message) == before


def test_an_invalid_edit_without_javascript_is_the_page_with_the_error(login, alice, lunch):
    message = said(lunch, alice)

    response = login(alice).post(f"/m/{message.id}/edit", {"body": "x" * 4001})

    html = response.content.decode()
    assert response.status_code == 400
    assert "<html" in html
    assert "Messages are at most 4,000 characters (this one has 4,001)." in html


def test_an_edit_of_someone_elses_message_is_forbidden(login, alice, bob, lunch):
    message = said(lunch, alice)
    before = stored(message)

    response = login(bob).post(f"/m/{message.id}/edit", {"body": "lunch cancelled"}, **HTMX)

    assert response.status_code == 403
    assert response.content.decode() == ('<p class="error">Only its author can edit a message.</p>')
    assert stored(message) == before


def test_the_rooms_creator_may_delete_someone_elses_message_but_not_edit_it(
    login, alice, bob, lunch
):
    assert lunch.created_by == alice
    message = said(lunch, bob, "buy my stuff")
    before = stored(message)
    creator = login(alice)

    form = creator.get(f"/m/{message.id}/edit", **HTMX)
    edit = creator.post(f"/m/{message.id}/edit", {"body": "buy nothing"}, **HTMX)

    assert form.status_code == edit.status_code == 403
    refusal = '<p class="error">Only its author can edit a message.</p>'
    assert form.content.decode() == edit.content.decode() == refusal
    assert stored(message) == before

    delete = creator.post(f"/m/{message.id}/delete", **HTMX)

    assert delete.status_code == 200
    assert '<p class="body tombstone">This message was deleted.</p>' in delete.content.decode()
    message.refresh_from_db()
    assert (message.body, message.deleted) == ("", True)


# --- what cannot be read ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/m/{id}/"),
        ("get", "/m/{id}/edit"),
        ("post", "/m/{id}/edit"),
        ("get", "/m/{id}/delete"),
        ("post", "/m/{id}/delete"),
        ("get", "/m/{id}/react"),
        ("post", "/m/{id}/react"),
    ],
)
@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_message_of_a_room_one_cannot_read_is_404_like_a_missing_one(
    login, alice, mallory, secret, method, url, htmx
):
    message = said(secret, alice, "the plan")
    before = stored(message)
    client = login(mallory)
    data = {"body": "mine now", "emoji": "👀"} if method == "post" else {}
    headers = HTMX if htmx else {}

    unreadable = getattr(client, method)(url.format(id=message.id), data, **headers)
    missing = getattr(client, method)(url.format(id=message.id + 1000), data, **headers)

    assert unreadable.status_code == missing.status_code == 404
    assert unreadable.content == missing.content
    assert "the plan" not in unreadable.content.decode()
    assert stored(message) == before


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_a_post_to_an_unreadable_messages_article_url_is_404_like_a_missing_one(
    login, alice, mallory, secret, htmx
):
    message = said(secret, alice, "the plan")
    client = login(mallory)
    headers = HTMX if htmx else {}

    unreadable = client.post(f"/m/{message.id}/", **headers)
    missing = client.post(f"/m/{message.id + 1000}/", **headers)

    assert unreadable.status_code == missing.status_code == 404
    assert unreadable.content == missing.content


def test_a_message_page_needs_a_signed_in_person(alice, lunch):
    message = said(lunch, alice)

    response = Client().get(f"/m/{message.id}/edit")

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/m/{message.id}/edit"


# --- the article alone ------------------------------------------------------------------


def test_the_article_for_htmx_is_the_message_to_put_back(login, alice, lunch):
    message = said(lunch, alice)

    response = login(alice).get(f"/m/{message.id}/", **HTMX)

    html = response.content.decode()
    assert html.startswith(
        f'<article id="message-{message.id}" class="message" hx-swap-oob="outerHTML"'
    )
    assert '<p class="body">lunch at noon</p>' in html


def test_the_article_without_javascript_is_the_message_in_its_room(login, alice, lunch):
    message = said(lunch, alice)

    response = login(alice).get(f"/m/{message.id}/")

    assert response.status_code == 302
    assert response["Location"] == f"/r/lunch/#message-{message.id}"


# --- deleting ---------------------------------------------------------------------------


def test_delete_page_asks_first(login, alice, lunch):
    message = said(lunch, alice)

    response = login(alice).get(f"/m/{message.id}/delete")

    html = response.content.decode()
    assert response.status_code == 200
    assert "<p>Delete this message for everyone? It cannot be brought back.</p>" in html
    assert f'<form class="delete-form" method="post" action="/m/{message.id}/delete"' in html


def test_delete_with_htmx_answers_the_tombstone(login, alice, lunch):
    message = said(lunch, alice)

    response = login(alice).post(f"/m/{message.id}/delete", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith(
        f'<article id="message-{message.id}" class="message deleted" hx-swap-oob="outerHTML"'
    )
    assert '<p class="body tombstone">This message was deleted.</p>' in html
    assert "lunch at noon" not in html


def test_delete_without_javascript_redirects_back(login, alice, lunch):
    message = said(lunch, alice)

    response = login(alice).post(f"/m/{message.id}/delete")

    assert response.status_code == 302
    assert response["Location"] == f"/r/lunch/#message-{message.id}"
    message.refresh_from_db()
    assert (message.body, message.deleted) == ("", True)


@pytest.mark.parametrize("method", ["get", "post"])
def test_delete_by_a_third_person_is_forbidden(login, alice, bob, mallory, lunch, method):
    message = said(lunch, bob)
    before = stored(message)

    response = getattr(login(mallory), method)(f"/m/{message.id}/delete")

    html = response.content.decode()
    assert response.status_code == 403
    assert (
        '<p class="error">Only its author or the room&#x27;s creator can delete a message.</p>'
    ) in html
    assert '<form class="delete-form"' not in html
    assert stored(message) == before


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


# --- rules for every page ---------------------------------------------------------------


def test_no_get_changes_anything(login, alice, bob, lunch):
    message = said(lunch, alice)
    changes.toggle_reaction(bob, message.id, {"emoji": "👍"})
    before = stored(message)
    client = login(alice)

    for url in MESSAGE_URLS:
        for headers in ({}, HTMX):
            client.get(url.format(id=message.id), {"body": "changed", "emoji": "👍"}, **headers)

    assert stored(message) == before


@pytest.mark.parametrize(
    ("who", "method", "url", "data", "htmx", "status"),
    [
        ("alice", "get", "/m/{id}/", {}, False, 302),
        ("alice", "get", "/m/{id}/", {}, True, 200),
        ("alice", "get", "/m/{id}/edit", {}, False, 200),
        ("alice", "get", "/m/{id}/edit", {}, True, 200),
        ("alice", "post", "/m/{id}/edit", {"body": "at one"}, False, 302),
        ("alice", "post", "/m/{id}/edit", {"body": "at one"}, True, 200),
        ("alice", "post", "/m/{id}/edit", {"body": ""}, True, 400),
        ("bob", "post", "/m/{id}/edit", {"body": "mine"}, False, 403),
        ("bob", "post", "/m/{id}/delete", {}, True, 403),
        ("bob", "get", "/m/{id}/edit", {}, False, 403),
        ("alice", "get", "/m/{id}/delete", {}, False, 200),
        ("alice", "post", "/m/{id}/delete", {}, True, 200),
        ("bob", "get", "/m/{id}/react", {}, False, 200),
        ("bob", "post", "/m/{id}/react", {"emoji": "👍"}, True, 200),
        ("bob", "post", "/m/{id}/react", {"emoji": "a"}, True, 400),
        ("bob", "get", "/m/{missing}/edit", {}, False, 404),
    ],
)
def test_every_answer_to_a_signed_in_person_is_private_and_not_stored(
    login, alice, bob, lunch, who, method, url, data, htmx, status
):
    message = said(lunch, alice)
    people = {"alice": alice, "bob": bob}

    response = getattr(login(people[who]), method)(
        url.format(id=message.id, missing=message.id + 1000), data, **(HTMX if htmx else {})
    )

    assert response.status_code == status
    assert {"private", "no-store"} <= parts(response["Cache-Control"])


@pytest.mark.parametrize(
    ("method", "url", "data", "htmx"),
    [
        ("get", "/m/{id}/", {}, True),
        ("get", "/m/{id}/edit", {}, False),
        ("get", "/m/{id}/edit", {}, True),
        ("get", "/m/{id}/delete", {}, False),
        ("get", "/m/{id}/react", {}, False),
        ("post", "/m/{id}/react", {"emoji": "👍"}, True),
        ("post", "/m/{id}/react", {"emoji": "a"}, False),
    ],
)
def test_a_hostile_body_is_shown_escaped_on_every_page(
    login, alice, lunch, method, url, data, htmx
):
    message = said(lunch, alice, "<script>x</script>")

    response = getattr(login(alice), method)(
        url.format(id=message.id), data, **(HTMX if htmx else {})
    )

    html = response.content.decode()
    assert "<script>x</script>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html


def test_a_hostile_edit_is_answered_escaped(login, alice, lunch):
    message = said(lunch, alice)

    response = login(alice).post(f"/m/{message.id}/edit", {"body": "<script>x</script>"}, **HTMX)

    html = response.content.decode()
    assert "<script>x</script>" not in html
    assert '<p class="body">&lt;script&gt;x&lt;/script&gt;</p>' in html


def test_a_post_to_a_readable_messages_article_url_is_not_allowed(login, alice, lunch):
    message = said(lunch, alice)

    response = login(alice).post(f"/m/{message.id}/")

    assert response.status_code == 405
    assert response["Allow"] == "GET"


def test_the_react_form_of_a_deleted_message_is_refused(login, alice, lunch):
    message = said(lunch, alice)
    changes.delete_message(alice, message.id)

    response = login(alice).get(f"/m/{message.id}/react")

    assert response.status_code == 403
    assert "This message was deleted." in response.content.decode()
