"""Search in a real browser: from the header's box to a result in an older part of a room,
and a room page opened there, which leaves live messages out until "Load newer messages"
reaches the newest (each page's console must stay clean: the ``people`` fixture checks)."""

from __future__ import annotations

import json
import re

import pytest
from playwright.sync_api import expect

from tests.support.browsing import (
    MESSAGES,
    Person,
    create_public_room,
    meet_in_lunch,
    message_with,
    screenshot,
    send,
    sign_up,
)
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser

# Said by alice in "Lunch" through the service, in the server's own database: a long
# history is quicker written than typed. Prints the ids, in order.
SEED = """
import json
from django.contrib.auth import get_user_model
from django.core.cache import cache
from chat.messages import posting as messages
from chat.models import Room
alice = get_user_model().objects.get(username="alice")
room = Room.objects.get(slug="lunch")
ids = []
for body in json.loads({bodies!r}):
    ids.append(messages.post_message(room, alice, {{"body": body}}).message.id)
    cache.clear()  # past the posting limit
print(json.dumps(ids))
"""


def seed(server: LiveServer, bodies: list[str]) -> list[int]:
    """Post ``bodies`` in Lunch as alice; their message ids."""
    output = server.manage("shell", "-c", SEED.format(bodies=json.dumps(bodies))).stdout
    return json.loads(output.strip().splitlines()[-1])


def history_with_soup_in_the_middle() -> list[str]:
    """120 messages, the 61st the only one about soup: far from the latest page."""
    return (
        [f"filler {n}" for n in range(60)]
        + ["the soup is ready"]
        + [f"more filler {n}" for n in range(59)]
    )


@pytest.mark.screenshots
def test_alice_searches_from_the_header_and_jumps_to_an_older_message(
    people, server: LiveServer
) -> None:
    alice: Person = people("alice")
    sign_up(alice, server)
    create_public_room(alice, server, "Lunch", "lunch")
    soup_id = seed(server, history_with_soup_in_the_middle())[60]
    page = alice.page
    page.goto("/")

    box = page.get_by_role("searchbox", name="Search messages")
    box.fill("soup")
    box.press("Enter")

    expect(page).to_have_url(f"{server.url}/search?q=soup")
    result = page.locator("article.result")
    expect(result).to_have_count(1)
    expect(result.locator("mark")).to_have_text("soup")
    expect(result.locator(".room")).to_have_text("Lunch")
    screenshot(page, "search.png")
    result.get_by_role("link", name="Show in the conversation").click()

    expect(page).to_have_url(f"{server.url}/r/lunch/?around={soup_id}#message-{soup_id}")
    target = page.locator(f"#message-{soup_id}")
    expect(target).to_be_in_viewport()
    expect(page.locator("article:target")).to_have_id(f"message-{soup_id}")
    expect(page.locator("#older")).to_have_text("Load older messages")
    expect(page.locator("#newer")).to_have_text("Load newer messages")
    expect(page.locator("#messages")).to_have_attribute("data-latest", "false")
    expect(alice.badge).to_have_attribute("data-state", "live")


def wait_for_frame_holding(person: Person, text: str):
    """Start listening for the socket frame that holds ``text``; call the result to wait
    until it has arrived and been handled."""
    person.page.evaluate(
        """text => {
            window.frameArrived = false;
            document.addEventListener("htmx:wsAfterMessage", event => {
                if (event.detail.message.includes(text)) window.frameArrived = true;
            });
        }""",
        text,
    )
    return lambda: person.page.wait_for_function("() => window.frameArrived === true")


def test_a_page_opened_around_an_older_message_takes_live_messages_after_loading_newer(
    people, server: LiveServer
) -> None:
    alice, bob = meet_in_lunch(people, server)
    soup_id = seed(server, history_with_soup_in_the_middle())[60]
    alice.page.goto(f"/r/lunch/?around={soup_id}#message-{soup_id}")
    expect(alice.badge).to_have_attribute("data-state", "live")
    shown_before = alice.page.locator(MESSAGES).count()

    # Below a gap of 34 unseen messages, bob's new one is left out...
    arrived = wait_for_frame_holding(alice, "said during the gap")
    send(bob, "said during the gap")
    arrived()
    expect(message_with(alice, "said during the gap")).to_have_count(0)
    expect(alice.page.locator(MESSAGES)).to_have_count(shown_before)

    # ...until "Load newer messages" reaches the newest, which brings it along.
    alice.page.get_by_role("link", name="Load newer messages").click()
    expect(message_with(alice, "said during the gap")).to_have_count(1)
    expect(alice.page.locator("#newer")).to_have_count(0)
    expect(alice.page.locator("#messages")).to_have_attribute("data-latest", "true")

    # From then on, live messages are appended as on any room page, once each.
    send(bob, "said after the gap")
    expect(message_with(alice, "said after the gap")).to_have_count(1)
    last_two = alice.page.locator(MESSAGES).locator(".body").all_inner_texts()[-2:]
    assert last_two == ["said during the gap", "said after the gap"]
    ids = [
        int(re.sub(r"\D", "", i))
        for i in alice.page.locator(MESSAGES).evaluate_all("items => items.map(item => item.id)")
    ]
    assert ids == sorted(set(ids)), "each message once, in order"
