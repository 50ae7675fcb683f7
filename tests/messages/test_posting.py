"""Messages (``chat.messages.posting``): posting on every path under one set of rules, and
catch-up."""

from __future__ import annotations

import uuid
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, OperationalError, transaction

from chat import ratelimit
from chat.errors import Invalid, TooFast, Unavailable
from chat.limits import PAGE_SIZE, RESUME_MAX_MESSAGES
from chat.messages import posting as messages
from chat.models import Membership, Message, Room
from chat.rooms import services as rooms
from tests.support.messages import edit_directly, say, with_person

pytestmark = pytest.mark.django_db


def post(room: Room, author, body: str, client_id: uuid.UUID | None = None):
    data = {"body": body} | ({"client_id": str(client_id)} if client_id else {})
    return messages.post_message(room, author, data)


# --- posting ---------------------------------------------------------------------------


def test_post_message_stores_renders_once_and_marks_the_author_read(alice, lunch):
    posted = post(lunch, alice, "hi")

    assert posted.message.body == "hi"
    assert f'<article id="message-{posted.message.id}" class="message"' in posted.frame
    assert Membership.objects.get(room=lunch, user=alice).last_read == posted.message.id


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "Write something before sending."),
        ("   \n", "Write something before sending."),
        ("\u200b\u200b\u200d", "Write something before sending."),
        ("\u3164\u2800", "Write something before sending."),
        ("x" * 4001, "Messages are at most 4,000 characters (this one has 4,001)."),
    ],
    ids=["empty", "blank", "zero-width", "fillers", "too-long"],
)
def test_post_message_refuses_what_would_not_show_or_fit(alice, lunch, body, error):
    with pytest.raises(Invalid) as refused:
        post(lunch, alice, body)

    assert refused.value.message == error
    assert not Message.objects.exists()


def test_the_21st_post_in_10_seconds_is_refused(alice, lunch):
    for n in range(20):
        post(lunch, alice, f"msg {n}")

    with pytest.raises(TooFast) as refused:
        post(lunch, alice, "one too many")

    assert refused.value.message.startswith("You are sending messages too fast. Wait ")
    assert Message.objects.count() == 20


def test_16_posts_and_16_more_10_6_seconds_later_are_all_stored(alice, lunch, monkeypatch):
    # "20 in 10 s": what was sent more than 10 s ago no longer counts at all.
    clock = SimpleNamespace(now=1_000_000.0)
    monkeypatch.setattr(ratelimit, "time", SimpleNamespace(time=lambda: clock.now))
    for n in range(16):
        post(lunch, alice, f"first {n}")
        clock.now += 0.05
    clock.now += 10.6 - 16 * 0.05

    for n in range(16):
        post(lunch, alice, f"second {n}")

    assert Message.objects.filter(author=alice).count() == 32


def test_the_posting_limit_is_per_person(alice, bob, lunch):
    for n in range(20):
        post(lunch, alice, f"msg {n}")

    post(lunch, bob, "my turn")

    assert Message.objects.filter(author=bob).count() == 1


def test_a_resend_past_the_limit_is_answered_not_refused(alice, lunch):
    client_id = uuid.uuid4()
    first = post(lunch, alice, "sent once", client_id)
    for n in range(19):
        post(lunch, alice, f"msg {n}")

    again = post(lunch, alice, "sent once", client_id)

    assert again.message == first.message and again.frame is None


def test_same_client_id_is_stored_once(alice, lunch):
    client_id = uuid.uuid4()

    first = post(lunch, alice, "once", client_id).message
    again = post(lunch, alice, "once", client_id)

    assert again.message == first and again.frame is None
    assert Message.objects.count() == 1
    lunch.refresh_from_db()
    assert lunch.revision == 1


def test_client_ids_are_per_author(alice, bob, lunch):
    client_id = uuid.uuid4()

    post(lunch, alice, "a", client_id)
    post(lunch, bob, "b", client_id)

    assert Message.objects.count() == 2


def test_a_failed_store_says_so_and_leaves_nothing_half_written(alice, lunch, monkeypatch):
    def database_fails(*args, **kwargs):
        raise OperationalError("disk I/O error")

    monkeypatch.setattr("chat.messages.posting._NEW_MESSAGE.save", database_fails)

    with pytest.raises(Unavailable) as refused:
        post(lunch, alice, "lost?")

    assert refused.value.message == (
        "Your message could not be saved just now; it is still here, try again."
    )
    lunch.refresh_from_db()
    assert lunch.revision == 0
    assert not Message.objects.exists()


def test_a_broadcast_that_fails_still_stores(alice, lunch, monkeypatch):
    async def layer_down(*args, **kwargs):
        raise ConnectionError("the channel layer is down")

    monkeypatch.setattr(
        "chat.broadcast.layers.KeepGroupsInMemoryChannelLayer.group_send", layer_down
    )

    posted = post(lunch, alice, "stored anyway")

    assert posted.broadcast is False
    assert Message.objects.get().body == "stored anyway"


def test_the_first_direct_message_opens_the_conversation(alice, bob):
    room = messages.begin(with_person(alice, bob), {"body": "hello"})

    assert room.kind == Room.Kind.DIRECT
    assert room == rooms.find_direct_room(bob, alice)


def test_an_empty_first_direct_message_opens_nothing(alice, bob):
    with pytest.raises(Invalid):
        messages.begin(with_person(alice, bob), {"body": " "})

    assert not Room.objects.exists()


def test_a_conversation_begun_is_posted_in_whatever_is_sent(alice, bob):
    room = rooms.open_direct_room(alice, bob)

    assert messages.begin(with_person(alice, bob), {"body": " "}) == room


def test_database_refuses_blank_or_oversized_body(alice, lunch):
    for body in ["", "x" * 4001]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Message.objects.create(room=lunch, author=alice, body=body)


# --- history and catch-up ---------------------------------------------------------------


def test_page_before_pages_through_history(alice, lunch):
    posted = say(lunch, alice, *[str(n) for n in range(PAGE_SIZE + 1)])

    latest, has_older = Message.objects.for_room(lunch).page_before()
    previous, has_more = Message.objects.for_room(lunch).page_before(latest[0].id)

    assert (latest, has_older) == (posted[1:], True)
    assert (previous, has_more) == (posted[:1], False)


def test_every_message_takes_the_next_room_revision(alice, lunch, secret):
    posted = say(lunch, alice, "0", "1", "2")
    elsewhere = say(secret, alice, "other room")[0]

    assert [m.revision for m in posted] == [1, 2, 3]
    assert elsewhere.revision == 1
    lunch.refresh_from_db()
    assert lunch.revision == 3


def test_catch_up_by_cursor_returns_new_and_changed_messages(alice, lunch):
    posted = say(lunch, alice, "0", "1", "2", "3")
    cursor = posted[-1].revision
    edited = edit_directly(posted[1], "edited")
    new = say(lunch, alice, "new")[0]

    missed = messages.catch_up(lunch, after_id=posted[-1].id, cursor=cursor)

    assert missed.messages == [edited, new]
    assert missed.messages[0].body == "edited"
    assert missed.revision == new.revision
    assert not missed.replaces_page


def test_catch_up_by_cursor_with_nothing_new_keeps_the_cursor(alice, lunch):
    posted = say(lunch, alice, "one")[0]

    missed = messages.catch_up(lunch, after_id=posted.id, cursor=posted.revision)

    assert (missed.messages, missed.revision) == ([], posted.revision)


def test_catch_up_without_cursor_returns_newer_ids(alice, lunch):
    posted = say(lunch, alice, "0", "1", "2")
    edit_directly(posted[0], "edited")

    missed = messages.catch_up(lunch, after_id=posted[1].id, cursor=None)

    assert missed.messages == [posted[2]]


def test_catch_up_long_gap_replaces_page(alice, lunch):
    Message.objects.bulk_create(
        [
            Message(room=lunch, author=alice, body=str(n), revision=n + 1)
            for n in range(RESUME_MAX_MESSAGES + 1)
        ]
    )
    Room.objects.filter(pk=lunch.pk).update(revision=RESUME_MAX_MESSAGES + 1)

    missed = messages.catch_up(lunch, after_id=0, cursor=0)

    assert missed.replaces_page and missed.has_older
    assert len(missed.messages) == PAGE_SIZE
    assert missed.revision == RESUME_MAX_MESSAGES + 1


def history(room: Room, author, count: int) -> list[Message]:
    """``count`` messages stored at once, revisions 1 to ``count`` (faster than posting)."""
    stored = Message.objects.bulk_create(
        [Message(room=room, author=author, body=str(n), revision=n + 1) for n in range(count)]
    )
    Room.objects.filter(pk=room.pk).update(revision=count)
    return stored


#: The README's promise: a page catches up on at most 200 messages one by one.
RESUME_MOST = 200


@pytest.mark.parametrize("cursor", [None, 0], ids=["by-id", "by-cursor"])
def test_a_gap_of_exactly_the_most_is_answered_message_by_message(alice, lunch, cursor):
    stored = history(lunch, alice, RESUME_MOST)

    missed = messages.catch_up(lunch, after_id=0, cursor=cursor)

    assert not missed.replaces_page
    assert [m.id for m in missed.messages] == [m.id for m in stored]
    assert missed.revision == RESUME_MOST


@pytest.mark.parametrize("cursor", [None, 0], ids=["by-id", "by-cursor"])
def test_a_gap_of_one_more_than_the_most_replaces_the_page(alice, lunch, cursor):
    stored = history(lunch, alice, RESUME_MOST + 1)

    missed = messages.catch_up(lunch, after_id=0, cursor=cursor)

    assert missed.replaces_page and missed.has_older
    assert [m.id for m in missed.messages] == [m.id for m in stored[-PAGE_SIZE:]]
    assert missed.revision == RESUME_MOST + 1
