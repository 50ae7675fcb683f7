"""Messages grouped under one byline (``Message.follows_on``): decided once, when a message
is stored, from the room's message before it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chat.broadcast import frames
from chat.limits import GROUP_SECONDS
from chat.messages import edits as changes
from chat.models import Message
from tests.support.attachments import attach
from tests.support.files import png
from tests.support.messages import said, say

pytestmark = pytest.mark.django_db


def aged(message: Message, seconds: float) -> None:
    """Make ``message`` ``seconds`` older than it is."""
    Message.objects.filter(pk=message.pk).update(
        created_at=message.created_at - timedelta(seconds=seconds)
    )


def test_the_same_author_within_five_minutes_follows_on(alice, lunch):
    first, second, third = say(lunch, alice, "soup?", "at noon", "the usual place")

    assert [first.follows_on, second.follows_on, third.follows_on] == [False, True, True]
    first.refresh_from_db()
    assert first.follows_on is False  # stored as decided, not worked out again


def test_another_author_starts_a_group_of_their_own(alice, bob, lunch):
    said(lunch, alice, "soup?")
    answer = said(lunch, bob, "yes")
    again = said(lunch, bob, "at noon")

    assert (answer.follows_on, again.follows_on) == (False, True)


def test_six_minutes_later_is_a_new_group_and_just_under_five_is_not(alice, lunch):
    first = said(lunch, alice, "soup?")
    aged(first, 6 * 60)
    late = said(lunch, alice, "anyone?")
    aged(late, GROUP_SECONDS - 5)
    soon = said(lunch, alice, "hello?")

    assert (late.follows_on, soon.follows_on) == (False, True)


def test_a_message_after_a_deleted_one_starts_a_group(alice, lunch):
    first = said(lunch, alice, "oops")
    changes.delete_message(alice, first.id)

    assert said(lunch, alice, "soup?").follows_on is False


def test_a_file_groups_like_words(alice, lunch, media_root):
    said(lunch, alice, "the chart:")

    posted = attach(lunch, alice, "chart.png", png(20, 10))

    assert posted.message.follows_on is True


def test_the_article_says_it_follows_on_and_keeps_the_name_for_screen_readers(alice, lunch):
    first, second = say(lunch, alice, "soup?", "at noon")

    lead, grouped = frames.message_article(first), frames.message_article(second)

    assert lead.startswith(f'<article id="message-{first.id}" class="message" ')
    assert grouped.startswith(f'<article id="message-{second.id}" class="message follows-on" ')
    assert 'class="author name"' in grouped  # hidden from sight by chat.css, still read out
