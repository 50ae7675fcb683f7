"""Link previews (``chat.messages.previews``) against a local web server of the test's own:
a page's OpenGraph tags and picture made into a preview later, the picture re-encoded; and
every page that must give nothing (slow, huge, not HTML, an SVG picture), or be dropped
(the message deleted or edited meanwhile)."""

from __future__ import annotations

import io
import logging
import time

import pytest
from PIL import Image

from chat.messages import edits as changes
from chat.messages import posting as messages
from chat.messages import previews
from chat.models import LinkPreview, Message
from tests.support import hook_pool
from tests.support.events import record_events
from tests.support.files import CAMERA, SVG, photo_with_gps, png
from tests.support.hook_server import WAIT
from tests.support.messages import revision_of, said
from tests.support.page_server import (
    PUBLIC,
    body,
    held,
    og_page,
    redirect,
    route_public_to,
    trickle,
)

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("media_root")]


def post_link(room, author, url: str, words: str = "look:") -> Message:
    """Post a message holding ``url`` and wait until its preview is done (or given up)."""
    message = said(room, author, f"{words} {url}")
    assert hook_pool.wait_idle(WAIT)
    return message


def serve_menu(pages, **page) -> None:
    pages.routes["/menu"] = body(og_page(**page))
    pages.routes["/photo.jpg"] = body(photo_with_gps(), "image/jpeg")


def article_of(message: Message) -> str:
    fresh = Message.objects.for_room(message.room).get(pk=message.pk)
    return previews.rendering.message_article(fresh)


# --- a page that says what it is -----------------------------------------------------------


def test_a_pages_opengraph_tags_become_a_preview_with_our_own_copy_of_its_picture(
    alice, lunch, page_server
):
    serve_menu(page_server)

    message = post_link(lunch, alice, page_server.url("/menu"))

    preview = LinkPreview.objects.get(message=message)
    assert (preview.url, preview.title, preview.description, preview.site_name) == (
        page_server.url("/menu"),
        "Lunch menu",
        "Soup and bread",
        "The Harbour",
    )
    assert page_server.asked == ["/menu", "/photo.jpg"]
    stored = preview.image.read()
    assert stored != photo_with_gps()
    picture = Image.open(io.BytesIO(stored))
    assert picture.format == "JPEG"
    assert not picture.getexif()  # no camera, no GPS
    assert CAMERA.encode() not in stored
    assert (preview.image_width, preview.image_height) == picture.size == (300, 600)  # upright


def test_the_preview_takes_a_revision_and_reaches_the_room_as_a_changed_article(
    alice, lunch, page_server, monkeypatch
):
    serve_menu(page_server)
    sent = record_events(monkeypatch)

    message = post_link(lunch, alice, page_server.url("/menu"))

    changed = [e for e in sent if e["type"] == "chat.message" and e["author"] is None]
    assert len(changed) == 1
    preview = LinkPreview.objects.get(message=message)
    html = changed[0]["html"]
    assert f'<article id="message-{message.id}"' in html
    assert 'hx-swap-oob="outerHTML"' in html
    assert '<aside class="preview"' in html
    assert f'<img src="/previews/{preview.id}/image" width="300" height="600" alt=""' in html
    assert f'href="{page_server.url("/menu")}" rel="nofollow noopener noreferrer"' in html
    fresh = Message.objects.get(pk=message.pk)
    assert fresh.revision == changed[0]["revision"] == revision_of(lunch) > message.revision


def test_a_page_resuming_from_before_the_preview_gets_it(alice, lunch, page_server):
    serve_menu(page_server)
    message = said(lunch, alice, "look first")
    cursor = revision_of(lunch)

    posted = post_link(lunch, alice, page_server.url("/menu"))

    missed = messages.catch_up(lunch, after_id=message.id, cursor=cursor)
    assert [m.id for m in missed.messages] == [posted.id]
    assert '<aside class="preview"' in previews.rendering.message_article(missed.messages[0])


def test_what_the_page_says_is_shown_escaped(alice, lunch, page_server):
    serve_menu(page_server, title="<script>alert(1)</script> Menu", site="A & B")

    message = post_link(lunch, alice, page_server.url("/menu"))

    html = article_of(message)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Menu" in html
    assert "A &amp; B" in html


def test_posting_does_not_wait_for_the_page(alice, lunch, page_server):
    page_server.routes["/menu"] = held(body(og_page(image=None)))

    message = said(lunch, alice, f"look {page_server.url('/menu')}")  # returns while held

    assert page_server.arrived.wait(WAIT)
    assert not LinkPreview.objects.filter(message=message).exists()
    page_server.release.set()
    assert hook_pool.wait_idle(WAIT)
    assert LinkPreview.objects.filter(message=message).exists()


# --- pages that give nothing ---------------------------------------------------------------


def test_a_slow_page_gives_no_preview_and_frees_the_worker(alice, lunch, page_server, monkeypatch):
    monkeypatch.setattr(previews, "PAGE_SECONDS", 0.5)
    page_server.routes["/slow"] = trickle
    started = time.monotonic()

    post_link(lunch, alice, page_server.url("/slow"))

    assert time.monotonic() - started < 3
    assert not LinkPreview.objects.exists()


def test_only_the_start_of_a_huge_page_is_read(alice, lunch, page_server):
    # Its tags come after the first 512 KiB: never read, so no preview.
    page_server.routes["/huge"] = body(og_page(head_padding=previews.PAGE_BYTES))
    page_server.routes["/long"] = body(og_page(image=None, body_padding=4 * previews.PAGE_BYTES))

    post_link(lunch, alice, page_server.url("/huge"))
    long = post_link(lunch, alice, page_server.url("/long"))

    assert list(LinkPreview.objects.values_list("message_id", "title")) == [(long.id, "Lunch menu")]


def test_a_picture_over_the_cap_is_left_out(alice, lunch, page_server, monkeypatch):
    monkeypatch.setattr(previews, "IMAGE_BYTES", 64 * 1024)
    page_server.routes["/menu"] = body(og_page(image="/big.png"))
    page_server.routes["/big.png"] = body(png(800, 600), "image/png")

    message = post_link(lunch, alice, page_server.url("/menu"))

    preview = LinkPreview.objects.get(message=message)
    assert preview.title == "Lunch menu"
    assert not preview.image
    assert "<img" not in article_of(message)


@pytest.mark.parametrize(
    ("content_type", "data"),
    [("image/svg+xml", SVG), ("image/png", SVG), ("text/html", b"<html>no picture</html>")],
    ids=["svg", "svg-called-png", "html"],
)
def test_a_picture_that_is_not_a_raster_image_is_left_out(
    alice, lunch, page_server, content_type, data
):
    page_server.routes["/menu"] = body(og_page(image="/picture"))
    page_server.routes["/picture"] = body(data, content_type)

    message = post_link(lunch, alice, page_server.url("/menu"))

    assert not LinkPreview.objects.get(message=message).image


@pytest.mark.parametrize(
    ("content_type", "data"),
    [("application/json", b'{"title": "x"}'), ("image/png", png(20, 20))],
    ids=["json", "png"],
)
def test_an_answer_that_is_not_html_gives_nothing(alice, lunch, page_server, content_type, data):
    page_server.routes["/thing"] = body(data, content_type)

    post_link(lunch, alice, page_server.url("/thing"))

    assert page_server.asked == ["/thing"]
    assert not LinkPreview.objects.exists()


def test_a_page_redirecting_to_127_0_0_1_gives_nothing(
    alice, lunch, page_server, settings, monkeypatch
):
    settings.CHAT_FETCH_ALLOW_PRIVATE_URLS = False
    route_public_to(monkeypatch, page_server.port, {"pages.example": PUBLIC})
    page_server.routes["/start"] = redirect(page_server.url("/menu"))
    serve_menu(page_server)

    post_link(lunch, alice, "http://pages.example/start")

    assert page_server.asked == ["/start"]
    assert not LinkPreview.objects.exists()


def test_with_previews_off_nothing_is_fetched(alice, lunch, page_server, settings):
    settings.CHAT_LINK_PREVIEWS = False
    serve_menu(page_server)

    post_link(lunch, alice, page_server.url("/menu"))

    assert page_server.asked == []
    assert not LinkPreview.objects.exists()


def test_a_link_in_code_is_not_fetched(alice, lunch, page_server):
    serve_menu(page_server)

    post_link(lunch, alice, f"`{page_server.url('/menu')}`", words="run")

    assert page_server.asked == []


def test_a_link_to_the_chat_itself_is_not_fetched(alice, lunch, page_server):
    serve_menu(page_server)

    post_link(lunch, alice, f"http://localhost:{page_server.port}/menu")

    assert page_server.asked == []


# --- the message changes meanwhile ---------------------------------------------------------


def test_a_message_deleted_meanwhile_gets_no_preview(alice, lunch, page_server):
    page_server.routes["/menu"] = held(body(og_page(image=None)))
    message = said(lunch, alice, f"look {page_server.url('/menu')}")
    assert page_server.arrived.wait(WAIT)

    changes.delete_message(alice, message.id)
    page_server.release.set()

    assert hook_pool.wait_idle(WAIT)
    assert not LinkPreview.objects.exists()


def test_a_message_whose_link_was_edited_meanwhile_gets_the_new_links_preview(
    alice, lunch, page_server
):
    page_server.routes["/old"] = held(body(og_page(title="Old", image=None)))
    page_server.routes["/new"] = body(og_page(title="New", image=None))
    message = said(lunch, alice, f"look {page_server.url('/old')}")
    assert page_server.arrived.wait(WAIT)

    changes.edit_message(alice, message.id, {"body": f"no, {page_server.url('/new')}"})
    page_server.release.set()

    assert hook_pool.wait_idle(WAIT)
    assert LinkPreview.objects.get(message=message).title == "New"


def test_an_edit_that_changes_the_link_fetches_the_new_page(alice, lunch, page_server):
    serve_menu(page_server)
    page_server.routes["/other"] = body(og_page(title="Other", image=None))
    message = post_link(lunch, alice, page_server.url("/menu"))
    [old_picture] = LinkPreview.objects.values_list("image", flat=True)

    changes.edit_message(alice, message.id, {"body": f"rather {page_server.url('/other')}"})
    assert hook_pool.wait_idle(WAIT)
    changes.edit_message(alice, message.id, {"body": f"yes, {page_server.url('/other')}"})
    assert hook_pool.wait_idle(WAIT)

    assert page_server.asked == ["/menu", "/photo.jpg", "/other"]  # the same link: no fetch
    preview = LinkPreview.objects.get(message=message)
    assert (preview.title, preview.image.name) == ("Other", "")
    assert not LinkPreview.image.field.storage.exists(old_picture)


def test_an_edit_that_takes_the_link_out_takes_the_preview_off(alice, lunch, page_server):
    serve_menu(page_server)
    message = post_link(lunch, alice, page_server.url("/menu"))
    [stored] = LinkPreview.objects.values_list("image", flat=True)

    changes.edit_message(alice, message.id, {"body": "never mind"})
    assert hook_pool.wait_idle(WAIT)

    assert not LinkPreview.objects.exists()
    assert not LinkPreview.image.field.storage.exists(stored)
    assert "preview" not in article_of(message)


def test_a_removed_preview_stays_off_when_the_link_is_edited(alice, lunch, page_server):
    serve_menu(page_server)
    page_server.routes["/other"] = body(og_page(title="Other", image=None))
    message = post_link(lunch, alice, page_server.url("/menu"))
    previews.remove_preview(alice, message.id)
    asked = list(page_server.asked)

    changes.edit_message(alice, message.id, {"body": f"rather {page_server.url('/other')}"})
    assert hook_pool.wait_idle(WAIT)

    assert page_server.asked == asked
    assert LinkPreview.objects.get(message=message).removed
    assert "preview" not in article_of(message)


# --- the article asking for its preview ----------------------------------------------------


def test_shown_preview_is_none_without_a_preview_or_once_removed(alice, lunch, page_server):
    serve_menu(page_server)
    plain = said(lunch, alice, "no link here")
    linked = post_link(lunch, alice, page_server.url("/menu"))
    fetched = {m.pk: m for m in Message.objects.for_room(lunch)}

    assert fetched[plain.pk].shown_preview is None
    assert fetched[linked.pk].shown_preview == LinkPreview.objects.get(message=linked)

    previews.remove_preview(alice, linked.id)
    assert Message.objects.for_room(lunch).get(pk=linked.pk).shown_preview is None


def test_an_article_without_a_preview_draws_without_a_failed_lookup(alice, lunch, caplog):
    # Django's engine logs each variable it fails to find, after three exceptions and a
    # dir() of the object: a message without a preview must not cost its article that.
    message = said(lunch, alice, "no link here")

    with caplog.at_level(logging.DEBUG, logger="django.template"):
        html = article_of(message)

    assert 'class="preview"' not in html
    assert [r.getMessage() for r in caplog.records if "'preview'" in r.getMessage()] == []
