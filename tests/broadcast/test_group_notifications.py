"""A group conversation's messages reach its other people while away, like a direct
message (``chat.broadcast.notifications``), and count as unread in their lobbies."""

from __future__ import annotations

import pytest

from chat.broadcast import notifications
from chat.models import Membership, Mention
from chat.rooms import lobby
from tests.support.groups import page_of, start_group
from tests.support.messages import say

pytestmark = pytest.mark.django_db


def recipients_of(message) -> list[int]:
    return notifications.recipients(message, list(Mention.objects.filter(message=message)))


def test_a_group_message_reaches_everyone_else_in_it(alice, bob, carol, mallory):
    room = start_group(alice, bob, carol)

    message = say(room, bob, "lunch?")[0]

    assert recipients_of(message) == sorted([alice.pk, carol.pk])


def test_someone_who_turned_the_group_down_hears_nothing(alice, bob, carol):
    room = start_group(alice, bob, carol)
    Membership.objects.filter(room=room, user=carol).update(notify=Membership.Notify.NOTHING)

    message = say(room, bob, "lunch?")[0]

    assert recipients_of(message) == [alice.pk]


def test_a_group_messages_frame_links_the_group(alice, bob, carol):
    room = start_group(alice, bob, carol)
    message = say(room, bob, "hi")[0]

    frame = notifications.frame(message, bob)

    assert f'data-url="{page_of(room)}#message-{message.id}"' in frame
    assert 'data-title="bob in alice, bob, carol"' in frame


def test_a_group_message_is_unread_in_the_others_lobbies(alice, bob, carol):
    room = start_group(alice, bob, carol)
    say(room, bob, "hi")

    _rooms, conversations = lobby.my_rooms(carol)

    assert [(entry.name, entry.unread) for entry in conversations] == [("alice, bob", 1)]
