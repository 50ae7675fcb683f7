"""The chat by keyboard alone, in Chromium: send, edit, react and load older messages with the
focus kept, the edit box's Enter and Escape, and the composer's count and size near the
limit."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browsing import MESSAGES, lunch_for_two, message_with, seed, send
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser


# --- the keyboard ------------------------------------------------------------------------


def focused(page) -> str:
    """The focused element, as "tag#id.class" for assertions."""
    return page.evaluate(
        "() => { const e = document.activeElement;"
        " return e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +"
        " (e.className ? '.' + String(e.className).split(' ').join('.') : ''); }"
    )


def test_everything_by_keyboard_with_focus_kept(people, server: LiveServer) -> None:
    alice, bob = lunch_for_two(people, server)
    page = alice.page
    # Sending keeps the focus in the composer.
    expect(alice.composer).to_be_focused()
    send(alice, "Soup or salad?")
    expect(alice.composer).to_be_focused()
    mine = message_with(alice, "Soup or salad?")

    # Edit: reach the link, open the form (focus moves into it), and while it is open
    # someone reacts to the message: the form, what is typed and the focus stay.
    mine.locator(".action.edit").focus()
    expect(mine.locator(".actions")).to_have_css("opacity", "1")  # visible when focused
    page.keyboard.press("Enter")
    box = mine.locator(".edit-form textarea")
    expect(box).to_be_focused()
    page.keyboard.press("End")
    page.keyboard.type(" Or both?")
    bob.page.goto("/r/lunch/")
    theirs = message_with(bob, "Soup or salad?")
    theirs.locator(".action.react").click()
    theirs.locator(".palette button").first.click()
    expect(mine.locator(".reaction")).to_have_count(1)
    expect(box).to_be_focused()
    expect(box).to_have_value(re.compile(r"Or both\?$"))
    page.keyboard.press("Tab")
    expect(mine.locator(".edit-form button[type=submit]")).to_be_focused()
    page.keyboard.press("Enter")
    expect(mine.locator(".body")).to_have_text("Soup or salad? Or both?")
    expect(mine.locator(".action.edit")).to_be_focused()  # back where the edit began

    # React: the palette opens focused; a reaction leaves the focus on React.
    mine.locator(".action.react").focus()
    page.keyboard.press("Enter")
    expect(mine.locator(".palette button").first).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the palette's second emoji
    expect(mine.locator(".reaction")).to_have_count(2)
    expect(mine.locator(".action.react")).to_be_focused()

    # The members list is there to tab into (a phone's toggle is tested below).
    page.locator("#members a").first.focus()
    expect(page.locator("#members a").first).to_be_visible()


def test_the_edit_box_saves_on_enter_and_cancels_on_escape(people, server: LiveServer) -> None:
    alice, bob = lunch_for_two(people, server)
    page = alice.page
    send(alice, "Soup at one")
    mine = message_with(alice, "Soup at one")
    box = mine.locator(".edit-form textarea")

    # Escape: the message as it was, the form gone, the focus back on Edit.
    mine.locator(".action.edit").focus()
    page.keyboard.press("Enter")
    expect(box).to_be_focused()
    page.keyboard.press("End")
    page.keyboard.type(" or never")
    page.keyboard.press("Escape")
    expect(mine.locator(".edit-form")).to_have_count(0)
    expect(mine.locator(".body")).to_have_text("Soup at one")
    expect(mine.locator(".action.edit")).to_be_focused()

    # Shift+Enter is a new line; Enter saves, for everyone.
    page.keyboard.press("Enter")
    expect(box).to_be_focused()
    page.keyboard.press("End")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("or two")
    expect(box).to_have_value("Soup at one\nor two")
    page.keyboard.press("Enter")
    expect(mine.locator(".edit-form")).to_have_count(0)
    for person in (alice, bob):
        expect(message_with(person, "or two").locator(".body")).to_have_text("Soup at one\nor two")
    expect(mine.locator(".action.edit")).to_be_focused()


def test_up_in_an_empty_composer_edits_my_last_message(people, server: LiveServer) -> None:
    alice, bob = lunch_for_two(people, server)
    page = alice.page
    send(alice, "Soup at one")
    send(alice, "Salad at two")
    send(bob, "Fine by me")
    mine = message_with(alice, "Salad at two")
    box = mine.locator(".edit-form textarea")
    # Stored, not still the page's "sending…" copy, which has no Edit to open.
    expect(mine.locator(".action.edit")).to_be_attached()
    expect(message_with(alice, "Fine by me")).to_have_count(1)

    # Not while the composer holds text: ↑ moves the caret there.
    alice.composer.fill("draft")
    alice.composer.press("ArrowUp")
    expect(page.locator(".edit-form")).to_have_count(0)
    alice.composer.fill("")

    # ↑: the newest of mine (not Bob's, not my older one); Escape puts it back.
    alice.composer.press("ArrowUp")
    expect(box).to_be_focused()
    expect(page.locator(".edit-form")).to_have_count(1)
    page.keyboard.press("End")
    page.keyboard.type(" or never")
    page.keyboard.press("Escape")
    expect(mine.locator(".edit-form")).to_have_count(0)
    expect(mine.locator(".body")).to_have_text("Salad at two")
    expect(alice.composer).to_be_focused()

    # ↑ again, then Enter saves, for everyone, and the composer has the focus back.
    alice.composer.press("ArrowUp")
    expect(box).to_be_focused()
    page.keyboard.press("End")
    page.keyboard.type(" or three")
    page.keyboard.press("Enter")
    expect(mine.locator(".edit-form")).to_have_count(0)
    for person in (alice, bob):
        expect(message_with(person, "or three").locator(".body")).to_have_text(
            "Salad at two or three"
        )
    expect(alice.composer).to_be_focused()


def test_older_messages_load_by_keyboard(people, server: LiveServer) -> None:
    alice, _bob = lunch_for_two(people, server)
    seed(server, "lunch", [("bob", f"message {n}") for n in range(55)])
    page = alice.page
    page.goto("/r/lunch/")
    older = page.locator("#older")
    expect(older).to_have_text("Load older messages")
    older.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#messages article.message")).to_have_count(55)
    # The focus is not lost on the page: it is on what came in, the conversation's start.
    expect(page.locator("#older")).to_be_focused()
    expect(page.locator("#older")).to_have_text("This is the beginning of the conversation.")


# --- the composer ----------------------------------------------------------------------


def test_the_count_shows_near_the_limit_and_nothing_is_cut(people, server: LiveServer) -> None:
    alice, _bob = lunch_for_two(people, server)
    page = alice.page
    count = page.locator("#composer-count")
    expect(count).to_be_hidden()
    alice.composer.fill("x" * 3499)
    expect(count).to_be_hidden()
    alice.composer.fill("x" * 3812)
    expect(count).to_have_text("3,812 / 4,000")
    expect(count).not_to_have_class(re.compile("over"))

    # Made taller by hand, then a paste past the limit: shown, not cut, and refused with
    # a clear error; the composer keeps its text and its size (no CSP violation either:
    # the console is checked when the test ends).
    box = alice.composer.bounding_box()
    page.mouse.move(box["x"] + box["width"] - 3, box["y"] + box["height"] - 3)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] - 3, box["y"] + box["height"] + 120, steps=4)
    page.mouse.up()
    tall = alice.composer.bounding_box()["height"]
    assert tall > box["height"] + 100
    text = "y" * 4100
    alice.composer.fill(text)
    expect(count).to_have_text("4,100 / 4,000")
    expect(count).to_have_class(re.compile("over"))
    alice.composer.press("Enter")
    expect(page.locator("#composer .error")).to_contain_text("at most 4,000 characters")
    expect(alice.composer).to_have_value(text)
    expect(alice.composer).to_be_focused()  # the composer came back; the focus with it
    assert alice.composer.bounding_box()["height"] == pytest.approx(tall, abs=1)
    expect(count).to_have_text("4,100 / 4,000")
    expect(page.locator(MESSAGES)).to_have_count(0)
