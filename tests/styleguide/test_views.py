"""The styleguide page: who may open it, that it shows every partial the app has, and
that drawing it touches no data."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from chat.models import Message, Room
from tests.support import REPO

TEMPLATES = REPO / "templates"
PARTIALDEF = re.compile(r"{%\s*partialdef\s+([\w-]+)")


def every_partial() -> set[str]:
    """Every ``{% partialdef %}`` under templates/, as "template#name" (the styleguide's own
    page aside)."""
    found = set()
    for path in TEMPLATES.rglob("*.html"):
        name = path.relative_to(TEMPLATES).as_posix()
        if name == "chat/styleguide.html":
            continue
        found.update(f"{name}#{partial}" for partial in PARTIALDEF.findall(path.read_text()))
    return found


def shown_partials(html: str) -> set[str]:
    """The partials the styleguide says each of its states shows (``data-partials``)."""
    return {
        name for names in re.findall(r'data-partials="([^"]*)"', html) for name in names.split()
    }


def test_every_partial_of_the_app_is_on_the_styleguide(settings, login, admin) -> None:
    partials = every_partial()
    assert "chat/room.html#message" in partials  # the finder finds what is there
    html = login(admin).get("/styleguide/").content.decode()
    missing = partials - shown_partials(html)
    assert not missing, f"partials missing from the styleguide: {sorted(missing)}"


def test_each_state_has_an_anchor_a_link_to_it_and_a_note(login, admin) -> None:
    html = login(admin).get("/styleguide/").content.decode()
    states = re.findall(r'<section class="state" id="(sg-[\w-]+)"', html)
    assert len(states) == len(set(states)) > 60
    for anchor in states:
        assert f'<a href="#{anchor}">' in html
    assert html.count('<p class="note">') == len(states)


ASKED_FOR = [
    "sg-message-mine", "sg-message-other", "sg-message-edited", "sg-message-deleted",
    "sg-message-reactions", "sg-message-mention", "sg-message-image", "sg-message-file",
    "sg-message-long", "sg-message-long-word", "sg-message-html", "sg-message-bot",
    "sg-composer-empty", "sg-composer-error", "sg-composer-too-fast", "sg-composer-sending",
    "sg-notice", "sg-typing-one", "sg-members", "sg-members-panel-private",
    "sg-lobby-entry-unread", "sg-lobby-entry-mentioned", "sg-lobby-entry-muted",
    "sg-connection-connecting", "sg-connection-live", "sg-connection-reconnecting",
    "sg-connection-offline", "sg-results", "sg-mine-empty", "sg-public-rooms-empty",
    "sg-results-none", "sg-older-page-empty", "sg-message-formatted", "sg-message-emoji-only",
]  # fmt: skip


def test_the_states_the_designers_asked_for_are_there(login, admin) -> None:
    html = login(admin).get("/styleguide/").content.decode()
    missing = [anchor for anchor in ASKED_FOR if f'id="{anchor}"' not in html]
    assert missing == []


def test_states_show_what_they_say(login, admin) -> None:
    html = login(admin).get("/styleguide/").content.decode()
    assert "&lt;script&gt;alert('hi')&lt;/script&gt;" in html  # escaped, once drawn
    assert "<script>alert" not in html
    assert "This message was deleted." in html
    assert 'class="message deleted"' in html
    assert "data-edited" in html
    assert "<strong>Bold</strong>" in html and '<pre class="highlight" tabindex="0">' in html
    assert '<div class="body emoji-only" dir="auto">' in html
    assert 'class="mention"' in html and f'data-user-id="{admin.pk}"' in html
    assert "You are sending messages too fast" in html
    assert '<div id="composer" class="composer" data-sending>' in html
    assert 'data-state="reconnecting"' in html
    assert "lobby-entry muted" in html and "lobby-entry mentioned" in html
    assert '<p class="empty">You have not joined any room yet.</p>' in html
    # The made-up image is a file that exists, not a 404 in the page.
    assert re.search(r'<img src="/static/chat/styleguide-sample(\.[0-9a-f]{12})?\.svg"', html)


def test_drawing_the_styleguide_writes_nothing(login, admin) -> None:
    client = login(admin)
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/styleguide/").status_code == 200
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == [] or all("django_session" in sql for sql in writes), writes
    assert not Message.objects.exists()
    assert not Room.objects.exists()


def test_people_who_are_not_staff_do_not_find_it(settings, client, login, alice) -> None:
    settings.DEBUG = False
    assert client.get("/styleguide/").status_code == 404
    assert login(alice).get("/styleguide/").status_code == 404


def test_with_debug_on_anyone_may_open_it(settings, client, db) -> None:
    settings.DEBUG = True
    html = client.get("/styleguide/").content.decode()
    assert "shows itself as to a made-up person" in html
    # Drawn as to that person: their messages are "mine".
    assert '.message[data-author="900000"]' in html


def test_it_changes_nothing_and_is_read_only(login, admin) -> None:
    assert login(admin).post("/styleguide/").status_code == 405


def test_no_sample_takes_the_focus(client, login, admin) -> None:
    # An autofocus sample made the page open at it, 15,800 px down.
    html = login(admin).get("/styleguide/").content.decode()
    assert 'id="sg-field-username"' in html
    assert "autofocus" not in html
    # The real sign-up form keeps its own.
    assert "autofocus" in client.get("/accounts/signup/").content.decode()
