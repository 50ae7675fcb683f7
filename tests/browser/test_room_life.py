"""A conversation coming alive for two people in a real browser against a real server:
presence, typing, edits, reactions, mentions (and their suggestions), deletion, and a direct
conversation opened by its first message."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.support.browsing import (
    Person,
    expect_conversation,
    meet_in_lunch,
    message_with,
    screenshot,
    send,
    sign_up,
    watch_console,
)
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser


def member(person: Person, name: str):
    return person.page.locator("#members li", has_text=name)


def test_an_empty_conversation_comes_alive_with_its_first_message(people, server) -> None:
    alice, bob = people("alice"), people("bob")
    sign_up(alice, server)
    sign_up(bob, server)
    alice.page.goto("/p/bob/")  # nothing said yet: no room, but the page listens
    expect(alice.page.locator("#older")).to_have_text("Nothing said here yet.")
    expect(alice.badge).to_have_attribute("data-state", "live")
    bob.page.goto("/p/alice/")
    expect(bob.badge).to_have_attribute("data-state", "live")

    send(bob, "first words")  # over bob's socket, which opens the conversation
    for person in (alice, bob):
        expect_conversation(person, [("bob", "first words")])
    send(alice, "and an answer")
    for person in (alice, bob):
        expect_conversation(person, [("bob", "first words"), ("alice", "and an answer")])
    assert alice.page.url == f"{server.url}/p/bob/"  # no reload, no navigation


@pytest.mark.screenshots
def test_a_room_comes_alive_for_two_people(people, server: LiveServer) -> None:
    alice, bob = meet_in_lunch(people, server)
    lobby = alice.context.new_page()
    watch_console(Person("alice's lobby", alice.context, lobby))
    lobby.goto("/")

    # Presence: each sees the other online.
    expect(member(alice, "bob")).to_have_class(re.compile(r"\bonline\b"))
    expect(member(bob, "alice")).to_have_class(re.compile(r"\bonline\b"))

    # Typing: bob's words show on alice's page, not on his own, and end with his message.
    bob.composer.press_sequentially("hungry?")
    expect(alice.page.locator("#typing")).to_have_text("bob is typing…")
    expect(bob.page.locator("#typing .typist")).to_be_hidden()
    bob.composer.press("Enter")
    expect(message_with(alice, "hungry?")).to_have_count(1)
    expect(alice.page.locator("#typing")).to_have_text("")

    # Edit: alice fixes a typo; bob's copy changes in place, marked edited.
    send(alice, "see you at noom")
    mine = message_with(alice, "see you at noom")
    mine.hover()
    mine.get_by_role("link", name="Edit").click()
    editor = mine.locator("textarea[name=body]")
    expect(editor).to_be_focused()
    editor.fill("see you at noon")
    mine.get_by_role("button", name="Save").click()
    edited = message_with(bob, "see you at noon")
    expect(edited).to_have_count(1)
    expect(edited).to_have_attribute("data-edited", "")
    expect(edited.locator(".edited")).to_have_text("(edited)")
    expect(message_with(bob, "noom")).to_have_count(0)

    # Reactions: bob reacts; alice sees the count, highlighted on bob's page only.
    theirs = message_with(bob, "see you at noon")
    theirs.hover()
    theirs.get_by_role("link", name="React").click()
    theirs.get_by_role("button", name="React with 👍").click()
    chip = message_with(alice, "see you at noon").locator(".reaction[data-emoji='👍']")
    expect(chip.locator(".count")).to_have_text("1")
    expect(chip).to_have_attribute("title", "bob")
    bob_chip = message_with(bob, "see you at noon").locator(".reaction[data-emoji='👍']")
    assert bob_chip.evaluate("n => getComputedStyle(n).borderColor") != chip.evaluate(
        "n => getComputedStyle(n).borderColor"
    ), "bob's own reaction is highlighted for him, not for alice"

    # A mention, while alice is away from the room: her lobby counts it, and the room,
    # when she is back, highlights it.
    alice_id = message_with(alice, "see you at noon").get_attribute("data-author")
    alice.page.goto("/")
    bob.composer.press_sequentially("@al")
    suggestion = bob.page.locator("#mention-suggestions [role=option]", has_text="@alice")
    expect(suggestion).to_be_visible()
    bob.composer.press("Enter")  # takes the suggestion
    expect(bob.composer).to_have_value("@alice ")
    bob.composer.press_sequentially("table for two?")
    bob.composer.press("Enter")
    expect(lobby.locator(".lobby-entry.mentioned .mentions")).to_have_text("@1")
    expect(lobby).to_have_title(re.compile(r"^\(\d+\) Chat$"))
    screenshot(lobby, "lobby-live.png")
    alice.page.goto("/r/lunch/")
    mention = message_with(alice, "table for two?").locator("a.mention")
    expect(mention).to_have_attribute("data-user-id", alice_id)
    expect(alice.badge).to_have_attribute("data-state", "live")
    expect(member(alice, "bob")).to_have_class(re.compile(r"\bonline\b"))
    expect(lobby.locator(".lobby-entry.mentioned")).to_have_count(0)  # read, on every tab

    bob.composer.press_sequentially("on my way")
    expect(alice.page.locator("#typing")).to_have_text("bob is typing…")
    screenshot(alice.page, "room-live.png")
    bob.composer.press("Enter")

    # Delete: alice deletes her message; bob sees the tombstone, the words are gone.
    mine = message_with(alice, "see you at noon")
    mine.hover()
    mine.get_by_role("link", name="Delete").click()
    mine.get_by_role("button", name="Delete").click()
    tombstone = bob.page.locator(f"#{mine.get_attribute('id')}")
    expect(tombstone).to_have_class(re.compile(r"\bdeleted\b"))
    expect(tombstone).to_contain_text("This message was deleted.")
    expect(bob.page.locator("#messages")).not_to_contain_text("see you at noon")

    # Presence ends: bob closes his page, and his dot clears for alice.
    bob.page.close()
    expect(member(alice, "bob")).not_to_have_class(re.compile(r"\bonline\b"))


def test_a_late_answer_for_a_mention_typed_past_does_not_take_the_enter(people, server):
    alice, bob = meet_in_lunch(people, server)
    # The page counts the suggestion requests htmx sends and the answers it has handled.
    bob.page.evaluate(
        """() => {
          window.asked = window.answered = 0;
          const mine = (e) => (e.detail.pathInfo.requestPath || "").includes("/mentions");
          document.addEventListener("htmx:beforeRequest", (e) => { if (mine(e)) asked++; });
          document.addEventListener("htmx:afterRequest", (e) => { if (mine(e)) answered++; });
        }"""
    )
    held, released = [], []

    def hold(route) -> None:  # answers wait until released
        (route.continue_() if released else held.append(route))

    bob.page.route("**/r/lunch/mentions?*", hold)
    bob.composer.press_sequentially("@al")
    bob.composer.press_sequentially("ice is here")  # past the name: no list is wanted
    released.append(True)
    for route in held:
        route.continue_()
    bob.page.wait_for_function("() => asked > 0 && answered === asked")
    expect(bob.page.locator("#mention-suggestions")).to_be_hidden()

    bob.composer.press("Enter")
    expect(bob.composer).to_have_value("")
    expect(message_with(alice, "@alice is here")).to_have_count(1)
