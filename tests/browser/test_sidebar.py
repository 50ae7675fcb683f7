"""The sidebar, the switcher and the message actions' menu, in Chromium with two people: the
sidebar's badges live beside a conversation, Ctrl+K, a phone's drawer and "⋯" menu, and
everything without JavaScript."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browsing import (
    axe_violations,
    create_public_room,
    join_room,
    message_with,
    send,
    sign_up,
)
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
NO_JS = {"java_script_enabled": False}
#: A promise of the close code of the sidebar's socket, once the page has handled it.
WHEN_THE_SIDEBAR_CLOSES = """() => { window.sidebarClosed = new Promise((resolve) =>
  document.getElementById("sidebar").addEventListener(
    "htmx:wsClose", (event) => resolve(event.detail.event.code), { once: true })); }"""


def sidebar_link(person, slug: str):
    return person.page.locator(f'#sidebar a[href="/r/{slug}/"]')


def two_rooms(people, server: LiveServer, **options) -> tuple:
    """Alice made Lunch and Tea; Bob joined both and has Lunch open."""
    alice, bob = people("alice"), people("bob", **options)
    sign_up(alice, server)
    sign_up(bob, server)
    create_public_room(alice, server, "Tea", "tea")
    create_public_room(alice, server, "Lunch", "lunch")
    join_room(bob, "tea")
    join_room(bob, "lunch")
    return alice, bob


def test_the_sidebar_counts_live_and_the_switcher_jumps(people, server: LiveServer) -> None:
    alice, bob = two_rooms(people, server)
    page = bob.page
    expect(bob.badge).to_have_attribute("data-state", "live")
    expect(sidebar_link(bob, "lunch")).to_have_attribute("aria-current", "page")
    expect(sidebar_link(bob, "tea").locator(".unread")).to_have_count(0)

    # Alice writes in Tea while Bob reads Lunch: Tea's badge comes, live, and Lunch's
    # connection badge stays the room's own.
    alice.page.goto("/r/tea/")
    send(alice, "@bob tea time")
    expect(sidebar_link(bob, "tea").locator(".unread")).to_have_text("1")
    expect(sidebar_link(bob, "tea").locator(".mentions")).to_have_text("@1")
    assert page.url == f"{server.url}/r/lunch/"
    expect(bob.badge).to_have_attribute("data-state", "live")

    # Alice writes in Lunch, which Bob is reading: the message shows, and no badge.
    alice.page.goto("/r/lunch/")
    send(alice, "Soup is ready")
    expect(message_with(bob, "Soup is ready")).to_have_count(1)
    send(alice, "Come and get it")
    expect(sidebar_link(bob, "lunch").locator(".unread")).to_have_count(0)
    expect(sidebar_link(bob, "tea").locator(".unread")).to_have_text("1")  # re-rendered since

    # On a desktop a message's actions show on hover and on focus, not before.
    soup = message_with(bob, "Soup is ready")
    page.mouse.move(0, 0)
    expect(soup.locator(".actions")).to_have_css("opacity", "0")
    expect(soup.locator(".actions-menu > summary")).to_be_hidden()
    soup.hover()
    expect(soup.locator(".actions")).to_have_css("opacity", "1")
    page.mouse.move(0, 0)
    expect(soup.locator(".actions")).to_have_css("opacity", "0")
    soup.locator(".action.react").focus()  # the keyboard reaches them
    expect(soup.locator(".actions")).to_have_css("opacity", "1")

    # Bob follows Tea in the sidebar: he reads it, and its badge is gone.
    sidebar_link(bob, "tea").click()
    expect(page).to_have_url(f"{server.url}/r/tea/")
    expect(sidebar_link(bob, "tea")).to_have_attribute("aria-current", "page")
    expect(sidebar_link(bob, "tea").locator(".unread, .mentions")).to_have_count(0)

    # Ctrl+K opens the switcher; typing filters on the server; ↓ and Enter go there.
    switcher = page.locator("#switcher")
    expect(switcher).to_be_hidden()
    page.keyboard.press("Control+k")
    expect(switcher).to_be_visible()
    field = page.locator("#switcher-q")
    expect(field).to_be_focused()
    # Mine, at first: General (every new account's) and the two he joined.
    expect(switcher.locator("a.choice")).to_have_text(["General", "Lunch", "Tea"])
    field.press_sequentially("lun")
    expect(switcher.locator("a.choice")).to_have_text(["Lunch"])
    page.keyboard.press("ArrowDown")
    expect(switcher.locator("a.choice").first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server.url}/r/lunch/")

    # Escape closes it; Enter in the field goes to the first choice once it has come.
    page.keyboard.press("Control+k")
    expect(switcher).to_be_visible()
    page.keyboard.press("Escape")
    expect(switcher).to_be_hidden()
    page.keyboard.press("Control+k")
    page.locator("#switcher-q").fill("alice")
    expect(switcher.locator("a.choice")).to_have_text(["alice @alice"])
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{server.url}/p/alice/")
    expect(page.locator("#sidebar [aria-current=page]")).to_have_count(0)  # not begun yet


def test_the_room_socket_is_the_one_spoken_to_and_shown(people, server: LiveServer) -> None:
    """The page holds two sockets: resumes go to the room's, and the connection badge is the
    room's, whatever the sidebar's socket does (here a stand-in that closes with 4409)."""
    alice, bob = two_rooms(people, server)
    heard: list[str] = []
    sidebars = []

    def stand_in(socket) -> None:  # never connected to the server: the page sees it open
        sidebars.append(socket)
        socket.on_message(lambda message: heard.append(message))

    bob.page.route_web_socket("**/ws/sidebar/**", stand_in)
    bob.page.goto("/r/lunch/")
    expect(bob.badge).to_have_attribute("data-state", "live")
    bob.composer.press_sequentially("typing here")  # a typing frame, for the room's socket
    send(bob, "hello")
    expect(message_with(alice, "hello")).to_have_count(1)
    assert sidebars and heard == []

    bob.page.evaluate(WHEN_THE_SIDEBAR_CLOSES)
    sidebars[0].close(code=4409, reason="too many")
    assert bob.page.evaluate("() => window.sidebarClosed") == 4409  # the page has seen it
    expect(bob.badge).to_have_attribute("data-state", "live")


def test_a_phone_folds_the_sidebar_and_the_actions(people, server: LiveServer) -> None:
    alice, bob = two_rooms(people, server, **PHONE)
    alice.page.goto("/r/lunch/")
    send(alice, "Hello from the phone test")
    page = bob.page
    expect(bob.badge).to_have_attribute("data-state", "live")

    # The sidebar is a drawer behind its toggle, closed at first.
    sidebar = page.locator("#sidebar")
    toggle = page.locator(".sidebar-toggle > summary")
    expect(sidebar).to_be_hidden()
    expect(toggle).to_be_visible()
    toggle.click()
    expect(sidebar).to_be_visible()
    expect(sidebar_link(bob, "tea")).to_be_visible()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
    page.keyboard.press("Escape")  # as a menu closes
    expect(sidebar).to_be_hidden()
    expect(toggle).to_be_focused()

    # A message's actions are one "⋯" menu, closed at first.
    hello = message_with(bob, "Hello from the phone test")
    expect(hello.locator(".action.react")).to_be_hidden()
    hello.locator(".actions-menu > summary").click()
    expect(hello.locator(".action.react")).to_be_visible()
    expect(hello.locator(".action.edit")).to_be_hidden()  # not his message

    # Through the drawer to Tea.
    toggle.click()
    sidebar_link(bob, "tea").click()
    expect(page).to_have_url(f"{server.url}/r/tea/")


def test_the_sidebar_and_the_switcher_without_javascript(people, server: LiveServer) -> None:
    alice, bob = people("alice"), people("bob", **NO_JS)
    sign_up(alice, server)
    sign_up(bob, server)
    create_public_room(alice, server, "Tea", "tea")
    create_public_room(alice, server, "Lunch", "lunch")
    join_room(bob, "tea")
    join_room(bob, "lunch")
    alice.page.goto("/r/tea/")
    send(alice, "Tea time")

    # The sidebar is drawn with the page, counts as they are when it loads.
    page = bob.page
    page.reload()
    expect(sidebar_link(bob, "tea").locator(".unread")).to_have_text("1")

    # "Jump to" is the switcher's page, a plain form.
    page.locator("#switch-link").click()
    expect(page).to_have_url(f"{server.url}/switch/")
    page.locator("#switcher-q").fill("te")
    page.get_by_role("button", name="Go").click()
    expect(page).to_have_url(f"{server.url}/switch/?q=te")
    page.get_by_role("link", name="Tea").click()
    expect(page).to_have_url(f"{server.url}/r/tea/")
    expect(sidebar_link(bob, "tea").locator(".unread")).to_have_count(0)


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_wrong_beside_a_conversation(people, server: LiveServer, scheme) -> None:
    """The sidebar with its badges, the switcher open and as a page, and on a phone the
    drawer and a message's menu open, and the styleguide there: no violation, light and dark."""
    alice, bob = two_rooms(people, server, color_scheme=scheme)
    alice.page.goto("/r/tea/")
    send(alice, "@bob tea time")
    page = bob.page
    expect(sidebar_link(bob, "tea").locator(".mentions")).to_have_text("@1")
    found = {"room with the sidebar": axe_violations(page)}
    page.keyboard.press("Control+k")
    expect(page.locator("#switcher a.choice").first).to_be_visible()
    found["switcher"] = axe_violations(page)
    page.goto("/switch/?q=a")
    found["switcher page"] = axe_violations(page)

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto("/r/tea/")
    page.locator(".sidebar-toggle > summary").click()
    message_with(bob, "tea time").locator(".actions-menu > summary").click()
    expect(message_with(bob, "tea time").locator(".action.react")).to_be_visible()
    found["phone: drawer and menu open"] = axe_violations(page)
    server.make_staff("bob")  # with production settings, the styleguide is for staff
    page.goto("/styleguide/#sg-sidebar")
    found["phone: styleguide"] = axe_violations(page, skip_rules=("duplicate-id-aria",))

    assert {name: v for name, v in found.items() if v} == {}
