"""Bots (``chat.bots``) and their outgoing hooks (``chat.hooks``): making and revoking them,
posting as a bot under everyone's rules, the URL guard, and hooks against a real local
HTTP server."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import socketserver
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from channels.db import database_sync_to_async
from django.conf import settings as django_settings
from django.core.cache import cache

from chat import bots, hooks, messages, rendering, rooms, staff
from chat.errors import Forbidden, Invalid, NotFound, TooFast
from chat.forms import SignupForm
from chat.models import Bot, Membership, Message, Room
from tests.conftest import say

WAIT = 5


@pytest.fixture(autouse=True)
def hooks_finish() -> Iterator[None]:
    """No hook call outlives its test (it would reach the next test's database)."""
    yield
    assert hooks.wait_idle(10), "a hook call was still running"


def make_bot(room: Room, creator, name: str = "helper", **fields: str) -> tuple[Bot, str]:
    """A bot made through the service, past the bot-creation limit."""
    bot, token = bots.create_bot(room, creator, {"name": name, **fields})
    cache.clear()
    return bot, token


def bot_messages(bot: Bot) -> list[str]:
    return list(
        Message.objects.filter(author=bot.user).order_by("id").values_list("body", flat=True)
    )


# --- making a bot ------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_new_bots_token_is_returned_once_and_only_its_hash_is_stored(alice, lunch):
    bot, token = make_bot(lunch, alice)

    assert len(token) == 43  # secrets.token_urlsafe(32)
    assert Bot.objects.get(pk=bot.pk).token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(Bot.objects.filter(pk=bot.pk).values().get())


@pytest.mark.django_db
def test_a_bot_is_an_account_of_its_own_that_cannot_sign_in(alice, lunch):
    bot, _token = make_bot(lunch, alice)

    assert bot.user.username == "helper"
    assert bot.user.profile.is_bot is True
    assert not bot.user.has_usable_password()


@pytest.mark.django_db
def test_a_bot_is_a_member_of_its_room(alice, lunch):
    bot, _token = make_bot(lunch, alice)

    assert Membership.objects.filter(room=lunch, user=bot.user).exists()
    assert bot.created_by == alice


@pytest.mark.django_db
def test_a_member_of_a_private_room_makes_a_bot_for_it(alice, secret):
    bot, _token = make_bot(secret, alice)

    assert bot.room == secret


@pytest.mark.django_db
def test_the_avatar_letter_defaults_to_the_names_first_letter_upper_cased(alice, lunch):
    bot, _token = make_bot(lunch, alice, "weatherbot")

    assert bot.avatar_letter == "W"


@pytest.mark.django_db
def test_a_chosen_avatar_is_kept(alice, lunch):
    bot, _token = make_bot(lunch, alice, avatar_letter="🤖")

    assert bot.avatar_letter == "🤖"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "letter", ["abc", "A\u200b", "\u3164"], ids=["three", "zero-width", "filler"]
)
def test_an_avatar_is_one_or_two_visible_characters(alice, lunch, letter):
    with pytest.raises(Invalid) as refused:
        make_bot(lunch, alice, avatar_letter=letter)

    assert refused.value.message == "The avatar is one or two visible characters."


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "error"),
    [
        ("", "Give the bot a name."),
        ("..", "A username needs at least one letter or digit."),
        (
            "two words",
            "Enter a valid username. This value may contain only letters, numbers, "
            "and @/./+/-/_ characters.",
        ),
        ("bob", "“bob” is taken: pick another name."),
        ("BOB", "“BOB” is taken: pick another name."),
        (
            "b\u043eb",
            "“b\u043eb” looks too much like “bob”, who is already here: pick another name.",
        ),
    ],
    ids=["empty", "dots", "space", "taken", "taken-case", "lookalike"],
)
def test_a_bots_name_follows_the_username_rules(alice, bob, lunch, name, error):
    with pytest.raises(Invalid) as refused:
        make_bot(lunch, alice, name)

    assert refused.value.message == error
    assert not Bot.objects.exists()


@pytest.mark.django_db
def test_nobody_can_sign_up_as_a_lookalike_of_a_bot(alice, lunch):
    make_bot(lunch, alice, "helper")

    form = SignupForm({"username": "HELPER", "password1": "x8#kQ!v2Lm", "password2": "x8#kQ!v2Lm"})

    assert not form.is_valid()


CANNOT = "This address cannot be called: "


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("ftp://example.org/hook", CANNOT + "only http and https URLs are called."),
        ("http://127.0.0.1:9000/hook", CANNOT + "the address is on a private network."),
        ("http://[::1]/hook", CANNOT + "the address is on a private network."),
        ("https://me:pw@example.org/", CANNOT + "the URL may not hold a user name or password."),
        ("javascript:alert(1)", "Enter a whole address, starting with https:// or http://."),
    ],
    ids=["ftp", "loopback", "loopback-v6", "credentials", "javascript"],
)
def test_an_outgoing_url_that_could_never_be_called_is_refused(alice, lunch, url, error):
    with pytest.raises(Invalid) as refused:
        make_bot(lunch, alice, outgoing_url=url)

    assert refused.value.message == error


@pytest.mark.django_db
def test_a_private_outgoing_url_is_allowed_with_the_setting(alice, lunch, settings):
    settings.CHAT_BOTS_ALLOW_PRIVATE_URLS = True

    bot, _token = make_bot(lunch, alice, outgoing_url="http://127.0.0.1:9000/hook")

    assert bot.outgoing_url == "http://127.0.0.1:9000/hook"


@pytest.mark.django_db
def test_only_a_member_makes_a_bot(alice, bob, lunch):
    with pytest.raises(NotFound) as refused:
        make_bot(lunch, bob)

    assert refused.value.message == "You are not a member of this room: open it once to join."
    assert not Bot.objects.exists()


@pytest.mark.django_db
def test_a_direct_conversation_has_no_bots(alice, bob):
    room = rooms.open_direct_room(alice, bob)

    with pytest.raises(NotFound) as refused:
        make_bot(room, alice)

    assert refused.value.message == "Only group rooms have bots."


@pytest.mark.django_db
def test_nobody_opens_a_direct_conversation_with_a_bot(alice, lunch, login):
    make_bot(lunch, alice)

    with pytest.raises(NotFound) as refused:
        rooms.person("helper")
    response = login(alice).get("/p/helper/")

    message = "helper is a bot: it answers in its own room, not in direct messages."
    assert refused.value.message == message
    assert response.status_code == 404
    assert not Room.objects.filter(kind=Room.Kind.DIRECT).exists()


@pytest.mark.django_db
def test_a_bot_cannot_be_added_to_another_room(alice, lunch, secret):
    make_bot(lunch, alice)

    with pytest.raises(Invalid) as refused:
        rooms.add_member(secret, alice, {"username": "helper"})

    assert refused.value.message == (
        "helper is a bot of another room: bots belong to the room they were made for."
    )
    assert not Membership.objects.filter(room=secret, user__username="helper").exists()


@pytest.mark.django_db
def test_the_11th_bot_in_an_hour_is_refused(alice, lunch):
    assert django_settings.CHAT_ROOMS_PER_PERSON_PER_HOUR == 10
    for n in range(10):
        bots.create_bot(lunch, alice, {"name": f"bot{n}"})

    with pytest.raises(TooFast) as refused:
        bots.create_bot(lunch, alice, {"name": "one-too-many"})

    assert refused.value.message.startswith(
        "You have created many bots in a short time. Try again in "
    )
    assert Bot.objects.count() == 10


# --- revoking --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_member_revokes_a_bot_and_it_leaves_the_members_list(alice, bob, lunch):
    rooms.enter_room(bob, "lunch")
    bot, _token = make_bot(lunch, alice)

    bots.revoke_bot(lunch, bob, bot.pk)

    assert Bot.objects.get(pk=bot.pk).revoked_at is not None
    assert not Membership.objects.filter(room=lunch, user=bot.user).exists()


@pytest.mark.django_db
def test_a_revoked_bot_posts_nothing(alice, lunch):
    bot, token = make_bot(lunch, alice)
    bots.revoke_bot(lunch, alice, bot.pk)

    with pytest.raises(Forbidden) as refused:
        bots.bot_post(token, {"body": "still here?"})

    assert refused.value.message == "This bot token is not valid, or its bot was revoked."
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_a_revoked_bot_stays_shown_on_its_old_messages(alice, lunch):
    bot, token = make_bot(lunch, alice)
    posted = bots.bot_post(token, {"body": "before"})
    bots.revoke_bot(lunch, alice, bot.pk)

    message = Message.objects.for_room(lunch).get(pk=posted.message.id)

    assert '<a class="author name" href="/u/helper/" title="@helper">helper</a>' in (
        rendering.message_article(message)
    )


@pytest.mark.django_db
def test_only_a_member_revokes_a_bot(alice, bob, lunch):
    bot, _token = make_bot(lunch, alice)

    with pytest.raises(NotFound):
        bots.revoke_bot(lunch, bob, bot.pk)

    assert Bot.objects.get(pk=bot.pk).revoked_at is None


@pytest.mark.django_db
def test_a_bot_of_another_room_cannot_be_revoked_from_here(alice, lunch, secret):
    bot, _token = make_bot(secret, alice)

    with pytest.raises(NotFound) as refused:
        bots.revoke_bot(lunch, alice, bot.pk)

    assert refused.value.message == "There is no such bot in this room."


# --- posting as a bot ----------------------------------------------------------------------


@pytest.mark.django_db
def test_a_bot_posts_as_its_own_account(alice, lunch):
    bot, token = make_bot(lunch, alice)

    posted = bots.bot_post(token, {"body": "hello, room"})

    assert posted.message.author == bot.user
    assert posted.message.room == lunch
    assert bot_messages(bot) == ["hello, room"]


@pytest.mark.django_db
def test_a_bots_message_is_rendered_once_marked_as_a_bots(alice, lunch):
    bot, token = make_bot(lunch, alice)

    posted = bots.bot_post(token, {"body": "hello"})

    assert f'data-author="{bot.user.pk}" data-bot data-revision=' in posted.frame
    assert (
        '<span class="badge bot" title="A bot: it posts through its token">bot</span>'
        in posted.frame
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "Write something before sending."),
        ("\u200b", "Write something before sending."),
        ("x" * 4001, "Messages are at most 4,000 characters (this one has 4,001)."),
    ],
    ids=["empty", "invisible", "too-long"],
)
def test_a_bots_post_is_validated_like_anyones(alice, lunch, body, error):
    _bot, token = make_bot(lunch, alice)

    with pytest.raises(Invalid) as refused:
        bots.bot_post(token, {"body": body})

    assert refused.value.message == error
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_a_bots_21st_post_in_10_seconds_is_refused(alice, lunch):
    bot, token = make_bot(lunch, alice)
    for n in range(20):
        bots.bot_post(token, {"body": f"tick {n}"})

    with pytest.raises(TooFast) as refused:
        bots.bot_post(token, {"body": "one too many"})

    assert refused.value.message.startswith("You are sending messages too fast. Wait ")
    assert len(bot_messages(bot)) == 20


@pytest.mark.django_db
def test_a_wrong_token_posts_nothing(alice, lunch):
    make_bot(lunch, alice)

    with pytest.raises(Forbidden) as refused:
        bots.bot_post("not-a-token", {"body": "hi"})

    assert refused.value.message == "This bot token is not valid, or its bot was revoked."
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_a_bot_removed_from_its_private_room_posts_nothing(alice, secret):
    _bot, token = make_bot(secret, alice)
    rooms.remove_member(secret, alice, {"username": "helper"})

    with pytest.raises(Forbidden) as refused:
        bots.bot_post(token, {"body": "let me back in"})

    assert refused.value.message == "This bot is no longer a member of its room."
    assert not Message.objects.exists()


# --- the URL guard -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://[::1]/hook",
        "http://10.1.2.3/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://192.168.0.10/hook",
        "http://172.16.5.4/hook",
        "http://100.64.0.1/hook",
        "http://0.0.0.0/hook",
        "http://224.0.0.1/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[fe80::1]/hook",
        "http://[fd00::1]/hook",
    ],
    ids=[
        "loopback",
        "loopback-v6",
        "10",
        "link-local-metadata",
        "192.168",
        "172.16",
        "shared-100.64",
        "unspecified",
        "multicast",
        "v4-mapped-loopback",
        "link-local-v6",
        "unique-local-v6",
    ],
)
def test_the_guard_refuses_addresses_on_private_networks(url):
    with pytest.raises(hooks.Unsafe) as refused:
        hooks.vet(url)

    assert "on a private network" in str(refused.value)


def test_the_guard_refuses_a_name_that_resolves_to_loopback(monkeypatch):
    monkeypatch.setattr(hooks, "resolve", lambda host, port: ["127.0.0.1"])

    with pytest.raises(hooks.Unsafe) as refused:
        hooks.vet("https://hook.example/ping")

    assert str(refused.value) == "hook.example resolves to 127.0.0.1, on a private network"


def test_the_guard_refuses_a_name_with_any_private_address(monkeypatch):
    monkeypatch.setattr(hooks, "resolve", lambda host, port: ["93.184.215.14", "10.0.0.7"])

    with pytest.raises(hooks.Unsafe) as refused:
        hooks.vet("https://hook.example/ping")

    assert str(refused.value) == "hook.example resolves to 10.0.0.7, on a private network"


@pytest.mark.parametrize(
    "url", ["ftp://example.org/x", "file:///etc/passwd", "gopher://example.org/"], ids=str
)
def test_the_guard_refuses_other_schemes(url):
    with pytest.raises(hooks.Unsafe) as refused:
        hooks.vet(url)

    assert str(refused.value) == "only http and https URLs are called"


def test_the_guard_lets_a_public_address_through_resolved_once(monkeypatch):
    looked_up = []
    monkeypatch.setattr(
        hooks, "resolve", lambda host, port: looked_up.append((host, port)) or ["93.184.215.14"]
    )

    target = hooks.vet("https://hook.example/ping?room=lunch")

    assert target == hooks.Target("https", "hook.example", 443, "/ping?room=lunch", "93.184.215.14")
    assert looked_up == [("hook.example", 443)]


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8000/hook", "http://[::1]:8000/hook", "http://10.1.2.3:8000/hook"]
)
def test_the_setting_lets_private_addresses_through(url, settings):
    settings.CHAT_BOTS_ALLOW_PRIVATE_URLS = True

    assert hooks.vet(url).port == 8000


def test_the_setting_does_not_let_other_schemes_through(settings):
    settings.CHAT_BOTS_ALLOW_PRIVATE_URLS = True

    with pytest.raises(hooks.Unsafe):
        hooks.vet("file:///etc/passwd")


# --- hooks, against a real local server ---------------------------------------------------------


@dataclass
class Call:
    """One request the hook server received."""

    path: str
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class HookServer:
    """An HTTP server on 127.0.0.1 that records each POST and answers as a test tells it.

    ``answer(handler)`` writes the response; ``arrived`` is set when a request is in, and
    a handler may wait on ``release`` before answering.
    """

    url: str = ""
    calls: list[Call] = field(default_factory=list)
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    answer: Callable[[BaseHTTPRequestHandler], None] = lambda handler: None


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes = b"", **headers: str) -> None:
    handler.send_response(status)
    for name, value in headers.items():
        handler.send_header(name.replace("_", "-"), value)
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def answer_json(body: dict, *, wait: bool = False) -> Callable:
    def answer(handler) -> None:
        if wait:
            handler.server.hook.release.wait(WAIT)
        send(handler, 200, json.dumps(body).encode(), Content_Type="application/json")

    return answer


@pytest.fixture
def hook_server(settings) -> Iterator[HookServer]:
    """A local hook server, and private addresses allowed so the chat may call it."""
    settings.CHAT_BOTS_ALLOW_PRIVATE_URLS = True
    hook = HookServer()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            hook.calls.append(Call(self.path, dict(self.headers), body))
            hook.arrived.set()
            hook.answer(self)

        def log_message(self, *args) -> None:  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.hook = hook
    hook.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield hook
    hook.release.set()  # whatever still waits answers now
    hooks.wait_idle(10)
    server.shutdown()
    server.server_close()


def mention(room: Room, author, body: str) -> messages.Posted:
    return messages.post_message(room, author, {"body": body})


def warnings_of(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "chat.bots"]


@pytest.mark.django_db(transaction=True)
def test_a_mentioned_bots_hook_is_told_of_the_message(alice, lunch, hook_server):
    hook_server.answer = lambda handler: send(handler, 204)
    make_bot(lunch, alice, outgoing_url=hook_server.url)

    posted = mention(lunch, alice, "@helper what is for lunch?")

    assert hooks.wait_idle(WAIT)
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

    assert hooks.wait_idle(WAIT)
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

    assert hooks.wait_idle(WAIT)
    assert bot_messages(bot) == ["soup, @alice"]


@pytest.mark.django_db(transaction=True)
def test_a_hooks_plain_text_answer_is_posted_as_the_bot(alice, lunch, hook_server):
    hook_server.answer = lambda handler: send(
        handler, 200, b"soup again", Content_Type="text/plain; charset=utf-8"
    )
    bot, _token = make_bot(lunch, alice, outgoing_url=hook_server.url)

    mention(lunch, alice, "@helper and tomorrow?")

    assert hooks.wait_idle(WAIT)
    assert bot_messages(bot) == ["soup again"]


@pytest.mark.django_db(transaction=True)
def test_a_hooks_empty_answer_posts_nothing_and_logs_nothing(alice, lunch, hook_server, caplog):
    hook_server.answer = lambda handler: send(handler, 200, Content_Type="text/plain")
    bot, _token = make_bot(lunch, alice, outgoing_url=hook_server.url)

    mention(lunch, alice, "@helper fyi")

    assert hooks.wait_idle(WAIT)
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
    [call] = hooks.in_flight()
    assert not call.done()  # the post returned while its hook is still out
    assert hook_server.arrived.wait(WAIT)

    assert hooks.wait_idle(WAIT)
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

    assert hooks.wait_idle(WAIT)
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

    assert hooks.wait_idle(WAIT)
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

    assert hooks.wait_idle(WAIT)
    assert bot_messages(bot) == []
    assert warnings_of(caplog) == [
        "bot helper: its hook at 127.0.0.1 failed: the answer is larger than 64 kB"
    ]


@pytest.mark.django_db(transaction=True)
def test_a_hooks_json_answer_without_a_body_is_ignored(alice, lunch, hook_server, caplog):
    hook_server.answer = answer_json({"text": "wrong key"})
    bot, _token = make_bot(lunch, alice, outgoing_url=hook_server.url)

    mention(lunch, alice, "@helper hello")

    assert hooks.wait_idle(WAIT)
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

    assert hooks.wait_idle(WAIT)
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

    assert hooks.wait_idle(WAIT)
    assert bot_messages(bot) == []


@pytest.mark.django_db(transaction=True)
def test_a_bots_own_message_calls_no_hook(alice, lunch, hook_server):
    _bot, token = make_bot(lunch, alice, outgoing_url=hook_server.url)

    bots.bot_post(token, {"body": "I am @helper, talking to myself"})

    assert hooks.in_flight() == []  # nothing was handed to the pool
    assert hook_server.calls == []


@pytest.mark.django_db(transaction=True)
def test_a_hooks_answer_calls_no_hook_so_two_bots_cannot_talk_for_ever(alice, lunch, hook_server):
    hook_server.answer = answer_json({"body": "over to you, @second"})
    make_bot(lunch, alice, "first", outgoing_url=hook_server.url)
    second, _token = make_bot(lunch, alice, "second", outgoing_url=hook_server.url)

    mention(lunch, alice, "@first start")

    assert hooks.wait_idle(WAIT)
    assert [call.json["bot"]["name"] for call in hook_server.calls] == ["first"]
    assert Message.objects.filter(body="over to you, @second", mentions__user=second.user).exists()


@pytest.mark.django_db(transaction=True)
def test_a_revoked_bots_hook_is_not_called(alice, lunch, hook_server):
    bot, _token = make_bot(lunch, alice, outgoing_url=hook_server.url)
    bots.revoke_bot(lunch, alice, bot.pk)

    mention(lunch, alice, "@helper are you gone?")

    assert hooks.in_flight() == []
    assert hook_server.calls == []


@pytest.mark.django_db(transaction=True)
def test_a_bot_named_outside_its_room_is_not_called(alice, lunch, hook_server):
    bot, _token = make_bot(lunch, alice, outgoing_url=hook_server.url)
    messages.post_direct_message(alice, bot.user, {"body": "@helper psst"})

    assert hooks.in_flight() == []
    assert hook_server.calls == []


@pytest.mark.django_db(transaction=True)
def test_a_message_naming_nobody_calls_no_hook(alice, lunch, hook_server):
    make_bot(lunch, alice, outgoing_url=hook_server.url)

    say(lunch, alice, "helper is a bot, but nobody mentions it")

    assert hooks.in_flight() == []
    assert hook_server.calls == []


@pytest.mark.django_db(transaction=True)
def test_the_hook_connects_to_the_vetted_address_with_the_names_host_header(
    alice, lunch, hook_server, monkeypatch
):
    # A rebinding name would answer differently the second time: there is no second time.
    port = hook_server.url.split(":")[2].split("/")[0]
    looked_up = []
    monkeypatch.setattr(
        hooks, "resolve", lambda host, port: looked_up.append(host) or ["127.0.0.1"]
    )
    hook_server.answer = lambda handler: send(handler, 204)
    make_bot(lunch, alice, outgoing_url=f"http://bot.example:{port}/hook")

    mention(lunch, alice, "@helper hi")

    assert hooks.wait_idle(WAIT)
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
    assert await database_sync_to_async(hooks.wait_idle)(WAIT)


@pytest.mark.django_db
def test_a_failed_hook_is_one_warning_without_a_traceback(alice, lunch, caplog, monkeypatch):
    bot, _token = make_bot(lunch, alice)
    monkeypatch.setattr(hooks, "resolve", lambda host, port: ["127.0.0.1"])
    call = bots.HookCall(bot.pk, "helper", "http://hook.example/x?secret=1", {}, "key", None)

    with caplog.at_level(logging.WARNING):
        bots._call_hook(call)

    [record] = [r for r in caplog.records if r.name == "chat.bots"]
    assert record.getMessage() == (
        "bot helper: its hook at hook.example failed: "
        "hook.example resolves to 127.0.0.1, on a private network"
    )
    assert record.exc_info is None


@pytest.fixture
def trickling_server() -> Iterator[str]:
    """A local server that reads the request, then sends the start of an answer one byte
    every 50 ms for 3 s (each byte well within any socket timeout), and hangs up. Its URL."""
    stop = threading.Event()

    class Trickle(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            received = b""
            while b"\r\n\r\n" not in received:
                received += self.request.recv(4096)
            answer = (b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 60)[:60]
            for byte in answer:
                if stop.wait(0.05):  # the pace of the trickle, and the end of the test
                    return
                self.request.sendall(bytes([byte]))

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Trickle)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    stop.set()
    server.shutdown()
    server.server_close()


def test_the_deadline_holds_while_the_status_line_and_headers_trickle_in(
    trickling_server, settings, monkeypatch
):
    settings.CHAT_BOTS_ALLOW_PRIVATE_URLS = True
    monkeypatch.setattr(hooks, "TIMEOUT_SECONDS", 0.5)
    started = time.monotonic()

    with pytest.raises(hooks.HookFailed) as failed:
        hooks.call(trickling_server, {"message": {}}, key="key")

    assert str(failed.value) == "no complete answer within 0.5 s"
    assert time.monotonic() - started < 1.5


# --- a bot has its maker's access, no more --------------------------------------------------


@pytest.fixture
def mallorys_bot(alice, mallory, secret, hook_server) -> tuple[Bot, str]:
    """A bot mallory made in alice's private room, its hook on the local hook server."""
    hook_server.answer = lambda handler: send(handler, 204)
    rooms.add_member(secret, alice, {"username": "mallory"})
    return make_bot(secret, mallory, "spy", outgoing_url=hook_server.url)


def assert_silenced(bot: Bot, token: str, room: Room, hook_server, error: str) -> None:
    """The bot posts nothing into ``room`` and its hook hears nothing of it."""
    with pytest.raises(Forbidden) as refused:
        bots.bot_post(token, {"body": "still listening"})
    assert refused.value.message == error
    mention(room, room.created_by, "@spy the launch codes are 1234")
    assert hooks.wait_idle(WAIT)
    assert hook_server.calls == []
    assert bot_messages(bot) == []


@pytest.mark.django_db(transaction=True)
def test_a_makers_bots_are_revoked_when_they_are_removed(alice, secret, mallorys_bot, hook_server):
    bot, token = mallorys_bot

    rooms.remove_member(secret, alice, {"username": "mallory"})

    assert Bot.objects.get(pk=bot.pk).revoked_at is not None
    assert not Membership.objects.filter(room=secret, user=bot.user).exists()
    assert_silenced(bot, token, secret, hook_server, bots.UNKNOWN_BOT)


@pytest.mark.django_db(transaction=True)
def test_a_makers_bots_are_revoked_when_they_leave(
    alice, mallory, secret, mallorys_bot, hook_server
):
    bot, token = mallorys_bot
    other, _other_token = make_bot(secret, alice, "alices-own")

    rooms.remove_member(secret, mallory, {"username": "mallory"})

    assert Bot.objects.get(pk=bot.pk).revoked_at is not None
    assert Bot.objects.get(pk=other.pk).revoked_at is None  # only the leaver's
    assert_silenced(bot, token, secret, hook_server, bots.UNKNOWN_BOT)


@pytest.mark.django_db(transaction=True)
def test_a_makers_bots_are_revoked_when_staff_deactivate_them(
    admin, mallory, secret, mallorys_bot, hook_server
):
    bot, token = mallorys_bot

    staff.act(admin, mallory.pk, "deactivate")

    assert Bot.objects.get(pk=bot.pk).revoked_at is not None
    assert_silenced(bot, token, secret, hook_server, bots.UNKNOWN_BOT)


def test_a_makers_bots_are_revoked_however_the_account_is_saved_inactive(mallory, mallorys_bot):
    bot, _token = mallorys_bot

    mallory.is_active = False
    mallory.save()  # as the admin or a script would: no staff page involved

    assert Bot.objects.get(pk=bot.pk).revoked_at is not None


@pytest.mark.django_db(transaction=True)
def test_a_bot_of_a_maker_deactivated_without_a_signal_is_silent(
    mallory, secret, mallorys_bot, hook_server
):
    bot, token = mallorys_bot

    type(mallory).objects.filter(pk=mallory.pk).update(is_active=False)  # no signal, no revoke

    assert Bot.objects.get(pk=bot.pk).revoked_at is None
    error = "This bot's maker is no longer a member of its room."
    assert_silenced(bot, token, secret, hook_server, error)


@pytest.mark.django_db(transaction=True)
def test_a_bot_of_a_maker_gone_from_the_room_unannounced_is_silent(
    mallory, secret, mallorys_bot, hook_server
):
    bot, token = mallorys_bot

    Membership.objects.filter(room=secret, user=mallory).delete()  # behind the service's back

    assert_silenced(bot, token, secret, hook_server, bots.MAKER_GONE)


@pytest.mark.django_db(transaction=True)
def test_a_bot_of_a_maker_still_in_the_room_keeps_working(secret, mallorys_bot, hook_server):
    bot, token = mallorys_bot

    bots.bot_post(token, {"body": "hello"})
    mention(secret, secret.created_by, "@spy hi")

    assert hooks.wait_idle(WAIT)
    assert bot_messages(bot) == ["hello"]
    assert len(hook_server.calls) == 1
