"""static/chat/js/visibility.js against a fake socket: the page says whether its tab is
shown on every socket it opens, and again whenever the tab is shown or hidden (the server
holds Web Push back while one is shown: chat/broadcast/visibility.py)."""

from __future__ import annotations

HIDE = """hidden => {
  Object.defineProperty(document, "hidden", { get: () => hidden, configurable: true });
  document.dispatchEvent(new Event("visibilitychange"));
}"""


def said(room) -> list[bool]:
    return [frame["visible"] for frame in room.sent() if frame.get("type") == "visibility"]


def test_the_page_says_whether_its_tab_is_shown(open_room) -> None:
    room = open_room(revision=36)
    room.open()
    assert said(room) == [True]

    room.page.evaluate(HIDE, True)
    room.page.evaluate(HIDE, False)
    assert said(room) == [True, False, True]

    room.page.evaluate(HIDE, True)
    room.reconnect()  # a new socket hears it too
    assert said(room) == [True, False, True, False, False]
