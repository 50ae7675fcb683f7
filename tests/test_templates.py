"""Where markup lives: a page's partials in its own template, markup several pages share in
the partial library (``chat/parts.html``), and the hidden signal elements as one partial."""

from __future__ import annotations

import re

from django.template.loader import render_to_string

from tests.support import REPO

TEMPLATES = REPO / "templates"
LIBRARY = "chat/parts.html"
#: {% include "template#partial" ... %}
INCLUDED_PARTIAL = re.compile(r'{%\s*include\s+"([^"#]+)#([\w-]+)"')
#: A page may draw another's partials only where it is that page without JavaScript.
TWINS = {("chat/history.html", "chat/room.html")}


def includes() -> list[tuple[str, str]]:
    """(including template, included template) for every partial a template includes."""
    found = []
    for path in TEMPLATES.rglob("*.html"):
        name = path.relative_to(TEMPLATES).as_posix()
        found += [(name, included) for included, _ in INCLUDED_PARTIAL.findall(path.read_text())]
    return found


def test_pages_take_shared_markup_from_the_partial_library_only() -> None:
    # So base.html, the frame of every page, depends on no page (room.html's avatar was one).
    found = includes()
    assert ("base.html", LIBRARY) in found  # the finder finds what is there
    strays = [
        (name, included)
        for name, included in found
        if included not in (name, LIBRARY) and (name, included) not in TWINS
    ]
    assert strays == []


def test_the_signal_elements_are_one_partial_and_each_stays_a_frame() -> None:
    signals = render_to_string("chat/room.html#signals", {"revision": 7})
    assert signals == '<div id="cursor" hidden data-revision="7"></div><div id="ack" hidden></div>'
    assert render_to_string("chat/room.html#cursor", {"revision": 7}) == (
        '<div id="cursor" hidden data-revision="7"></div>'
    )
    assert render_to_string("chat/room.html#ack", {"ack": "a1", "message_id": 3}) == (
        '<div id="ack" hidden data-ack="a1" data-message="3"></div>'
    )
