"""Messages said and reacted to straight through the services (a history for a test to start
from), what is stored of them and of the room's revision, and reading them back from pages."""

from __future__ import annotations

import re

from channels.db import database_sync_to_async
from django.core.cache import cache
from django.db import transaction

from chat.conversations import Conversation
from chat.messages import edits as changes
from chat.messages import formatting
from chat.messages import posting as messages
from chat.messages.posting import Posted
from chat.models import Message, Room
from chat.rooms import conversations


def say(room: Room, author, *bodies: str) -> list[Message]:
    """Post ``bodies`` as ``author`` through the service, as a form would, past the
    posting limit (tests that build a history post more than a person may in 10 s)."""
    posted = []
    for body in bodies:
        posted.append(messages.post_message(room, author, {"body": body}).message)
        cache.clear()
    return posted


asay = database_sync_to_async(say)


def said(room: Room, author, body: str = "lunch at noon") -> Message:
    """One message, ``body``, said by ``author`` in ``room``."""
    [message] = say(room, author, body)
    return message


def stored(message: Message) -> tuple:
    """What a change would alter: body, edit, deletion, revision and reactions."""
    message.refresh_from_db()
    reactions = list(message.reactions.order_by("id").values_list("user", "emoji"))
    room_revision = Room.objects.values_list("revision", flat=True).get(pk=message.room_id)
    return (
        message.body,
        message.edited_at,
        message.deleted,
        message.revision,
        room_revision,
        reactions,
    )


def in_room(room: Room, person) -> Conversation:
    """``room`` as ``person`` addresses it, for the services that take a conversation."""
    return conversations.conversation_of(room, person)


def with_person(author, other) -> Conversation:
    """``author``'s conversation with ``other``, whether or not anyone has written in it."""
    return conversations.conversation(author, {"username": other.get_username()}, begun=False)


def write_to(author, other, body: str) -> tuple[Room, Posted]:
    """Post ``body`` as ``author`` to ``other``, as the conversation page's form does: the
    first message opens the conversation. Its room, and the message posted."""
    data = {"body": body}
    room = messages.begin(with_person(author, other), data)
    return room, messages.post_message(room, author, data)


def post_many(room: Room, author, count: int) -> list[Message]:
    """``count`` messages ("message 0", "message 1", …) by ``author`` in ``room``."""
    return say(room, author, *[f"message {n}" for n in range(count)])


#: What htmx adds to its requests (django-htmx reads it as ``request.htmx``).
HTMX = {"HTTP_HX_REQUEST": "true"}


def article_ids(html: str) -> list[int]:
    """The message ids of the articles in ``html``, in order."""
    return [int(n) for n in re.findall(r'<article id="message-(\d+)"', html)]


def edit_directly(message: Message, body: str) -> Message:
    """An edit as the edit feature makes it: new body, the room's next revision."""
    with transaction.atomic():
        message.body = body
        message.html = formatting.render(body)
        message.revision = messages.next_revision(message.room_id)
        message.save(update_fields=["body", "html", "revision"])
    return message


@database_sync_to_async
def stored_bodies(room: Room) -> list[str]:
    """The bodies of ``room``'s messages as stored now, oldest first (awaited)."""
    return list(Message.objects.filter(room=room).order_by("id").values_list("body", flat=True))


def revision_of(room: Room) -> int:
    """The room's revision as stored now."""
    return Room.objects.values_list("revision", flat=True).get(pk=room.pk)


def react(user, message: Message, emoji: str = "👍") -> changes.Changed:
    """Toggle ``user``'s ``emoji`` on ``message`` through the service."""
    return changes.toggle_reaction(user, message.id, {"emoji": emoji})
