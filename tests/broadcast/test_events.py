"""The event vocabulary (``chat.broadcast.events``): the one module that names an event type,
and the events it builds."""

from __future__ import annotations

import ast
from pathlib import Path

from chat.broadcast import events, fanout
from tests.support import REPO

CHAT = REPO / "chat"
EVENTS = CHAT / "broadcast" / "events.py"
#: Written by ``makemigrations``, where ``"chat.message"`` is the model's label, not an event.
MIGRATIONS = CHAT / "migrations"


def event_types_spelled_in(path: Path) -> list[str]:
    """The event types ``path`` writes as a string of its own (docstrings and comments that
    mention one in passing are not such strings)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in events.TYPES
    ]


def test_only_the_events_module_names_an_event_type():
    spelled = {
        str(path.relative_to(REPO)): found
        for path in sorted(CHAT.rglob("*.py"))
        if path != EVENTS
        and MIGRATIONS not in path.parents
        and (found := event_types_spelled_in(path))
    }

    assert spelled == {}


def test_the_scan_finds_the_types_where_they_are_named():
    assert sorted(event_types_spelled_in(EVENTS)) == sorted(events.TYPES)


def test_every_type_is_named_once():
    assert len(set(events.TYPES)) == len(events.TYPES)
    assert events.PAGE_HTML.issubset(events.TYPES)


def test_every_event_names_its_group_and_type():
    built = [
        events.message(3, 7, 12, 5, "<p/>"),
        events.room_frame(3, "<p/>"),
        events.members(3, "<ul/>"),
        events.typing(3, 5, "alice"),
        events.notification(5, "<p/>"),
    ]

    assert [(event["type"], event["group"]) for event in built] == [
        (events.MESSAGE, fanout.room_group(3)),
        (events.FRAME, fanout.room_group(3)),
        (events.MEMBERS, fanout.room_group(3)),
        (events.TYPING, fanout.room_group(3)),
        (events.NOTIFY, fanout.user_group(5)),
    ]


def test_a_members_list_names_its_room_for_every_process_that_keeps_the_last_one():
    assert events.members(3, "<ul/>") == {
        "type": events.MEMBERS,
        "group": fanout.room_group(3),
        "room": 3,
        "html": "<ul/>",
    }


def test_a_new_message_names_its_author_and_a_change_nobody(monkeypatch):
    sent: list[dict] = []
    monkeypatch.setattr(fanout, "send", lambda event: sent.append(event) or True)

    class Stored:
        room_id, id, revision, author_id = 3, 7, 12, 5

    assert events.message_posted(Stored, "<new/>") is True
    assert events.message_changed(Stored, "<changed/>") is True

    assert sent == [
        events.message(3, 7, 12, 5, "<new/>"),
        events.message(3, 7, 12, None, "<changed/>"),
    ]
