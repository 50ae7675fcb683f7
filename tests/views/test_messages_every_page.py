"""What every page of a message (``/m/<id>/…``, ``chat.views.messages``) keeps to: a message
one cannot read is a 404 like a missing one, a GET changes nothing, every answer is private,
and a hostile body is shown escaped."""

from __future__ import annotations

import pytest
from django.test import Client

from chat.messages import edits as changes
from tests.support.messages import HTMX, said, stored

pytestmark = pytest.mark.django_db

#: The four URLs of a message.
MESSAGE_URLS = ["/m/{id}/", "/m/{id}/edit", "/m/{id}/delete", "/m/{id}/react"]


def parts(header: str) -> set[str]:
    return {part.strip() for part in header.split(",")}


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
    assert '<div class="body" dir="auto"><p>&lt;script&gt;x&lt;/script&gt;</p></div>' in html


def test_a_post_to_a_readable_messages_article_url_is_not_allowed(login, alice, lunch):
    message = said(lunch, alice)

    response = login(alice).post(f"/m/{message.id}/")

    assert response.status_code == 405
    assert response["Allow"] == "GET"
