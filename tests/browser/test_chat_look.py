"""The conversation looks like a chat, in real Chromium against a real server: two files
sent at once, an image opened in the lightbox, a video that plays in place (and is served in
parts), day separators in each reader's own time zone, runs of one author grouped, the
newest message just above the composer, and /play heard only as it arrives."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browsing import (
    MESSAGES,
    create_public_room,
    lunch_for_two,
    meet_in_lunch,
    message_with,
    seed,
    send,
    sign_up,
)
from tests.support.files import MP4, png
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser

#: Every sound the page plays, noted before it plays (the page has not been touched, so the
#: browser would refuse it anyway: the spy answers as a played sound would).
SPY_ON_SOUNDS = """
window.played = [];
HTMLMediaElement.prototype.play = function () {
  window.played.push(this.src.split("/").pop().split(".")[0]);
  return Promise.resolve();
};
"""

#: Messages said at 10:30 and 12:30 UTC on March 4th: 23:30 on the 4th and 01:30 on the 5th
#: in Auckland (UTC+13 then).
STRADDLE = """
from datetime import datetime, timezone
from chat.models import Message
ids = Message.objects.order_by("id").values_list("id", flat=True)
for pk, hour in zip(ids, (10, 12)):
    when = datetime(2026, 3, 4, hour, 30, tzinfo=timezone.utc)
    Message.objects.filter(pk=pk).update(created_at=when)
"""


def test_two_files_at_once_the_lightbox_and_a_video(people, server: LiveServer):
    alice, bob = meet_in_lunch(people, server)
    form = alice.page.locator("#upload-form")

    form.get_by_label("Attach files").set_input_files(
        files=[
            {"name": "harbour.png", "mimeType": "image/png", "buffer": png(320, 200)},
            {"name": "boats.mp4", "mimeType": "video/mp4", "buffer": MP4},
        ]
    )
    expect(alice.page.locator("#upload-queue .upload-row")).to_have_count(2)
    form.get_by_label("Words with the file").fill("from the pier")
    form.get_by_role("button", name="Send file").click()

    for person in (alice, bob):
        shown = person.page.locator(MESSAGES)
        expect(shown).to_have_count(2)
        expect(shown.nth(0).locator("a.lightbox-link img")).to_have_attribute("alt", "harbour.png")
        expect(shown.nth(0).locator(".body")).to_have_text("from the pier")  # words with the first
        video = shown.nth(1).locator("figure.attachment.video video")
        expect(video).to_have_attribute("controls", "")
        expect(video).to_have_attribute("preload", "metadata")
        expect(shown.nth(1)).to_have_class("message follows-on")
    expect(alice.page.locator("#upload-queue")).to_be_hidden()  # all sent, the rows gone

    # The video is served from our origin, in parts (seeking needs them).
    source = bob.page.locator("video").get_attribute("src")
    answer = bob.page.request.get(source, headers={"Range": "bytes=4-11"})
    assert (answer.status, answer.headers["content-range"]) == (206, f"bytes 4-11/{len(MP4)}")
    assert answer.body() == b"ftypisom"

    # Bob opens the image: a modal dialog; Escape closes it and the focus is back.
    thumbnail = bob.page.locator(f"{MESSAGES} a.lightbox-link")
    thumbnail.focus()
    bob.page.keyboard.press("Enter")
    lightbox = bob.page.locator("dialog#lightbox")
    expect(lightbox).to_be_visible()
    expect(lightbox.locator("img")).to_have_attribute("alt", "harbour.png")
    bob.page.wait_for_function("() => document.querySelector('#lightbox img').naturalWidth === 320")
    bob.page.keyboard.press("Escape")
    expect(lightbox).to_be_hidden()
    expect(thumbnail).to_be_focused()
    assert bob.page.url == f"{server.url}/r/lunch/"  # opened over the page, not followed


def test_day_separators_follow_each_readers_time_zone(people, server: LiveServer):
    alice, bob = lunch_for_two(people, server)
    seed(server, "lunch", [("alice", "before midnight"), ("bob", "after midnight")])
    server.manage("shell", "-c", STRADDLE)
    auckland = people("carol", timezone_id="Pacific/Auckland")
    sign_up(auckland, server)
    auckland.page.goto("/r/lunch/")
    alice.page.reload()

    # The server drew its own (UTC) line; each page draws the reader's instead.
    expect(alice.page.locator("#messages .day-separator")).to_have_count(1)
    expect(alice.page.locator("#messages .day-separator time")).to_have_attribute(
        "datetime", "2026-03-04"
    )
    lines = auckland.page.locator("#messages .day-separator time")
    expect(lines).to_have_count(2)
    assert [lines.nth(i).get_attribute("datetime") for i in range(2)] == [
        "2026-03-04",
        "2026-03-05",
    ]
    for person in (alice, auckland):
        expect(person.page.locator("#messages .day-separator[data-server]")).to_have_count(0)
        expect(person.page.locator(MESSAGES)).to_have_count(2)  # the articles untouched

    # A message arriving live today starts a line of its own, and the list stays whole.
    send(bob, "today")
    for person in (alice, auckland):
        expect(message_with(person, "today")).to_have_count(1)
        expect(person.page.locator("#messages .day-separator")).to_have_count(
            2 if person is alice else 3
        )


@pytest.mark.parametrize(
    "viewport",
    [{"width": 1100, "height": 800}, {"width": 390, "height": 740}],
    ids=["desktop", "phone"],
)
def test_the_newest_message_sits_just_above_the_composer(people, server: LiveServer, viewport):
    alice, bob = meet_in_lunch(people, server, viewport=viewport)
    send(alice, "only this")
    expect(message_with(bob, "only this")).to_have_count(1)  # arrived on bob's page

    gap = bob.page.evaluate(
        """() => {
          const list = document.getElementById("messages").getBoundingClientRect();
          const last = [...document.querySelectorAll("#messages article")].pop();
          return list.bottom - last.getBoundingClientRect().bottom;
        }"""
    )
    assert 0 <= gap < 40


def test_play_sounds_for_live_arrivals_only(people, server: LiveServer):
    alice, bob = lunch_for_two(people, server, init_script=SPY_ON_SOUNDS)
    seed(server, "lunch", [("alice", "/play drum")])
    bob.page.reload()
    expect(bob.page.locator(f"{MESSAGES}[data-sound=drum] .played")).to_have_text("🔔 played drum")

    send(alice, "/play tada")
    expect(bob.page.locator(f"{MESSAGES}[data-sound=tada]")).to_have_count(1)
    bob.page.wait_for_function("() => window.played.length === 1")
    assert bob.page.evaluate("window.played") == ["tada"]  # not the drum from the page

    # /play alone answers the sender only, with the list; nothing is stored.
    send_refused = alice.page.locator("#composer .error")
    alice.composer.fill("/play")
    alice.composer.press("Enter")
    expect(send_refused).to_contain_text("Sounds you can /play: bell, chime")
    expect(bob.page.locator(MESSAGES)).to_have_count(2)

    # Muted on this browser: nothing more plays.
    toggle = bob.page.get_by_role("button", name="Sounds")
    expect(toggle).to_have_attribute("aria-pressed", "true")
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    alice.composer.fill("/play bell")
    alice.composer.press("Enter")
    expect(bob.page.locator(f"{MESSAGES}[data-sound=bell]")).to_have_count(1)
    assert bob.page.evaluate("window.played") == ["tada"]


def test_several_files_in_one_post_without_javascript(people, server: LiveServer):
    alice = people("alice", java_script_enabled=False)
    sign_up(alice, server)
    create_public_room(alice, server, "Lunch", "lunch")
    page = alice.page
    form = page.locator("#upload-form")

    form.get_by_label("Attach files").set_input_files(
        files=[
            {"name": "one.txt", "mimeType": "text/plain", "buffer": b"one"},
            {"name": "two.txt", "mimeType": "text/plain", "buffer": b"two"},
        ]
    )
    form.get_by_label("Words with the file").fill("both")
    form.get_by_role("button", name="Send file").click()

    shown = page.locator(MESSAGES)
    expect(shown).to_have_count(2)
    expect(shown.locator("a.attachment.file")).to_have_text(["one.txt", "two.txt"])
    expect(shown.nth(0).locator(".body")).to_have_text("both")
    expect(shown.nth(1)).to_have_class("message follows-on")
    # The server's own day line, since no script draws the reader's.
    expect(page.locator("#messages .day-separator[data-server]")).to_have_count(1)
