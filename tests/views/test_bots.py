"""Bots over HTTP (``chat.views.bots``): ``POST /bots/messages`` and
``/bots/<token>/messages``, and how a bot's messages show in its room."""

from __future__ import annotations

import json
import re

import pytest
from channels.db import database_sync_to_async
from django.test import Client

from chat.bots import services as bots
from chat.models import Message
from tests.support.bots import make_bot
from tests.support.messages import say

pytestmark = pytest.mark.django_db

UNKNOWN_BOT = {"error": "This bot token is not valid, or its bot was revoked."}


def post_as_bot(token: str, body: str, client: Client | None = None):
    return (client or Client()).post(f"/bots/{token}/messages", {"body": body})


def post_json(token: str, raw: str, client: Client | None = None):
    return (client or Client()).post(
        f"/bots/{token}/messages", raw, content_type="application/json"
    )


# --- posting with a token ------------------------------------------------------------------


def test_a_bot_posts_a_form_and_gets_201_with_the_messages_id_and_url(alice, lunch):
    bot, token = make_bot(lunch, alice)

    response = post_as_bot(token, "hello from a form")

    message = Message.objects.get()
    assert response.status_code == 201
    assert response.json() == {
        "id": message.id,
        "url": f"http://testserver/r/lunch/#message-{message.id}",
    }
    assert (message.author, message.body) == (bot.user, "hello from a form")


def test_a_bot_posts_json(alice, lunch):
    bot, token = make_bot(lunch, alice)

    response = post_json(token, json.dumps({"body": "hello from JSON"}))

    assert response.status_code == 201
    assert Message.objects.get(pk=response.json()["id"]).author == bot.user
    assert Message.objects.get().body == "hello from JSON"


@pytest.mark.django_db(transaction=True)
async def test_a_bots_message_reaches_the_rooms_sockets(open_socket, alice, lunch):
    bot, token = await database_sync_to_async(make_bot)(lunch, alice)
    socket = await open_socket("/ws/r/lunch/", alice)

    response = await database_sync_to_async(post_as_bot)(token, "hello, sockets")

    assert response.status_code == 201
    frame = await socket.receive_from(3)
    assert f'data-author="{bot.user.pk}" data-bot' in frame
    assert "hello, sockets" in frame


NOT_JSON = 'Send a JSON object such as {"body": "hello"}.'
TOO_LONG = "Messages are at most 4,000 characters (this one has 4,001)."


@pytest.mark.parametrize(
    ("send", "error"),
    [
        (lambda token: post_as_bot(token, ""), "Write something before sending."),
        (lambda token: post_as_bot(token, "x" * 4001), TOO_LONG),
        (lambda token: post_json(token, '{"body": 5}'), "Write something before sending."),
        (lambda token: post_json(token, "[1, 2]"), NOT_JSON),
        (lambda token: post_json(token, "{body: hello"), NOT_JSON),
    ],
    ids=["empty", "too-long", "not-a-string", "not-an-object", "not-json"],
)
def test_an_invalid_body_is_answered_400_in_json(alice, lunch, send, error):
    _bot, token = make_bot(lunch, alice)

    response = send(token)

    assert response.status_code == 400
    assert response.json() == {"error": error}
    assert not Message.objects.exists()


def test_a_bot_may_send_its_token_in_an_authorization_header(alice, lunch):
    bot, token = make_bot(lunch, alice)

    response = Client().post(
        "/bots/messages", {"body": "from a header"}, headers={"Authorization": f"Bearer {token}"}
    )

    assert response.status_code == 201
    assert (Message.objects.get().author, Message.objects.get().body) == (bot.user, "from a header")


@pytest.mark.parametrize("authorization", [None, "Bearer ", "Bearer not-the-token", "Basic x"])
def test_the_header_form_without_the_right_bearer_token_is_answered_403(
    alice, lunch, authorization
):
    make_bot(lunch, alice)
    headers = {"Authorization": authorization} if authorization else {}

    response = Client().post("/bots/messages", {"body": "let me in"}, headers=headers)

    assert response.status_code == 403
    assert response.json() == UNKNOWN_BOT
    assert not Message.objects.exists()


def test_a_wrong_token_is_answered_403_and_stores_nothing(alice, lunch):
    make_bot(lunch, alice)

    response = post_as_bot("not-the-token", "let me in")

    assert response.status_code == 403
    assert response.json() == UNKNOWN_BOT
    assert not Message.objects.exists()


def test_a_wrong_token_is_refused_before_the_body_is_judged(alice, lunch):
    make_bot(lunch, alice)

    response = post_json("not-the-token", "not json")

    assert response.status_code == 403
    assert response.json() == UNKNOWN_BOT


def test_a_revoked_token_is_answered_403_and_stores_nothing(alice, lunch):
    bot, token = make_bot(lunch, alice)
    bots.revoke_bot(lunch, alice, bot.pk)

    response = post_as_bot(token, "still here?")

    assert response.status_code == 403
    assert response.json() == UNKNOWN_BOT
    assert not Message.objects.exists()


def test_a_bots_21st_post_in_10_seconds_is_answered_429_with_retry_after(alice, lunch):
    _bot, token = make_bot(lunch, alice)
    for n in range(20):
        assert post_as_bot(token, f"tick {n}").status_code == 201

    response = post_as_bot(token, "one too many")

    assert response.status_code == 429
    assert response.json()["error"].startswith("You are sending messages too fast. Wait ")
    assert re.fullmatch(r"\d+", response["Retry-After"])
    assert Message.objects.count() == 20


def test_posting_as_a_bot_needs_no_csrf_token(alice, lunch):
    _bot, token = make_bot(lunch, alice)

    response = post_as_bot(token, "no cookies here", Client(enforce_csrf_checks=True))

    assert response.status_code == 201


def test_a_session_cookie_does_not_make_a_wrong_token_pass(login, alice, lunch):
    make_bot(lunch, alice)
    signed_in = login(alice)

    response = post_as_bot("not-the-token", "it is me, alice", signed_in)

    assert response.status_code == 403
    assert not Message.objects.exists()


def test_a_session_cookie_does_not_change_who_posts(login, alice, lunch):
    bot, token = make_bot(lunch, alice)

    post_as_bot(token, "who am I?", login(alice))

    assert Message.objects.get().author == bot.user


# --- bots in the room -----------------------------------------------------------------------


def test_a_bots_article_is_marked_with_data_bot_and_a_badge(login, alice, lunch):
    bot, token = make_bot(lunch, alice)
    bots.bot_post(token, {"body": "beep"})
    say(lunch, alice, "boop")

    html = login(alice).get("/r/lunch/").content.decode()

    assert f'data-author="{bot.user.pk}" data-bot data-revision=' in html
    assert (
        'aria-hidden="true">H</span>'
        '<a class="author name" href="/u/helper/" title="@helper">helper</a></span> '
        '<span class="badge bot" title="A bot: it posts through its token">bot</span> <time'
    ) in html
    assert f'data-author="{alice.pk}" data-revision=' in html
    assert html.count("data-bot") == 1


def test_the_members_list_marks_the_bot_and_offers_no_conversation(login, alice, lunch):
    make_bot(lunch, alice)

    html = login(alice).get("/r/lunch/").content.decode()

    assert (
        '<a class="author name" href="/u/helper/" title="@helper">helper</a></span> '
        '<span class="badge bot">bot</span>'
    ) in html
    assert 'href="/p/helper/"' not in html
    assert '<a class="author name" href="/u/alice/" title="@alice">alice</a></span><span' in html


def test_the_room_page_asks_no_query_per_bots_message(
    login, alice, lunch, django_assert_max_num_queries
):
    _bot, token = make_bot(lunch, alice)
    client = login(alice)
    bots.bot_post(token, {"body": "one"})
    client.get("/r/lunch/")
    with django_assert_max_num_queries(100) as one:
        client.get("/r/lunch/")
    for n in range(5):
        bots.bot_post(token, {"body": f"more {n}"})

    with django_assert_max_num_queries(len(one.captured_queries)):
        client.get("/r/lunch/")
