"""What every change to a message shares (``chat.messages.edits``): catch-up brings it, it
counts against the posting limit, one that could not be saved changes nothing, and it goes to
the room as one event."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from chat.broadcast import events, fanout
from chat.errors import TooFast, Unavailable
from chat.limits import POSTS_PER_WINDOW
from chat.messages import edits as changes
from chat.messages import posting as messages
from chat.models import Message, Reaction
from tests.support.events import record_events
from tests.support.messages import react, revision_of, say

pytestmark = pytest.mark.django_db


# --- catching up ------------------------------------------------------------------------


def test_catch_up_brings_edits_deletions_and_reactions(alice, bob, lunch):
    edited, deleted, reacted, untouched = say(lunch, alice, "one", "two", "three", "four")
    cursor = revision_of(lunch)

    changes.edit_message(alice, edited.id, {"body": "one, edited"})
    changes.delete_message(alice, deleted.id)
    react(bob, reacted)
    missed = messages.catch_up(lunch, after_id=untouched.id, cursor=cursor)

    assert [m.id for m in missed.messages] == [edited.id, deleted.id, reacted.id]
    assert [(m.body, m.deleted) for m in missed.messages] == [
        ("one, edited", False),
        ("", True),
        ("three", False),
    ]
    assert missed.revision == cursor + 3


# --- the posting limit ------------------------------------------------------------------


def test_the_21st_change_in_10_seconds_is_refused(alice, lunch):
    [message] = say(lunch, alice, "lunch at noon")
    for _ in range(POSTS_PER_WINDOW):
        react(alice, message)
    before = revision_of(lunch)

    with pytest.raises(TooFast) as refused:
        react(alice, message)

    assert refused.value.message.startswith("You are doing that too fast. Wait ")
    assert revision_of(lunch) == before
    assert not Reaction.objects.exists()


def test_changes_and_posts_share_one_limit(alice, lunch):
    [message] = say(lunch, alice, "lunch at noon")
    for _ in range(POSTS_PER_WINDOW):
        react(alice, message)

    with pytest.raises(TooFast) as refused:
        messages.post_message(lunch, alice, {"body": "one too many"})

    assert refused.value.message.startswith("You are sending messages too fast. Wait ")
    assert Message.objects.count() == 1


def database_fails(room_id: int) -> int:
    raise OperationalError("disk I/O error")


def test_a_change_that_could_not_be_saved_says_so_and_changes_nothing(alice, lunch, monkeypatch):
    [message] = say(lunch, alice, "lunch at noon")
    before = revision_of(lunch)
    monkeypatch.setattr("chat.messages.edits.next_revision", database_fails)

    with pytest.raises(Unavailable) as refused:
        react(alice, message)

    assert refused.value.message == "That change could not be saved just now; try again."
    assert not Reaction.objects.exists()
    assert revision_of(lunch) == before


def test_a_change_that_could_not_be_saved_does_not_count_against_the_limit(
    alice, lunch, monkeypatch
):
    [message] = say(lunch, alice, "lunch at noon")
    with monkeypatch.context() as failing:
        failing.setattr("chat.messages.edits.next_revision", database_fails)
        with pytest.raises(Unavailable):
            react(alice, message)

    for _ in range(POSTS_PER_WINDOW):
        react(alice, message)

    assert revision_of(lunch) == message.revision + POSTS_PER_WINDOW


# --- the broadcast ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "change",
    [
        lambda user, message_id: changes.edit_message(user, message_id, {"body": "one o'clock"}),
        lambda user, message_id: changes.delete_message(user, message_id),
        lambda user, message_id: changes.toggle_reaction(user, message_id, {"emoji": "👀"}),
    ],
    ids=["edit", "delete", "react"],
)
def test_a_change_is_sent_to_the_room_as_one_chat_message_event(alice, lunch, monkeypatch, change):
    [message] = say(lunch, alice, "lunch at noon")
    sent = record_events(monkeypatch)

    changed = change(alice, message.id)

    [event] = sent
    assert (event["group"], event["type"]) == (fanout.room_group(lunch.id), events.MESSAGE)
    assert event.keys() == {"type", "group", "id", "revision", "author", "html"}
    assert event["id"] == message.id
    assert event["revision"] == changed.message.revision == revision_of(lunch)
    assert event["author"] is None
    assert event["html"] == (f'<div id="messages" hx-swap-oob="beforeend">{changed.article}</div>')
    assert event["html"].startswith(
        f'<div id="messages" hx-swap-oob="beforeend"><article id="message-{message.id}"'
    )
    assert changed.broadcast is True


def test_a_change_the_layer_did_not_take_is_stored_and_says_so(alice, lunch, monkeypatch):
    [message] = say(lunch, alice, "lunch at noon")
    record_events(monkeypatch, taken=False)

    changed = changes.edit_message(alice, message.id, {"body": "lunch at one"})

    assert changed.broadcast is False
    message.refresh_from_db()
    assert message.body == "lunch at one"
