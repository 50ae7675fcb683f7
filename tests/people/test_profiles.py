"""Profiles (``chat.people.profiles``): the limit on changes, who sees what on a profile page,
the name shown wherever a person appears, and how a change reaches the pages already open."""

from __future__ import annotations

import json

import pytest
from channels.db import database_sync_to_async

from chat.bots import services as bots
from chat.broadcast import frames as rendering
from chat.broadcast import notifications
from chat.broadcast.typists import Typist
from chat.errors import NotFound, TooFast
from chat.limits import PROFILE_CHANGES_PER_HOUR
from chat.messages import posting as messages
from chat.people import profiles
from chat.rooms import services as rooms
from tests.support.joining import ajoin
from tests.support.messages import say
from tests.support.profiles import edit

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_root")]

HOSTILE = "<img src=x onerror=alert(1)>\"'"
TIMEOUT = 3


# --- limits ------------------------------------------------------------------------------


def test_profile_changes_are_limited_per_person(alice, bob):
    for _ in range(PROFILE_CHANGES_PER_HOUR):
        edit(alice, bio="again")

    with pytest.raises(TooFast) as refusal:
        edit(alice, bio="once more")

    assert refusal.value.message.startswith("You have changed your profile many times")
    edit(bob, bio="mine is fine")


# --- who sees what -----------------------------------------------------------------------


def test_a_profile_page_offers_a_conversation(alice, bob):
    page = profiles.person_page(alice, "bob")

    assert page.message_url == "/p/bob/"
    assert not page.is_me


def test_my_own_profile_page_offers_no_conversation(alice):
    page = profiles.person_page(alice, "alice")

    assert page.message_url is None
    assert page.is_me


def test_a_bots_profile_page_offers_no_conversation(alice, lunch):
    bots.create_bot(lunch, alice, {"name": "helper"})

    page = profiles.person_page(alice, "helper")

    assert page.profile.is_bot
    assert page.message_url is None


def test_nobody_of_that_name_is_not_found(alice):
    with pytest.raises(NotFound) as refusal:
        profiles.person_page(alice, "nobody")

    assert refusal.value.message == "There is nobody called “nobody” here."


def test_a_notification_is_titled_with_the_display_name(alice, bob):
    edit(alice, display_name="Ada Lovelace")
    alice.refresh_from_db()
    room = rooms.open_direct_room(alice, bob)
    message = say(room, alice, "hello")[0]

    assert 'data-title="Ada Lovelace"' in notifications.frame(message, message.author)


def test_a_resume_renders_old_messages_under_the_current_name(alice, lunch):
    say(lunch, alice, "said before")
    edit(alice, display_name="Ada")

    missed = messages.catch_up(lunch, after_id=0, cursor=0).messages

    assert 'title="@alice">Ada</a>' in rendering.new_messages_frame(missed)


def test_a_typing_line_escapes_the_name():
    html = rendering.typing_frame([Typist(1, HOSTILE, 0.0)])

    assert HOSTILE not in html
    assert "&lt;img src=x onerror=alert(1)&gt;&quot;&#x27; is typing…" in html


# --- live ----------------------------------------------------------------------------------


async def next_frame(socket, prefix: str) -> str:
    while True:
        html = await socket.receive_from(TIMEOUT)
        if html.startswith(prefix):
            return html


@pytest.mark.django_db(transaction=True)
async def test_a_new_name_reaches_the_members_list_of_open_pages(open_socket, alice, bob, lunch):
    await ajoin(bob, "lunch")
    bob_socket = await open_socket("/ws/r/lunch/", bob)

    await database_sync_to_async(edit)(alice, display_name="Ada Lovelace")

    members = await next_frame(bob_socket, '<div id="members"')
    assert '<a class="author name" href="/u/alice/" title="@alice">Ada Lovelace</a>' in members


@pytest.mark.django_db(transaction=True)
async def test_a_new_name_reaches_every_copy_of_the_person_on_open_pages(
    open_socket, alice, bob, lunch
):
    await ajoin(bob, "lunch")
    bob_socket = await open_socket("/ws/r/lunch/", bob)

    await database_sync_to_async(edit)(alice, display_name="Ada Lovelace")

    # After the members list (which holds one copy, so the frame always finds a target):
    # her byline, for every element of the page marked as hers, old messages included.
    await next_frame(bob_socket, '<div id="members"')
    byline = await bob_socket.receive_from(3)
    assert byline.startswith(
        f'<span class="byline" data-author-of="{alice.pk}" '
        f"hx-swap-oob=\"outerHTML:.byline[data-author-of='{alice.pk}']\">"
    )
    assert '<a class="author name" href="/u/alice/" title="@alice">Ada Lovelace</a>' in byline


@pytest.mark.django_db(transaction=True)
async def test_an_open_socket_types_and_posts_under_the_new_name(open_socket, alice, bob, lunch):
    await ajoin(bob, "lunch")
    alice_socket = await open_socket("/ws/r/lunch/", alice)
    bob_socket = await open_socket("/ws/r/lunch/", bob)
    await database_sync_to_async(edit)(alice, display_name="Ada Lovelace")
    await next_frame(alice_socket, '<div id="members"')  # her socket has seen the change

    await alice_socket.send_to(text_data=json.dumps({"type": "typing"}))
    typing = await next_frame(bob_socket, '<div id="typing"')
    await alice_socket.send_to(text_data=json.dumps({"body": "hello"}))
    message = await next_frame(bob_socket, '<div id="messages"')

    assert "Ada Lovelace is typing…" in typing
    assert 'title="@alice">Ada Lovelace</a>' in message
