"""The ``message_parts`` template filters: a message's reactions grouped by emoji, and its
body as rendered when stored (or, for a message stored before formatting, rendered now with
its mentions linked), both from what the room's queryset prefetched."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from chat.models import Message, Reaction
from chat.templatetags.message_parts import (
    ReactionGroup,
    body_class,
    body_html,
    body_text,
    reactions,
)
from tests.support.joining import join
from tests.support.messages import say

pytestmark = pytest.mark.django_db


def fetched(room) -> list[Message]:
    """The room's messages as a page fetches them."""
    return list(Message.objects.for_room(room))


def test_reactions_are_grouped_by_emoji_with_count_ids_and_names(alice, bob, lunch):
    [message] = say(lunch, alice, "lunch at noon")
    Reaction.objects.create(message=message, user=alice, emoji="👍")
    Reaction.objects.create(message=message, user=bob, emoji="👍")
    Reaction.objects.create(message=message, user=bob, emoji="🎉")

    [shown] = fetched(lunch)

    assert reactions(shown) == [
        ReactionGroup("👍", 2, f" {alice.pk} {bob.pk} ", "alice, bob"),
        ReactionGroup("🎉", 1, f" {bob.pk} ", "bob"),
    ]


def test_reactions_come_in_the_order_each_emoji_was_first_given(alice, bob, lunch):
    [message] = say(lunch, alice, "lunch at noon")
    now = timezone.now()
    Reaction.objects.create(message=message, user=alice, emoji="👍", created_at=now)
    Reaction.objects.create(
        message=message, user=bob, emoji="🎉", created_at=now - timedelta(minutes=1)
    )
    Reaction.objects.create(
        message=message, user=alice, emoji="🎉", created_at=now + timedelta(minutes=1)
    )

    [shown] = fetched(lunch)

    assert [(group.emoji, group.names) for group in reactions(shown)] == [
        ("🎉", "bob, alice"),
        ("👍", "alice"),
    ]


def test_reactions_of_a_message_without_any_are_none(alice, lunch):
    say(lunch, alice, "lunch at noon")

    [shown] = fetched(lunch)

    assert reactions(shown) == []


def test_body_html_links_the_recorded_mentions(alice, bob, lunch):
    join(bob, "lunch")
    say(lunch, alice, "<i>@bob</i>, lunch?")

    [shown] = fetched(lunch)

    assert body_html(shown) == (
        f'<p>&lt;i&gt;<a class="mention" href="/p/bob/" data-user-id="{bob.pk}">@bob</a>'
        "&lt;/i&gt;, lunch?</p>"
    )


def test_filters_on_fetched_messages_ask_the_database_nothing(
    alice, bob, lunch, django_assert_num_queries
):
    join(bob, "lunch")
    for message in say(lunch, alice, "@bob lunch?", "@bob and @alice: noon"):
        Reaction.objects.create(message=message, user=bob, emoji="👍")
    shown = fetched(lunch)
    template = Template(
        "{% load message_parts %}{% for message in messages %}{{ message|body_html }}"
        "{% for r in message|reactions %}[{{ r.emoji }} {{ r.names }}]{% endfor %}|{% endfor %}"
    )

    with django_assert_num_queries(0):
        html = template.render(Context({"messages": shown}))

    link = f'<a class="mention" href="/p/bob/" data-user-id="{bob.pk}">@bob</a>'
    assert html == (
        f"<p>{link} lunch?</p>[👍 bob]|"
        f'<p>{link} and <a class="mention" href="/p/alice/" data-user-id="{alice.pk}">@alice</a>'
        ": noon</p>[👍 bob]|"
    )


def test_body_html_is_the_html_rendered_when_the_message_was_stored(alice, lunch):
    [message] = say(lunch, alice, "**soup** at one")
    Message.objects.filter(pk=message.pk).update(html="<p>as stored</p>")

    [shown] = fetched(lunch)

    assert body_html(shown) == "<p>as stored</p>"


def test_a_message_stored_before_formatting_is_rendered_when_shown_asking_nothing(
    alice, bob, lunch, django_assert_num_queries
):
    join(bob, "lunch")
    [message] = say(lunch, alice, "**@bob** lunch?")
    Message.objects.filter(pk=message.pk).update(html="")  # as the rows before migration 0011
    [shown] = fetched(lunch)

    with django_assert_num_queries(0):
        html = body_html(shown)

    assert html == (
        f'<p><strong><a class="mention" href="/p/bob/" data-user-id="{bob.pk}">@bob</a>'
        "</strong> lunch?</p>"
    )


def test_body_class_marks_a_message_of_a_few_emoji_only(alice, lunch):
    said = say(lunch, alice, "🎉 :thumbsup:", "🎉 party")

    assert [body_class(message) for message in said] == ["body emoji-only", "body"]


def test_body_text_is_the_words_without_the_markup(alice, lunch):
    [message] = say(lunch, alice, "**deploy** `now` & <b>then</b>")

    assert body_text(message) == "deploy now & <b>then</b>"
