"""Day separators drawn by the server, for pages read without JavaScript: between a page's
messages of different days, in the instance's time zone; never in a live frame, which is the
same for every reader whatever their day (js/days.js draws them in the reader's own)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chat.broadcast import frames
from chat.models import Message
from tests.support.messages import say

pytestmark = pytest.mark.django_db

SEPARATOR = '<div class="day-separator" role="separator"'


def dated(messages: list[Message], *days: tuple[int, int]) -> None:
    for message, (day, hour) in zip(messages, days, strict=True):
        when = datetime(2026, 3, day, hour, 30, tzinfo=UTC)
        Message.objects.filter(pk=message.pk).update(created_at=when)


def test_the_room_page_separates_its_days(login, alice, lunch):
    dated(say(lunch, alice, "one", "two", "three"), (4, 22), (4, 23), (5, 0))

    html = login(alice).get("/r/lunch/").content.decode()

    assert html.count(SEPARATOR) == 2
    assert (
        '<div class="day-separator" role="separator" aria-label="Wednesday, March 4, 2026" '
        'data-server><time datetime="2026-03-04" data-local>Wednesday, March 4, 2026</time></div>'
    ) in html
    assert html.index('datetime="2026-03-05"') > html.index(">two<")


def test_days_follow_the_instance_time_zone(login, alice, lunch, settings):
    settings.TIME_ZONE = "Pacific/Auckland"  # 22:30 and 23:30 UTC on the 4th are the 5th there
    dated(say(lunch, alice, "one", "two", "three"), (4, 22), (4, 23), (5, 0))

    html = login(alice).get("/r/lunch/").content.decode()

    assert html.count(SEPARATOR) == 1
    assert 'datetime="2026-03-05"' in html


def test_the_page_without_javascript_of_older_messages_separates_its_days(login, alice, lunch):
    said = say(lunch, alice, "one", "two", "three")
    dated(said, (1, 10), (2, 10), (3, 10))

    html = login(alice).get(f"/r/lunch/messages?before={said[-1].id}").content.decode()

    assert html.count(SEPARATOR) == 2


def test_a_live_frame_has_no_separator(alice, lunch):
    said = say(lunch, alice, "one", "two")
    dated(said, (1, 10), (2, 10))
    said = list(Message.objects.order_by("id"))

    assert SEPARATOR not in frames.new_messages_frame(said, live=True)
    assert timedelta(days=1) == said[1].created_at - said[0].created_at
