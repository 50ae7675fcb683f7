"""A link preview over HTTP: its picture served only to the room's readers, with the headers
of a file of ours, and its removal by the message's author (``/m/<id>/preview/remove``), with
and without htmx."""

from __future__ import annotations

import pytest

from chat.models import LinkPreview, Message
from tests.support.messages import HTMX, revision_of, said
from tests.support.previews import PICTURE, give_preview

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]


def content(response) -> bytes:
    body = b"".join(response.streaming_content)
    response.close()
    return body


# --- the picture -------------------------------------------------------------------------


def test_the_picture_is_served_to_the_rooms_readers_as_an_image_of_ours(login, alice, bob, lunch):
    preview = give_preview(said(lunch, alice, "https://harbour.example/menu"))

    response = login(bob).get(f"/previews/{preview.id}/image")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert response["Cache-Control"] == "private, no-store"
    assert content(response) == PICTURE


def test_the_picture_is_404_to_someone_who_may_not_read_the_room(login, alice, bob, secret):
    preview = give_preview(said(secret, alice, "https://harbour.example/menu"))

    assert login(bob).get(f"/previews/{preview.id}/image").status_code == 404
    assert login(alice).get(f"/previews/{preview.id + 1}/image").status_code == 404


def test_the_picture_asks_a_stranger_to_sign_in(client, alice, lunch):
    preview = give_preview(said(lunch, alice, "https://harbour.example/menu"))

    response = client.get(f"/previews/{preview.id}/image")

    assert response.status_code == 302
    assert "/login" in response["Location"]


# --- removing it -------------------------------------------------------------------------


def test_the_article_offers_its_author_the_removal(login, alice, lunch):
    message = said(lunch, alice, "https://harbour.example/menu")
    give_preview(message)

    html = login(alice).get(f"/m/{message.id}/", **HTMX).content.decode()

    assert (
        f'<a id="message-{message.id}-remove-preview" class="action remove-preview own" '
        f'href="/m/{message.id}/preview/remove"'
    ) in html


def test_the_author_sees_a_form_then_removes_the_preview_without_javascript(
    login, alice, lunch, django_capture_on_commit_callbacks
):
    message = said(lunch, alice, "https://harbour.example/menu")
    preview = give_preview(message)
    storage, picture = preview.image.storage, preview.image.name
    before = revision_of(lunch)
    author = login(alice)

    form = author.get(f"/m/{message.id}/preview/remove").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = author.post(f"/m/{message.id}/preview/remove")

    action = f'method="post" action="/m/{message.id}/preview/remove"'
    assert f'<form class="remove-preview-form" {action}' in form
    assert 'name="csrfmiddlewaretoken"' in form
    assert response.status_code == 302
    assert response["Location"] == f"/r/lunch/#message-{message.id}"
    preview.refresh_from_db()
    assert preview.removed
    assert not preview.image
    assert not storage.exists(picture)
    assert Message.objects.get(pk=message.pk).revision == revision_of(lunch) == before + 1


def test_htmx_loads_the_form_into_the_message(login, alice, lunch):
    message = said(lunch, alice, "https://harbour.example/menu")
    give_preview(message)

    response = login(alice).get(f"/m/{message.id}/preview/remove", **HTMX)

    html = response.content.decode()
    assert html.startswith('<form class="remove-preview-form" method="post"')
    assert f'hx-post="/m/{message.id}/preview/remove"' in html
    assert "<html" not in html


def test_htmx_gets_the_article_without_its_preview(login, alice, lunch):
    message = said(lunch, alice, "https://harbour.example/menu")
    give_preview(message)

    response = login(alice).post(f"/m/{message.id}/preview/remove", **HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.startswith(f'<article id="message-{message.id}"')
    assert 'hx-swap-oob="outerHTML"' in html
    assert "preview" not in html


def test_another_member_may_not_remove_it(login, alice, bob, lunch):
    message = said(lunch, alice, "https://harbour.example/menu")
    give_preview(message)
    member = login(bob)

    assert member.get(f"/m/{message.id}/preview/remove").status_code == 403
    response = member.post(f"/m/{message.id}/preview/remove", **HTMX)

    assert response.status_code == 403
    assert "Only its author can remove a message&#x27;s preview." in response.content.decode()
    assert not LinkPreview.objects.get(message=message).removed


def test_someone_who_may_not_read_the_room_gets_404(login, alice, bob, secret):
    message = said(secret, alice, "https://harbour.example/menu")
    give_preview(message)

    assert login(bob).get(f"/m/{message.id}/preview/remove").status_code == 404
    assert login(bob).post(f"/m/{message.id}/preview/remove").status_code == 404
    assert not LinkPreview.objects.get(message=message).removed


def test_a_message_without_a_preview_has_none_to_remove(login, alice, lunch):
    message = said(lunch, alice, "no link")

    assert login(alice).post(f"/m/{message.id}/preview/remove", **HTMX).status_code == 403


def test_a_removed_preview_is_not_shown_and_its_picture_is_gone(login, alice, lunch):
    message = said(lunch, alice, "https://harbour.example/menu")
    preview = give_preview(message)
    author = login(alice)
    author.post(f"/m/{message.id}/preview/remove")

    assert author.get(f"/previews/{preview.id}/image").status_code == 404
    assert "preview" not in author.get(f"/m/{message.id}/", **HTMX).content.decode()
    assert author.post(f"/m/{message.id}/preview/remove").status_code == 403


def test_deleting_the_message_takes_its_preview_and_picture_away(
    login, alice, lunch, django_capture_on_commit_callbacks
):
    message = said(lunch, alice, "https://harbour.example/menu")
    preview = give_preview(message)
    storage, picture = preview.image.storage, preview.image.name

    with django_capture_on_commit_callbacks(execute=True):
        login(alice).post(f"/m/{message.id}/delete")

    assert not LinkPreview.objects.exists()
    assert not storage.exists(picture)
