"""Property-based fuzzing of the room socket's receive path, through the full ASGI application.

Every example opens a real socket (session cookie + Origin, like ``open_socket``), sends
hypothesis-drawn frames (``tests.support.frame_strategies``) — arbitrary text, JSON of any
shape, frame-like JSON objects, binary, oversized text — and checks, after each frame,
against a small model of the consumer's rules:

- the consumer never raises (an unhandled exception ends the communicator's future);
- the answers are the expected ones: for a bad frame a notice, the composer with an error,
  or a close with 1003, 1009 or 4429; for a valid post an acknowledgement (and the message
  broadcast when it is new), or the composer holding it when the person posts too fast;
- a frame that is not a valid post stores nothing; a valid post stores exactly one message,
  its stripped body, unless that user already used its ``client_id``.

Hypothesis drives a sync test; each example runs on its own event loop (``async_to_sync``),
and the consumer's database calls come back to the test's thread and its connection.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from chat.characters import refused_characters
from chat.fields import has_visible_text
from chat.limits import (
    FRAME_MAX_CHARS,
    MAX_ID,
    MESSAGE_MAX_CHARS,
    OTHER_FRAMES_PER_WINDOW,
    POSTS_PER_WINDOW,
    TYPING_FRAMES_PER_WINDOW,
)
from chat.models import Message, Room
from chat.rooms import services as rooms
from tests.support.frame_strategies import frames, post_objects, to_json
from tests.support.sockets import (
    HOST,
    ORIGIN,
    EncodingCommunicator,
    asgi_application,
    session_cookie,
)

pytestmark = pytest.mark.django_db(transaction=True)

#: Seconds to wait for an answer the model says must come.
TIMEOUT = 10
#: Seconds of quiet checked for after the last frame of an example.
QUIET = 0.02

FUZZ_SETTINGS = {
    "deadline": None,
    "database": None,
    # The "explain" phase traces every line, which makes shrinking crawl on Python 3.11.
    "phases": [Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    "suppress_health_check": [
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
}

# --- the model ------------------------------------------------------------------


def valid_post(frame: object) -> tuple[str, uuid.UUID | None] | None:
    """The (stored body, client id) of a valid post, or None for any other frame.

    A valid post is a JSON object, not a resume nor a typing notice, whose "body" is a
    string that shows
    something after stripping (not only zero-width or other invisible characters), at
    most MESSAGE_MAX_CHARS long and storable (no NUL, which Django's form fields refuse,
    and no lone surrogate, which UTF-8 cannot carry), and whose "client_id" is absent,
    null, blank, or a string naming a UUID.
    """
    if not isinstance(frame, dict) or frame.get("type") in ("resume", "typing"):
        return None
    body = frame.get("body")
    if not isinstance(body, str):
        return None
    body = body.strip()
    if len(body) > MESSAGE_MAX_CHARS or "\x00" in body or lone_surrogates(body):
        return None
    if not has_visible_text(body) or refused_characters(body):
        return None
    client_id = frame.get("client_id")
    if client_id is None:
        return body, None
    if not isinstance(client_id, str):
        return None
    client_id = client_id.strip()
    if not client_id:
        return body, None
    try:
        return body, uuid.UUID(client_id)
    except ValueError:
        return None


def lone_surrogates(text: str) -> bool:
    return any("\ud800" <= char <= "\udfff" for char in text)


def is_id(value: object) -> bool:
    return type(value) is int and 0 <= value <= MAX_ID


def parse(text: str) -> object:
    """The JSON value of a text frame, or None when Python cannot read it."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


@dataclass
class Budget:
    """A limit, as counted by the model (a sequence runs well within its window)."""

    limit: int
    used: int = 0

    def allow(self) -> bool:
        if self.used >= self.limit:
            return False
        self.used += 1
        return True


@dataclass
class SocketModel:
    #: The person's posting limit (counted in the cache, emptied before each example).
    posts: Budget = field(default_factory=lambda: Budget(POSTS_PER_WINDOW))
    #: The socket's own limit on frames that are neither posts nor allowed resumes.
    other_frames: Budget = field(default_factory=lambda: Budget(OTHER_FRAMES_PER_WINDOW))
    #: The socket's limit on "typing" frames, and whether the room shows this person typing.
    typing: Budget = field(default_factory=lambda: Budget(TYPING_FRAMES_PER_WINDOW))
    typing_shown: bool = False


@dataclass
class Expected:
    """What one frame must produce: answers (any order), messages stored, and the body."""

    answers: list[object]
    stored: int = 0
    body: str | None = None
    #: True when this is a bad frame (not a valid post and not a readable resume).
    bad: bool = True

    @property
    def closes(self) -> bool:
        return any(isinstance(a, int) for a in self.answers)


@dataclass
class World:
    user: object
    room_id: int
    path: str
    cookie: bytes


@database_sync_to_async
def message_count() -> int:
    return Message.objects.count()


@database_sync_to_async
def newest_message() -> Message:
    return Message.objects.select_related("author").latest("id")


@database_sync_to_async
def client_id_used(user, client_id: uuid.UUID) -> bool:
    return Message.objects.filter(author=user, client_id=client_id).exists()


@database_sync_to_async
def catch_up_answers(room_id: int, after: int, cursor: int | None) -> bool:
    """Whether a resume from (after, cursor) has anything to send back."""
    revision = Room.objects.values_list("revision", flat=True).get(pk=room_id)
    messages = Message.objects.filter(room_id=room_id)
    if cursor is None:
        return messages.filter(id__gt=after).exists()
    return cursor != revision or messages.filter(revision__gt=cursor).exists()


def other_frame(model: SocketModel, answer: str) -> list[object]:
    return [answer] if model.other_frames.allow() else [4429]


async def expect(frame: str | bytes, model: SocketModel, world: World) -> Expected:
    if isinstance(frame, bytes):
        return Expected([1003])
    if len(frame) > FRAME_MAX_CHARS:
        return Expected([1009])
    value = parse(frame)
    if not isinstance(value, dict):
        return Expected(other_frame(model, "notice"))
    if value.get("type") == "typing":
        # Told to the room, this socket included, when it is news; a flood is dropped.
        if not model.typing.allow() or model.typing_shown:
            return Expected([], bad=False)
        model.typing_shown = True
        return Expected(["typing"], bad=False)
    if value.get("type") == "resume":
        after, cursor = value.get("after", 0), value.get("cursor")
        if not is_id(after) or not (cursor is None or is_id(cursor)):
            return Expected(other_frame(model, "notice"))
        if not model.other_frames.allow():
            return Expected([4429], bad=False)
        answers = await catch_up_answers(world.room_id, after, cursor)
        return Expected(["messages"] if answers else [], bad=False)
    post = valid_post(value)
    if post is None:
        return Expected(other_frame(model, "composer-error"))
    body, client_id = post
    if client_id is not None and await client_id_used(world.user, client_id):
        return Expected(["ack"], bad=False)  # a resend: answered, stored once, not counted
    if not model.posts.allow():
        return Expected(["composer-too-fast"], bad=False)
    answers = ["ack", "messages"] + (["typing"] if model.typing_shown else [])  # typing ends
    model.typing_shown = False
    return Expected(answers, stored=1, body=body, bad=False)


def kind_of(output: dict) -> object:
    """Name an output of the consumer: a close code, or what kind of HTML it is."""
    if output["type"] == "websocket.close":
        return output.get("code", 1000)
    assert output["type"] == "websocket.send", output
    html = output.get("text")
    assert isinstance(html, str), output
    if html.startswith('<div id="notice"'):
        return "notice"
    if html.startswith('<div id="ack" hidden'):
        return "ack"
    if html.startswith('<div id="typing"'):
        return "typing"
    if html.startswith('<div id="composer"'):
        if '<p class="error" role="alert">' in html:
            return "composer-error"
        if "You are sending messages too fast." in html:
            return "composer-too-fast"
        return "composer-other"
    if html.startswith(('<div id="messages"', '<div id="cursor"')):
        return "messages"  # the broadcast of a new message, or a resume's catch-up
    return f"unknown: {html[:80]!r}"


def assert_alive(communicator: WebsocketCommunicator, frame: str | bytes) -> None:
    """Fail, with the consumer's own exception, if it has ended by raising."""
    future = communicator.future
    if future.done() and not future.cancelled() and future.exception() is not None:
        error = future.exception()
        raise AssertionError(f"the consumer raised {error!r} on frame {frame!r:.300}") from error


async def receive(communicator: WebsocketCommunicator, frame: str | bytes) -> dict:
    """The next output, without waiting out the timeout when the consumer has crashed."""
    deadline = time.monotonic() + TIMEOUT
    while communicator.output_queue.empty() and not communicator.future.done():
        assert time.monotonic() < deadline, f"no answer in {TIMEOUT} s to frame {frame!r:.300}"
        await asyncio.sleep(0.001)
    assert_alive(communicator, frame)
    assert not communicator.output_queue.empty(), f"the consumer ended on frame {frame!r:.300}"
    output = communicator.output_queue.get_nowait()
    if output.get("text") is not None:
        output["text"].encode("utf-8")  # as the server must: a lone surrogate would kill it
    return output


async def send(communicator: WebsocketCommunicator, frame: str | bytes) -> None:
    # send_to() refuses empty frames, which a client can send all the same.
    key = "bytes" if isinstance(frame, bytes) else "text"
    await communicator.send_input({"type": "websocket.receive", key: frame})


async def play(world: World, frames: list[str | bytes]) -> None:
    """Send ``frames`` on one fresh socket, checking each against the model."""
    await database_sync_to_async(cache.clear)()  # a fresh posting budget for each example
    headers = [(b"host", HOST), (b"origin", ORIGIN), (b"cookie", world.cookie)]
    communicator = EncodingCommunicator(asgi_application(), world.path, headers=headers)
    connected, _ = await communicator.connect(timeout=TIMEOUT)
    assert connected
    model = SocketModel()
    try:
        for frame in frames:
            before = await message_count()
            expected = await expect(frame, model, world)
            await send(communicator, frame)
            kinds = [kind_of(await receive(communicator, frame)) for _ in expected.answers]
            assert_alive(communicator, frame)
            if not expected.answers:
                assert await communicator.receive_nothing(QUIET), (
                    f"unexpected answer to {frame!r:.300}"
                )
            assert sorted(map(str, kinds)) == sorted(map(str, expected.answers)), (
                f"answers {kinds} to frame {frame!r:.300}; expected {expected.answers}"
            )
            if expected.bad:
                assert all(k in ("notice", "composer-error", 1003, 1009, 4429) for k in kinds)
            stored = await message_count() - before
            assert stored == expected.stored, (
                f"{stored} messages stored for frame {frame!r:.300}; expected {expected.stored}"
            )
            if expected.body is not None:
                message = await newest_message()
                assert (message.body, message.author_id) == (expected.body, world.user.pk)
            if expected.closes:
                break  # the server has closed: a browser sends nothing more
        assert await communicator.receive_nothing(QUIET)
        assert_alive(communicator, frames[-1] if frames else b"")
    finally:
        if not communicator.future.done():
            await communicator.disconnect()


@pytest.fixture
def world(alice, monkeypatch) -> World:
    # Nobody stops typing of their own accord within an example, and no members list comes
    # unasked: the model need not time either.
    monkeypatch.setattr("chat.broadcast.typists.TYPING_SECONDS", 3600)
    monkeypatch.setattr("chat.broadcast.presence.FLUSH_SECONDS", 3600)
    room = rooms.create_room(alice, {"title": "Lunch", "kind": Room.Kind.PUBLIC})
    return World(
        user=alice, room_id=room.id, path=f"/ws/r/{room.slug}/", cookie=session_cookie(alice)
    )


# --- the properties -------------------------------------------------------------

realistic_posts = st.builds(to_json, post_objects, st.booleans())
TYPING_FLOOD = [json.dumps({"type": "typing"})] * 30 + [json.dumps({"body": "still heard"})]
FLOOD = ["not json"] * (OTHER_FRAMES_PER_WINDOW + 1) + ['{"body": "never read"}']
TOO_FAST = [json.dumps({"body": f"post {n}"}) for n in range(POSTS_PER_WINDOW + 2)]
RESENT = [json.dumps({"body": "once", "client_id": str(uuid.UUID(int=7))})] * 2


@settings(max_examples=300, **FUZZ_SETTINGS)
@given(frame=frames)
@example(frame=b"")
@example(frame="")
@example(frame="x" * (FRAME_MAX_CHARS + 1))
@example(frame='{"body": "hi", "client_id": "0b7e3c4e-9d2a-4f1e-8c55-3f1f0a6b2c11"}')
@example(frame='{"type": "resume", "after": 0, "cursor": 0}')
# Frames that once crashed the consumer or were stored although invalid.
@example(frame='{"body": "\\ud800"}')
@example(frame="[" * 7999 + "]" * 7999)
@example(frame='{"body": "hi", "x": ' + "[" * 7985 + "]" * 7985 + "}")
@example(frame='{"body": "hi", "client_id": 5}')
@example(frame='{"body": "hi", "client_id": null}')
def test_any_frame_on_a_fresh_socket(world, frame):
    """One frame: no crash, an answer of the right kind, stored only if a valid post."""
    async_to_sync(play)(world, [frame])


@settings(max_examples=40, **FUZZ_SETTINGS)
@given(sequence=st.lists(st.one_of(frames, realistic_posts), min_size=2, max_size=30))
@example(sequence=FLOOD)
@example(sequence=TOO_FAST)
@example(sequence=RESENT)
@example(sequence=TYPING_FLOOD)
def test_any_frame_sequence_on_one_socket(world, sequence):
    """Many frames on one socket: the same, with its rate limits and resent client ids."""
    async_to_sync(play)(world, sequence)
