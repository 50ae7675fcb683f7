"""Changes to a message after it was said (``chat.changes``): edit, delete, react, who may,
the revisions they take, catch-up, the posting limit and the broadcast."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import OperationalError
from django.utils import timezone

from chat import changes, messages, rooms
from chat.errors import Forbidden, Invalid, NotFound, TooFast, Unavailable
from chat.limits import EDIT_WINDOW_SECONDS, POSTS_PER_WINDOW, REACTION_PALETTE
from chat.models import Mention, Message, Reaction, Room
from tests.conftest import say

pytestmark = pytest.mark.django_db


def revision_of(room: Room) -> int:
    """The room's revision as stored now."""
    return Room.objects.values_list("revision", flat=True).get(pk=room.pk)


def sent_ago(message: Message, seconds: float) -> None:
    """Pretend ``message`` was sent ``seconds`` ago."""
    then = timezone.now() - timedelta(seconds=seconds)
    Message.objects.filter(pk=message.pk).update(created_at=then)


def react(user, message: Message, emoji: str = "👍") -> changes.Changed:
    return changes.toggle_reaction(user, message.id, {"emoji": emoji})


# --- editing ----------------------------------------------------------------------------


def test_edit_by_the_author_replaces_the_body_and_takes_the_next_revision(alice, lunch):
    [message] = say(lunch, alice, "lunch at noon")
    before = revision_of(lunch)

    changes.edit_message(alice, message.id, {"body": "  lunch at one  "})

    message.refresh_from_db()
    assert message.body == "lunch at one"
    assert message.edited_at is not None
    assert revision_of(lunch) == before + 1
    assert message.revision == before + 1


def test_edit_returns_the_article_to_swap_in_by_id_marked_edited(alice, lunch):
    [message] = say(lunch, alice, "lunch at noon")

    changed = changes.edit_message(alice, message.id, {"body": "lunch at one"})

    assert changed.message.id == message.id
    assert changed.article.startswith(
        f'<article id="message-{message.id}" class="message" hx-swap-oob="outerHTML"'
    )
    assert f'data-revision="{changed.message.revision}" data-edited>' in changed.article
    assert '<p class="body">lunch at one</p>' in changed.article
    assert "(edited)" in changed.article


def test_edit_records_a_mention_the_edit_adds(alice, bob, lunch):
    rooms.enter_room(bob, "lunch")
    [message] = say(lunch, alice, "lunch at noon")

    changes.edit_message(alice, message.id, {"body": "lunch at noon, @bob?"})

    assert list(Mention.objects.filter(message=message).values_list("user", flat=True)) == [bob.pk]


def test_edit_returns_an_article_linking_the_member_the_edit_mentions(alice, bob, lunch):
    rooms.enter_room(bob, "lunch")
    [message] = say(lunch, alice, "lunch at noon")

    changed = changes.edit_message(alice, message.id, {"body": "lunch at noon, @bob?"})

    assert (
        f'<p class="body">lunch at noon, '
        f'<a class="mention" href="/p/bob/" data-user-id="{bob.pk}">@bob</a>?</p>'
    ) in changed.article


def test_edit_forgets_a_mention_the_edit_removes(alice, bob, lunch):
    rooms.enter_room(bob, "lunch")
    [message] = say(lunch, alice, "lunch at noon, @bob?")

    changes.edit_message(alice, message.id, {"body": "lunch at noon?"})

    assert not Mention.objects.filter(message=message).exists()


def test_edit_of_someone_elses_message_is_forbidden(alice, bob, lunch):
    [message] = say(lunch, alice, "lunch at noon")
    before = revision_of(lunch)

    with pytest.raises(Forbidden) as refused:
        changes.edit_message(bob, message.id, {"body": "lunch cancelled"})

    assert refused.value.message == "Only its author can edit a message."
    message.refresh_from_db()
    assert (message.body, message.edited_at) == ("lunch at noon", None)
    assert revision_of(lunch) == before


def test_the_rooms_creator_may_delete_someone_elses_message_but_not_edit_it(alice, bob, lunch):
    assert lunch.created_by == alice
    [message] = say(lunch, bob, "buy my stuff")
    before = revision_of(lunch)

    with pytest.raises(Forbidden) as refused:
        changes.edit_message(alice, message.id, {"body": "buy nothing"})

    assert refused.value.message == "Only its author can edit a message."
    message.refresh_from_db()
    assert (message.body, message.edited_at, message.revision) == ("buy my stuff", None, before)

    changes.delete_message(alice, message.id)

    message.refresh_from_db()
    assert (message.body, message.deleted) == ("", True)


def test_edit_after_15_minutes_is_forbidden(alice, lunch):
    [message] = say(lunch, alice, "lunch at noon")
    sent_ago(message, EDIT_WINDOW_SECONDS + 1)

    with pytest.raises(Forbidden) as refused:
        changes.edit_message(alice, message.id, {"body": "lunch at one"})

    assert refused.value.message == "Messages can be edited for 15 minutes after they are sent."
    message.refresh_from_db()
    assert message.body == "lunch at noon"


def test_edit_just_before_15_minutes_is_allowed(alice, lunch):
    [message] = say(lunch, alice, "lunch at noon")
    sent_ago(message, EDIT_WINDOW_SECONDS - 30)

    changes.edit_message(alice, message.id, {"body": "lunch at one"})

    message.refresh_from_db()
    assert message.body == "lunch at one"


def test_edit_of_a_deleted_message_is_forbidden(alice, lunch):
    [message] = say(lunch, alice, "lunch at noon")
    changes.delete_message(alice, message.id)

    with pytest.raises(Forbidden) as refused:
        changes.edit_message(alice, message.id, {"body": "back from the dead"})

    assert refused.value.message == "This message was deleted."
    message.refresh_from_db()
    assert (message.body, message.deleted) == ("", True)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ("", "Write something before sending."),
        ("  \n ", "Write something before sending."),
        ("\u200b", "Write something before sending."),
        ("x" * 4001, "Messages are at most 4,000 characters (this one has 4,001)."),
    ],
    ids=["empty", "blank", "zero-width", "too-long"],
)
def test_edit_refuses_a_body_a_new_message_could_not_have(alice, lunch, body, error):
    [message] = say(lunch, alice, "lunch at noon")
    before = revision_of(lunch)

    with pytest.raises(Invalid) as refused:
        changes.edit_message(alice, message.id, {"body": body})

    assert refused.value.message == error
    message.refresh_from_db()
    assert (message.body, message.edited_at, message.revision) == ("lunch at noon", None, before)
    assert revision_of(lunch) == before


@pytest.mark.parametrize(
    "change",
    [
        lambda user, message_id: changes.edit_message(user, message_id, {"body": "mine now"}),
        lambda user, message_id: changes.delete_message(user, message_id),
        lambda user, message_id: changes.toggle_reaction(user, message_id, {"emoji": "👀"}),
    ],
    ids=["edit", "delete", "react"],
)
def test_a_message_of_a_room_one_cannot_read_is_not_found_like_a_missing_one(
    alice, mallory, secret, change
):
    [message] = say(secret, alice, "the plan")

    with pytest.raises(NotFound) as unreadable:
        change(mallory, message.id)
    with pytest.raises(NotFound) as missing:
        change(mallory, message.id + 1000)

    assert unreadable.value.message == missing.value.message == "No such message."
    message.refresh_from_db()
    assert (message.body, message.deleted) == ("the plan", False)
    assert not Reaction.objects.exists()


# --- deleting ---------------------------------------------------------------------------


def test_delete_by_the_author_leaves_no_body_reactions_or_mentions(alice, bob, lunch):
    rooms.enter_room(bob, "lunch")
    [message] = say(lunch, alice, "@bob lunch at noon?")
    react(bob, message)
    before = revision_of(lunch)

    changes.delete_message(alice, message.id)

    message.refresh_from_db()
    assert (message.body, message.deleted) == ("", True)
    assert not Reaction.objects.filter(message=message).exists()
    assert not Mention.objects.filter(message=message).exists()
    assert revision_of(lunch) == before + 1
    assert message.revision == before + 1


def test_delete_by_the_rooms_creator_of_someone_elses_message(alice, bob, lunch):
    [message] = say(lunch, bob, "buy my stuff")

    changes.delete_message(alice, message.id)

    message.refresh_from_db()
    assert (message.body, message.deleted) == ("", True)


def test_delete_returns_a_tombstone_without_the_old_body(alice, lunch):
    [message] = say(lunch, alice, "lunch at noon")

    changed = changes.delete_message(alice, message.id)

    assert changed.article.startswith(
        f'<article id="message-{message.id}" class="message deleted" hx-swap-oob="outerHTML"'
    )
    assert '<p class="body tombstone">This message was deleted.</p>' in changed.article
    assert "lunch at noon" not in changed.article
    assert "data-edited" not in changed.article


def test_delete_by_a_third_person_is_forbidden(alice, bob, mallory, lunch):
    [message] = say(lunch, bob, "lunch at noon")

    with pytest.raises(Forbidden) as refused:
        changes.delete_message(mallory, message.id)

    assert refused.value.message == "Only its author or the room's creator can delete a message."
    message.refresh_from_db()
    assert (message.body, message.deleted) == ("lunch at noon", False)


def test_delete_in_a_direct_room_is_only_for_the_author_whoever_wrote_first(alice, bob):
    direct = rooms.open_direct_room(alice, bob)
    say(direct, alice, "hi bob")
    [message] = say(direct, bob, "hi alice")

    with pytest.raises(Forbidden) as refused:
        changes.delete_message(alice, message.id)

    assert refused.value.message == "Only its author or the room's creator can delete a message."
    message.refresh_from_db()
    assert message.deleted is False


def test_delete_of_a_deleted_message_is_forbidden(alice, lunch):
    [message] = say(lunch, alice, "lunch at noon")
    changes.delete_message(alice, message.id)
    before = revision_of(lunch)

    with pytest.raises(Forbidden) as refused:
        changes.delete_message(alice, message.id)

    assert refused.value.message == "This message was deleted."
    assert revision_of(lunch) == before


# --- reacting ---------------------------------------------------------------------------


def test_toggle_reaction_adds_a_reaction(alice, bob, lunch):
    [message] = say(lunch, alice, "lunch at noon")

    react(bob, message, "🎉")

    assert list(Reaction.objects.values_list("message", "user", "emoji")) == [
        (message.id, bob.pk, "🎉")
    ]


def test_toggle_reaction_again_takes_it_back(alice, bob, lunch):
    [message] = say(lunch, alice, "lunch at noon")
    react(bob, message, "🎉")

    react(bob, message, "🎉")

    assert not Reaction.objects.exists()


def test_two_people_with_the_same_emoji_count_two(alice, bob, lunch):
    [message] = say(lunch, alice, "lunch at noon")
    react(alice, message, "👍")

    changed = react(bob, message, "👍")

    assert Reaction.objects.filter(message=message, emoji="👍").count() == 2
    assert '👍 <span class="count">2</span><span class="who"> alice, bob</span>' in (
        changed.article
    )


@pytest.mark.parametrize("emoji", [*REACTION_PALETTE, "👍🏽", "🇫🇷"])
def test_toggle_reaction_accepts_the_palette_and_any_single_emoji(alice, lunch, emoji):
    [message] = say(lunch, alice, "lunch at noon")

    react(alice, message, emoji)

    assert list(Reaction.objects.values_list("emoji", flat=True)) == [emoji]


@pytest.mark.parametrize(
    ("emoji", "error"),
    [
        ("a", "A reaction is one emoji."),
        ("👍👍", "A reaction is one emoji."),
        ("<b>", "A reaction is one emoji."),
        ("", "Pick an emoji."),
    ],
    ids=["letter", "two-emoji", "markup", "empty"],
)
def test_toggle_reaction_refuses_what_is_not_one_emoji(alice, lunch, emoji, error):
    [message] = say(lunch, alice, "lunch at noon")
    before = revision_of(lunch)

    with pytest.raises(Invalid) as refused:
        react(alice, message, emoji)

    assert refused.value.message == error
    assert not Reaction.objects.exists()
    assert revision_of(lunch) == before


def test_toggle_reaction_on_a_deleted_message_is_forbidden(alice, bob, lunch):
    [message] = say(lunch, alice, "lunch at noon")
    changes.delete_message(alice, message.id)

    with pytest.raises(Forbidden) as refused:
        react(bob, message)

    assert refused.value.message == "This message was deleted."
    assert not Reaction.objects.exists()


def test_each_toggle_takes_the_next_revision(alice, bob, lunch):
    [message] = say(lunch, alice, "lunch at noon")
    before = revision_of(lunch)

    react(bob, message)
    react(bob, message)

    message.refresh_from_db()
    assert revision_of(lunch) == before + 2
    assert message.revision == before + 2


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
    monkeypatch.setattr("chat.changes.next_revision", database_fails)

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
        failing.setattr("chat.changes.next_revision", database_fails)
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
    sent = []

    def record(group, kind, **fields):
        sent.append((group, kind, fields))
        return True

    monkeypatch.setattr("chat.changes.fanout.send", record)

    changed = change(alice, message.id)

    [(group, kind, fields)] = sent
    assert (group, kind) == (f"room.{lunch.id}", "chat.message")
    assert fields.keys() == {"id", "revision", "author", "html"}
    assert fields["id"] == message.id
    assert fields["revision"] == changed.message.revision == revision_of(lunch)
    assert fields["author"] is None
    assert fields["html"] == (f'<div id="messages" hx-swap-oob="beforeend">{changed.article}</div>')
    assert fields["html"].startswith(
        f'<div id="messages" hx-swap-oob="beforeend"><article id="message-{message.id}"'
    )
    assert changed.broadcast is True


def test_a_change_the_layer_did_not_take_is_stored_and_says_so(alice, lunch, monkeypatch):
    [message] = say(lunch, alice, "lunch at noon")
    monkeypatch.setattr("chat.changes.fanout.send", lambda group, kind, **fields: False)

    changed = changes.edit_message(alice, message.id, {"body": "lunch at one"})

    assert changed.broadcast is False
    message.refresh_from_db()
    assert message.body == "lunch at one"
