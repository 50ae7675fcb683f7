"""A message's link (``GET /m/<id>/``, ``chat.views.messages.message_detail``): a redirect to its
conversation opened around it, however many pages back, with ``#message-<id>``; 404 for
anyone who may not read it, whatever the verb; the login page for someone signed out."""

from __future__ import annotations

import pytest
from django.test import Client

from chat.limits import PAGE_SIZE
from chat.messages import edits as changes
from chat.models import Message
from tests.support.messages import HTMX, article_ids, post_many, said, write_to

pytestmark = pytest.mark.django_db


def test_a_rooms_message_leads_to_the_room_around_it(login, alice, lunch):
    message = said(lunch, alice)

    response = login(alice).get(f"/m/{message.id}/")

    assert response.status_code == 302
    assert response["Location"] == f"/r/lunch/?around={message.id}#message-{message.id}"


def test_a_direct_message_leads_to_the_conversation_as_each_reader_addresses_it(
    login, alice, bob
):
    _room, posted = write_to(alice, bob, "are you there?")
    message = posted.message

    for_alice = login(alice).get(f"/m/{message.id}/")["Location"]
    for_bob = login(bob).get(f"/m/{message.id}/")["Location"]

    assert for_alice == f"/p/bob/?around={message.id}#message-{message.id}"
    assert for_bob == f"/p/alice/?around={message.id}#message-{message.id}"


def test_a_message_many_pages_back_is_on_the_page_it_leads_to(login, alice, lunch):
    posted = post_many(lunch, alice, 3)
    old = posted[1]
    # 200 pages said after it (stored directly: the posting limit is not what is tested).
    Message.objects.bulk_create(
        Message(room=lunch, author=alice, body=f"later {n}", revision=10 + n)
        for n in range(200 * PAGE_SIZE)
    )
    client = login(alice)
    latest = client.get("/r/lunch/").content.decode()
    assert old.id not in article_ids(latest)

    response = client.get(f"/m/{old.id}/", follow=True)

    html = response.content.decode()
    assert response.status_code == 200
    assert old.id in article_ids(html)
    assert f'<article id="message-{old.id}"' in html


def test_a_deleted_message_leads_to_its_tombstone(login, alice, lunch):
    message = said(lunch, alice)
    changes.delete_message(alice, message.id)

    response = login(alice).get(f"/m/{message.id}/", follow=True)

    html = response.content.decode()
    assert f'<article id="message-{message.id}" class="message deleted"' in html


def test_a_private_rooms_message_is_404_to_a_non_member(login, alice, mallory, secret):
    message = said(secret, alice, "the plan")
    client = login(mallory)

    unreadable = client.get(f"/m/{message.id}/")
    missing = client.get(f"/m/{message.id + 1000}/")

    assert unreadable.status_code == missing.status_code == 404
    assert unreadable.content == missing.content
    assert "the plan" not in unreadable.content.decode()


def test_a_direct_message_is_404_to_a_third_person(login, alice, bob, mallory):
    _room, posted = write_to(alice, bob, "just us")

    response = login(mallory).get(f"/m/{posted.message.id}/")

    assert response.status_code == 404


@pytest.mark.parametrize("message_id", ["999999", "9223372036854775808", "0"])
def test_a_message_that_does_not_exist_is_404(login, alice, lunch, message_id):
    assert login(alice).get(f"/m/{message_id}/").status_code == 404


@pytest.mark.parametrize("verb", ["post", "put", "patch", "delete"])
def test_any_verb_on_an_unreadable_message_is_404(login, alice, mallory, secret, verb):
    message = said(secret, alice, "the plan")

    response = getattr(login(mallory), verb)(f"/m/{message.id}/")

    assert response.status_code == 404


@pytest.mark.parametrize("verb", ["post", "put", "patch", "delete"])
def test_other_verbs_on_a_readable_message_are_not_allowed(login, alice, lunch, verb):
    message = said(lunch, alice)

    response = getattr(login(alice), verb)(f"/m/{message.id}/")

    assert response.status_code == 405
    assert not Message.objects.get(pk=message.pk).deleted


def test_signed_out_is_sent_to_log_in(alice, lunch):
    message = said(lunch, alice)

    response = Client().get(f"/m/{message.id}/")

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/m/{message.id}/"


def test_every_message_has_its_copy_link_and_reply_actions(login, alice, lunch):
    message = said(lunch, alice)

    html = login(alice).get(f"/m/{message.id}/", **HTMX).content.decode()

    assert (
        f'<a id="message-{message.id}-reply" class="action reply" href="/m/{message.id}/reply" '
        f'hx-get="/m/{message.id}/reply" hx-target="#reply-bar" hx-swap="outerHTML">Reply</a>'
    ) in html
    assert (
        f'<a id="message-{message.id}-link" class="action copy-link" href="/m/{message.id}/">'
        "Copy link</a>"
    ) in html
