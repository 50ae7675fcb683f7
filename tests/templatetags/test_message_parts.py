"""The ``message_parts`` template filters: a message's reactions grouped by emoji, and its
body with mentions linked, both from what the room's queryset prefetched."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone

from chat.models import Message, Reaction
from chat.rooms import services as rooms
from chat.templatetags.message_parts import ReactionGroup, body_html, reactions
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
    rooms.enter_room(bob, "lunch")
    say(lunch, alice, "<i>@bob</i>, lunch?")

    [shown] = fetched(lunch)

    assert body_html(shown) == (
        f'&lt;i&gt;<a class="mention" href="/p/bob/" data-user-id="{bob.pk}">@bob</a>'
        "&lt;/i&gt;, lunch?"
    )


def test_filters_on_fetched_messages_ask_the_database_nothing(
    alice, bob, lunch, django_assert_num_queries
):
    rooms.enter_room(bob, "lunch")
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
        f"{link} lunch?[👍 bob]|"
        f'{link} and <a class="mention" href="/p/alice/" data-user-id="{alice.pk}">@alice</a>'
        ": noon[👍 bob]|"
    )
