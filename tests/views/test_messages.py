"""A message's own pages (``/m/<id>/…``, ``chat.views.messages``): editing and deleting over
HTTP, with htmx and without, who gets a 403, and the article alone."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from chat.limits import EDIT_WINDOW_SECONDS
from chat.models import Message
from tests.support.messages import HTMX, said, stored

pytestmark = pytest.mark.django_db


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
    assert '<div class="body" dir="auto"><p>lunch at one</p></div>' in html
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


# --- the article alone ------------------------------------------------------------------


def test_the_article_for_htmx_is_the_message_to_put_back(login, alice, lunch):
    message = said(lunch, alice)

    response = login(alice).get(f"/m/{message.id}/", **HTMX)

    html = response.content.decode()
    assert html.startswith(
        f'<article id="message-{message.id}" class="message" hx-swap-oob="outerHTML"'
    )
    assert '<div class="body" dir="auto"><p>lunch at noon</p></div>' in html


def test_the_article_without_javascript_is_the_message_in_its_room(login, alice, lunch):
    message = said(lunch, alice)

    response = login(alice).get(f"/m/{message.id}/")

    assert response.status_code == 302
    assert response["Location"] == f"/r/lunch/?around={message.id}#message-{message.id}"


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
