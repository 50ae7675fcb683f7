"""Every event reaches someone: a handler of a socket (by Channels' own handler naming), the one
pass-through for page HTML (``chat.sockets.persons``), or a process's own state."""

from __future__ import annotations

import pytest
from channels.consumer import get_handler_name
from channels.layers import InMemoryChannelLayer

from chat.broadcast import events, fanout, presence, typists
from chat.sockets.consumers import RoomConsumer
from chat.sockets.lobby import LobbyConsumer
from chat.sockets.persons import PersonsSocket

SOCKETS = (RoomConsumer, LobbyConsumer)


def handler(socket: type, kind: str):
    return getattr(socket, get_handler_name({"type": kind}), None)


def observed() -> set[str]:
    """The event types a process's own parts (who types, who is here) follow."""
    hub = fanout.Fanout(InMemoryChannelLayer())
    typists.TypingBoard(hub)
    presence.Presence(hub)
    return set(hub.observers)


@pytest.mark.parametrize("kind", events.TYPES)
def test_every_event_type_is_handled_by_a_socket_or_followed_by_the_process(kind):
    assert any(handler(socket, kind) for socket in SOCKETS) or kind in observed()


@pytest.mark.parametrize("kind", sorted(events.PAGE_HTML))
def test_page_html_is_passed_on_by_the_one_pass_through(kind):
    handlers = {handler(socket, kind) for socket in SOCKETS} - {None}

    assert handlers == {PersonsSocket.pass_on}


def test_each_socket_passes_on_only_what_its_page_shows():
    passed_on = {
        socket.__name__: {kind for kind in events.TYPES if handler(socket, kind)}
        & events.PAGE_HTML
        for socket in SOCKETS
    }

    # A lobby is in its rooms' groups for their messages, not their typing or members lists.
    assert passed_on == {
        "RoomConsumer": {events.FRAME, events.MEMBERS, events.NOTIFY},
        "LobbyConsumer": {events.NOTIFY, events.LOBBY_PUBLIC},
    }


def test_a_socket_cannot_pass_on_what_is_not_page_html():
    with pytest.raises(TypeError, match="not page HTML"):

        class Confused(PersonsSocket):
            passes_on = frozenset({events.MESSAGE})
