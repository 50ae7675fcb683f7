"""Reactions to a message (``chat.messages.edits``): toggled on and off, counted per emoji, the
palette and any single emoji, and the revision each takes."""

from __future__ import annotations

import pytest

from chat.errors import Forbidden, Invalid
from chat.limits import REACTION_PALETTE
from chat.messages import edits as changes
from chat.models import Reaction
from tests.support.messages import react, revision_of, say

pytestmark = pytest.mark.django_db


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
