"""A mentioned bot's outgoing hook (``chat.bots.webhooks``) against a real local HTTP server:
what it is told, its answer posted as the bot, the answers ignored, and what calls no hook."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from channels.db import database_sync_to_async

from chat import fetching
from chat.bots import services as bots
from chat.bots import webhooks as hooks
from chat.models import Message
from chat.rooms import services as rooms
from tests.support import hook_pool
from tests.support.bots import bot_messages, make_bot, mention
from tests.support.hook_server import WAIT, answer_json, send
from tests.support.messages import say

pytestmark = pytest.mark.usefixtures("hooks_finish")


def warnings_of(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "chat.bots.services"]


@pytest.mark.django_db(transaction=True)
def test_a_mentioned_bots_hook_is_told_of_the_message(alice, lunch, hook_server):
    hook_server.answer = lambda handler: send(handler, 204)
    make_bot(lunch, alice, outgoing_url=hook_server.url)

    posted = mention(lunch, alice, "@helper what is for lunch?")

    assert hook_pool.wait_idle(WAIT)
    [call] = hook_server.calls
    assert call.path == "/hook"
    assert call.headers["Content-Type"] == "application/json"
    assert call.headers["Host"] == hook_server.url.split("/")[2]
    assert call.json == {
        "message": {
            "id": posted.message.id,
            "body": "@helper what is for lunch?",
            "author": "alice",
            "room": {"slug": "lunch", "title": "Lunch"},
            "url": f"/r/lunch/#message-{posted.message.id}",
        },
        "bot": {"name": "helper"},
    }


@pytest.mark.django_db(transaction=True)
def test_a_hook_can_check_the_call_is_the_chats_with_the_bots_token(alice, lunch, hook_server):
    hook_server.answer = lambda handler: send(handler, 204)
    _bot, token = make_bot(lunch, alice, outgoing_url=hook_server.url)

    mention(lunch, alice, "@helper signed?")

    assert hook_pool.wait_idle(WAIT)
    [call] = hook_server.calls
    # What the README tells a hook's author to compute, from the token alone.
    key = hashlib.sha256(token.encode()).hexdigest().encode()
    expected = "sha256=" + hmac.new(key, call.body, hashlib.sha256).hexdigest()
    assert call.headers["X-Chat-Signature"] == expected


@pytest.mark.django_db(transaction=True)
def test_a_hooks_json_answer_is_posted_as_the_bot_without_holding_up_the_post(
    alice, lunch, hook_server
):
    hook_server.answer = answer_json({"body": "soup, @alice"}, wait=True)
    bot, _token = make_bot(lunch, alice, outgoing_url=hook_server.url)

    # The server answers only once released, after posting returned: had the post waited
    # for the hook, it would have waited out the whole 5 s and the answer would be lost.
    mention(lunch, alice, "@helper what is for lunch?")
    assert hook_server.arrived.wait(WAIT)
    assert bot_messages(bot) == []
    hook_server.release.set()

    assert hook_pool.wait_idle(WAIT)
    assert bot_messages(bot) == ["soup, @alice"]


@pytest.mark.django_db(transaction=True)
def test_a_hooks_plain_text_answer_is_posted_as_the_bot(alice, lunch, hook_server):
    hook_server.answer = lambda handler: send(
        handler, 200, b"soup again", Content_Type="text/plain; charset=utf-8"
    )
    bot, _token = make_bot(lunch, alice, outgoing_url=hook_server.url)

    mention(lunch, alice, "@helper and tomorrow?")

    assert hook_pool.wait_idle(WAIT)
    assert bot_messages(bot) == ["soup again"]


@pytest.mark.django_db(transaction=True)
def test_a_hooks_empty_answer_posts_nothing_and_logs_nothing(alice, lunch, hook_server, caplog):
    hook_server.answer = lambda handler: send(handler, 200, Content_Type="text/plain")
    bot, _token = make_bot(lunch, alice, outgoing_url=hook_server.url)

    mention(lunch, alice, "@helper fyi")

    assert hook_pool.wait_idle(WAIT)
    assert bot_messages(bot) == []
    assert warnings_of(caplog) == []


@pytest.mark.django_db(transaction=True)
def test_a_hook_that_times_out_is_ignored_without_blocking_the_post(
    alice, lunch, hook_server, caplog, monkeypatch
):
    monkeypatch.setattr(hooks, "TIMEOUT_SECONDS", 0.5)
    hook_server.answer = answer_json({"body": "too late"}, wait=True)  # released at teardown
    bot, _token = make_bot(lunch, alice, outgoing_url=hook_server.url)

    mention(lunch, alice, "@helper are you there?")
    [call] = hook_pool.in_flight()
    assert not call.done()  # the post returned while its hook is still out
    assert hook_server.arrived.wait(WAIT)

    assert hook_pool.wait_idle(WAIT)
    assert bot_messages(bot) == []
    assert warnings_of(caplog) == [
        "bot helper: its hook at 127.0.0.1 failed: no complete answer within 0.5 s"
    ]


@pytest.mark.django_db(transaction=True)
def test_a_hook_answering_500_is_ignored(alice, lunch, hook_server, caplog):
    hook_server.answer = lambda handler: send(
        handler, 500, b'{"body": "oops"}', Content_Type="application/json"
    )
    bot, _token = make_bot(lunch, alice, outgoing_url=hook_server.url)

    mention(lunch, alice, "@helper hello")

    assert hook_pool.wait_idle(WAIT)
    assert bot_messages(bot) == []
    assert warnings_of(caplog) == ["bot helper: its hook at 127.0.0.1 failed: answered 500"]


@pytest.mark.django_db(transaction=True)
def test_a_hooks_redirect_is_not_followed(alice, lunch, hook_server, caplog):
    def redirect_once(handler) -> None:
        if handler.path == "/hook":
            send(handler, 307, Location="/elsewhere")
        else:
            send(handler, 200, b'{"body": "followed"}', Content_Type="application/json")

    hook_server.answer = redirect_once
    bot, _token = make_bot(lunch, alice, outgoing_url=hook_server.url)

    mention(lunch, alice, "@helper hello")

    assert hook_pool.wait_idle(WAIT)
    assert [call.path for call in hook_server.calls] == ["/hook"]
    assert bot_messages(bot) == []
    assert warnings_of(caplog) == [
        "bot helper: its hook at 127.0.0.1 failed: answered 307; redirects are not followed"
    ]


@pytest.mark.django_db(transaction=True)
def test_a_hooks_answer_over_64_kb_is_ignored(alice, lunch, hook_server, caplog):
    hook_server.answer = lambda handler: send(
        handler, 200, b"x" * (64 * 1024 + 1), Content_Type="text/plain"
    )
    bot, _token = make_bot(lunch, alice, outgoing_url=hook_server.url)

    mention(lunch, alice, "@helper say a lot")

    assert hook_pool.wait_idle(WAIT)
    assert bot_messages(bot) == []
    assert warnings_of(caplog) == [
        "bot helper: its hook at 127.0.0.1 failed: the answer is larger than 64 kB"
    ]


@pytest.mark.django_db(transaction=True)
def test_a_hooks_json_answer_without_a_body_is_ignored(alice, lunch, hook_server, caplog):
    hook_server.answer = answer_json({"text": "wrong key"})
    bot, _token = make_bot(lunch, alice, outgoing_url=hook_server.url)

    mention(lunch, alice, "@helper hello")

    assert hook_pool.wait_idle(WAIT)
    assert bot_messages(bot) == []
    assert warnings_of(caplog) == [
        'bot helper: its hook at 127.0.0.1 failed: the JSON answer has no "body" string'
    ]


@pytest.mark.django_db(transaction=True)
def test_a_hooks_answer_keeps_to_the_bots_posting_limit(alice, lunch, hook_server, caplog):
    hook_server.answer = answer_json({"body": "one more"})
    bot, token = make_bot(lunch, alice, outgoing_url=hook_server.url)
    for n in range(20):
        bots.bot_post(token, {"body": f"tick {n}"})

    mention(lunch, alice, "@helper slow down")

    assert hook_pool.wait_idle(WAIT)
    assert len(bot_messages(bot)) == 20
    [warning] = warnings_of(caplog)
    assert warning.startswith(
        "bot helper: its hook's answer was not posted: You are sending messages too fast."
    )


@pytest.mark.django_db(transaction=True)
def test_a_hooks_answer_for_a_bot_revoked_meanwhile_is_not_posted(alice, lunch, hook_server):
    hook_server.answer = answer_json({"body": "I am back"}, wait=True)
    bot, _token = make_bot(lunch, alice, outgoing_url=hook_server.url)

    mention(lunch, alice, "@helper hi")
    assert hook_server.arrived.wait(WAIT)
    bots.revoke_bot(lunch, alice, bot.pk)
    hook_server.release.set()

    assert hook_pool.wait_idle(WAIT)
    assert bot_messages(bot) == []


@pytest.mark.django_db(transaction=True)
def test_a_bots_own_message_calls_no_hook(alice, lunch, hook_server):
    _bot, token = make_bot(lunch, alice, outgoing_url=hook_server.url)

    bots.bot_post(token, {"body": "I am @helper, talking to myself"})

    assert hook_pool.in_flight() == []  # nothing was handed to the pool
    assert hook_server.calls == []


@pytest.mark.django_db(transaction=True)
def test_a_hooks_answer_calls_no_hook_so_two_bots_cannot_talk_for_ever(alice, lunch, hook_server):
    hook_server.answer = answer_json({"body": "over to you, @second"})
    make_bot(lunch, alice, "first", outgoing_url=hook_server.url)
    second, _token = make_bot(lunch, alice, "second", outgoing_url=hook_server.url)

    mention(lunch, alice, "@first start")

    assert hook_pool.wait_idle(WAIT)
    assert [call.json["bot"]["name"] for call in hook_server.calls] == ["first"]
    assert Message.objects.filter(body="over to you, @second", mentions__user=second.user).exists()


@pytest.mark.django_db(transaction=True)
def test_a_revoked_bots_hook_is_not_called(alice, lunch, hook_server):
    bot, _token = make_bot(lunch, alice, outgoing_url=hook_server.url)
    bots.revoke_bot(lunch, alice, bot.pk)

    mention(lunch, alice, "@helper are you gone?")

    assert hook_pool.in_flight() == []
    assert hook_server.calls == []


@pytest.mark.django_db(transaction=True)
def test_a_bot_named_outside_its_room_is_not_called(alice, lunch, hook_server):
    bot, _token = make_bot(lunch, alice, outgoing_url=hook_server.url)
    # No page leads there (a bot has no conversations), but the services would post it.
    say(rooms.open_direct_room(alice, bot.user), alice, "@helper psst")

    assert hook_pool.in_flight() == []
    assert hook_server.calls == []


@pytest.mark.django_db(transaction=True)
def test_a_message_naming_nobody_calls_no_hook(alice, lunch, hook_server):
    make_bot(lunch, alice, outgoing_url=hook_server.url)

    say(lunch, alice, "helper is a bot, but nobody mentions it")

    assert hook_pool.in_flight() == []
    assert hook_server.calls == []


@pytest.mark.django_db(transaction=True)
def test_the_hook_connects_to_the_vetted_address_with_the_names_host_header(
    alice, lunch, hook_server, monkeypatch
):
    # A rebinding name would answer differently the second time: there is no second time.
    port = hook_server.url.split(":")[2].split("/")[0]
    looked_up = []
    monkeypatch.setattr(
        fetching, "resolve", lambda host, port: looked_up.append(host) or ["127.0.0.1"]
    )
    hook_server.answer = lambda handler: send(handler, 204)
    make_bot(lunch, alice, outgoing_url=f"http://bot.example:{port}/hook")

    mention(lunch, alice, "@helper hi")

    assert hook_pool.wait_idle(WAIT)
    assert looked_up == ["bot.example"]
    assert [call.headers["Host"] for call in hook_server.calls] == [f"bot.example:{port}"]


@pytest.mark.django_db(transaction=True)
async def test_a_hooks_answer_reaches_the_rooms_sockets(open_socket, alice, lunch, hook_server):
    hook_server.answer = answer_json({"body": "pong"})
    bot, _token = await database_sync_to_async(make_bot)(lunch, alice, outgoing_url=hook_server.url)
    socket = await open_socket("/ws/r/lunch/", alice)

    await socket.send_to(text_data=json.dumps({"body": "@helper ping"}))

    frames = []
    while not any("pong" in frame for frame in frames):
        frames.append(await socket.receive_from(WAIT))
    [answer] = [frame for frame in frames if "pong" in frame]
    assert f'data-author="{bot.user.pk}" data-bot' in answer
    assert await database_sync_to_async(hook_pool.wait_idle)(WAIT)
