"""Editing and deleting a message after it was said (``chat.messages.edits``): who may, within
what time, the revisions they take, and what is left of a deleted message."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from chat.errors import Forbidden, Invalid, NotFound
from chat.limits import EDIT_WINDOW_SECONDS
from chat.messages import edits as changes
from chat.models import Mention, Message, Reaction
from chat.rooms import services as rooms
from tests.support.joining import join
from tests.support.messages import react, revision_of, say

pytestmark = pytest.mark.django_db


def sent_ago(message: Message, seconds: float) -> None:
    """Pretend ``message`` was sent ``seconds`` ago."""
    then = timezone.now() - timedelta(seconds=seconds)
    Message.objects.filter(pk=message.pk).update(created_at=then)


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
    assert '<div class="body" dir="auto"><p>lunch at one</p></div>' in changed.article
    assert "(edited)" in changed.article


def test_edit_records_a_mention_the_edit_adds(alice, bob, lunch):
    join(bob, "lunch")
    [message] = say(lunch, alice, "lunch at noon")

    changes.edit_message(alice, message.id, {"body": "lunch at noon, @bob?"})

    assert list(Mention.objects.filter(message=message).values_list("user", flat=True)) == [bob.pk]


def test_edit_returns_an_article_linking_the_member_the_edit_mentions(alice, bob, lunch):
    join(bob, "lunch")
    [message] = say(lunch, alice, "lunch at noon")

    changed = changes.edit_message(alice, message.id, {"body": "lunch at noon, @bob?"})

    assert (
        f'<div class="body" dir="auto"><p>lunch at noon, '
        f'<a class="mention" href="/p/bob/" data-user-id="{bob.pk}">@bob</a>?</p></div>'
    ) in changed.article


def test_edit_forgets_a_mention_the_edit_removes(alice, bob, lunch):
    join(bob, "lunch")
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
    join(bob, "lunch")
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
