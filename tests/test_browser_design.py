"""The chat for every reader, in Chromium: axe-core on every kind of page (light and dark),
a phone's screen, the keyboard alone, screen readers told of new messages, the composer's
count and size, and the styleguide's pictures for the README."""

from __future__ import annotations

import re
from pprint import pformat

import pytest
from playwright.sync_api import expect

from tests.browsing import (
    axe_violations,
    create_public_room,
    message_with,
    screenshot,
    send,
    sign_up,
)
from tests.live_server import LiveServer

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}

#: Messages posted through the services in the server's own database (before pages open).
SEED = """
from django.contrib.auth import get_user_model
from django.core.cache import cache
from chat import messages
from chat.models import Room
room = Room.objects.get(slug={slug!r})
people = {{person.username: person for person in get_user_model().objects.all()}}
for author, body in {lines!r}:
    messages.post_message(room, people[author], {{"body": body}})
    cache.clear()  # past the posting limit: a history, not a flood
"""


def seed(server: LiveServer, slug: str, lines: list[tuple[str, str]]) -> None:
    """Post ``lines`` ((author, body) pairs) into the room ``slug``."""
    server.manage("shell", "-c", SEED.format(slug=slug, lines=lines))


def lunch_for_two(people, server: LiveServer, **options):
    """Alice and Bob signed up; Alice made the public room Lunch; both are in it."""
    alice, bob = people("alice", **options), people("bob", **options)
    sign_up(alice, server)
    sign_up(bob, server)
    create_public_room(alice, server, "Lunch", "lunch")
    bob.page.goto("/r/lunch/")
    for person in (alice, bob):
        expect(person.badge).to_have_attribute("data-state", "live")
    return alice, bob


FIVE = [
    ("alice", "Lunch at noon?"),
    ("bob", "Yes! @alice the usual place?"),
    ("alice", "The usual place. <b>Bring</b> cake"),
    ("bob", "https://example.org/" + "a-very-long-path" * 12),
    ("alice", "See you there"),
]


def serious(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in {"serious", "critical"}]


# --- axe-core --------------------------------------------------------------------------


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_nothing_wrong_on_any_page(people, server: LiveServer, scheme) -> None:
    """The login page, lobby, a room with five messages, a conversation, search, the
    account pages and the styleguide: no violation at all (so none serious or critical),
    light and dark."""
    visitor = people("visitor", color_scheme=scheme)
    visitor.page.goto("/accounts/login/")
    found = {"login": axe_violations(visitor.page)}
    visitor.page.fill("input[name=username]", "nobody")
    visitor.page.fill("input[name=password]", "wrong")
    visitor.page.get_by_role("button", name="Log in").click()
    expect(visitor.page.locator(".error")).to_have_count(1)  # said once
    found["login refused"] = axe_violations(visitor.page)
    visitor.page.goto("/accounts/signup/")
    found["signup"] = axe_violations(visitor.page)
    visitor.page.goto("/accounts/password/reset/")
    found["password reset"] = axe_violations(visitor.page)

    alice, bob = lunch_for_two(people, server, color_scheme=scheme)
    seed(server, "lunch", FIVE)
    alice.page.goto("/r/lunch/")
    expect(alice.page.locator("#messages article.message")).to_have_count(5)
    expect(alice.badge).to_have_attribute("data-state", "live")
    found["room"] = axe_violations(alice.page)
    alice.page.goto("/")
    expect(alice.page.locator("#public-rooms")).to_contain_text("Lunch")
    # "active … ago" as the server wrote it, not turned into a date by chat.js.
    expect(alice.page.locator("#public-rooms time")).to_have_text(re.compile(r"now|ago$"))
    found["lobby"] = axe_violations(alice.page)
    bob.page.goto("/p/alice/")
    send(bob, "Are you coming?")
    found["direct"] = axe_violations(bob.page)
    bob.page.goto("/search?q=usual")
    expect(bob.page.locator(".results article")).to_have_count(2)
    found["search"] = axe_violations(bob.page)
    for page, path in [
        ("profile", "/u/alice/"),
        ("my profile", "/accounts/profile/"),
        ("password", "/accounts/password/"),
        ("invitations", "/invitations/"),
    ]:
        bob.page.goto(path)
        found[page] = axe_violations(bob.page)
    server.make_staff("bob")  # with production settings, the styleguide is for staff
    bob.page.goto("/styleguide/")
    # The styleguide shows some partials more than once, so their ids repeat there by
    # design; every page of the chat itself is checked with the rule on.
    found["styleguide"] = axe_violations(bob.page, skip_rules=("duplicate-id-aria",))

    bad = {page: serious(v) for page, v in found.items() if serious(v)}
    assert bad == {}, pformat(bad)
    bad = {page: v for page, v in found.items() if v}
    assert bad == {}, pformat(bad)


def test_dark_mode_follows_the_system(people, server: LiveServer) -> None:
    light, dark = people("light"), people("dark", color_scheme="dark")
    for person in (light, dark):
        person.page.goto("/accounts/login/")
    background = "getComputedStyle(document.body).backgroundColor"
    assert light.page.evaluate(background) == "rgb(246, 247, 249)"
    assert dark.page.evaluate(background) == "rgb(15, 18, 24)"


def test_a_csp_violation_fails_the_page_that_logs_it(people, server: LiveServer) -> None:
    """The browser helpers' own check: a style the policy refuses is a console error."""
    person = people("probe")
    person.page.goto("/accounts/login/")
    with person.page.expect_console_message(lambda message: "CSP violation" in message.text):
        person.page.evaluate("() => document.body.setAttribute('style', 'color: red')")
    assert any(line.startswith("error: CSP violation: style-src") for line in person.console)
    person.console.clear()  # the test's doing


# --- screen readers --------------------------------------------------------------------


def test_a_new_message_is_announced_politely_once(people, server: LiveServer) -> None:
    alice, bob = lunch_for_two(people, server)
    announcer = alice.page.locator("#announcer")
    expect(announcer).to_have_attribute("aria-live", "polite")
    # The one live region for messages: the log itself is not read out on every change.
    assert alice.page.locator("[aria-live]").evaluate_all("els => els.map(e => e.id)") == [
        "connection",
        "announcer",
    ]
    send(bob, "Soup today")
    expect(announcer).to_have_text("New message from bob: Soup today")
    # Alice's own message goes into the region too, hidden from her (and so not read).
    send(alice, "Lovely")
    expect(alice.page.locator("#announcer p")).to_be_hidden()
    expect(bob.page.locator("#announcer p")).to_have_text("New message from alice: Lovely")
    expect(bob.page.locator("#announcer p")).to_be_attached()


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
    expect(page.locator(MESSAGES_SHOWN)).to_have_count(0)


MESSAGES_SHOWN = "#messages article.message"


# --- a phone ----------------------------------------------------------------------------


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390, page.url


SMALL_TARGETS = """() => {
  const small = [];
  const targets = '.room a, .room button, .room summary, .room input, .room textarea, ' +
      '.topbar a, .topbar button';
  for (const e of document.querySelectorAll(targets)) {
    const box = e.getBoundingClientRect();
    // Hidden ones, and links inside a sentence (a mention in a body), are not targets.
    if (!box.width || !box.height || e.closest('.body, .visually-hidden')) continue;
    if (box.width < 44 || box.height < 44) {
      small.push(`${e.outerHTML.slice(0, 80)} ${box.width}x${box.height}`);
    }
  }
  return small;
}"""


def test_a_phone_gets_a_layout_of_its_own(people, server: LiveServer) -> None:
    alice, bob = lunch_for_two(people, server, **PHONE)
    seed(server, "lunch", FIVE)
    page = alice.page
    page.goto("/r/lunch/")
    expect(page.locator(MESSAGES_SHOWN)).to_have_count(5)
    no_sideways_scroll(page)
    assert page.evaluate(SMALL_TARGETS) == []
    # Edit and Delete show on my messages only, as on a wider screen.
    expect(message_with(alice, "See you there").locator(".action.edit")).to_be_visible()
    expect(message_with(alice, "the usual place?").locator(".action.edit")).to_be_hidden()
    expect(message_with(alice, "the usual place?").locator(".action.react")).to_be_visible()

    # The members panel is a toggle, closed at first; the keyboard opens it.
    members = page.locator("#members")
    expect(members).to_be_hidden()
    toggle = page.locator(".members-toggle > summary")
    toggle.focus()
    page.keyboard.press("Enter")
    expect(members).to_be_visible()
    expect(members).to_contain_text("bob")
    no_sideways_scroll(page)
    toggle.click()
    expect(members).to_be_hidden()

    # The composer sits at the foot of the visible screen, and stays there when the
    # on-screen keyboard takes half of it (the viewport meta's interactive-widget makes
    # the layout shrink with it; here the viewport shrinks as it would).
    meta = page.locator("meta[name=viewport]").get_attribute("content")
    assert "interactive-widget=resizes-content" in meta
    alice.composer.focus()
    for height in (844, 420):
        page.set_viewport_size({"width": 390, "height": height})
        box = alice.composer.bounding_box()
        assert box["y"] + box["height"] <= height, height
        assert box["y"] > height / 2, height  # at the foot, not at the top
        assert page.evaluate("window.scrollY") == 0
    send(alice, "Typed on a phone")
    expect(message_with(bob, "Typed on a phone")).to_have_count(1)

    server.make_staff("alice")  # with production settings, the styleguide is for staff
    for path in ("/", "/search?q=usual", "/styleguide/"):
        page.goto(path)
        no_sideways_scroll(page)


#: Each radio of a page with its words: whether the radio is on the same line as the words,
#: before them (the words' first line box, from a Range over the label's text).
RADIOS_BESIDE_WORDS = """() => [...document.querySelectorAll('input[type=radio]')].map(radio => {
  const label = radio.closest('label');
  const range = document.createRange();
  range.setStart(radio.nextSibling, 0);
  range.setEndAfter(label.lastChild);
  const words = range.getClientRects()[0], box = radio.getBoundingClientRect();
  return [label.textContent.trim(),
          box.top < words.bottom && box.bottom > words.top && box.right <= words.left];
})"""


def test_each_radio_sits_beside_its_words(people, server: LiveServer) -> None:
    alice, _bob = lunch_for_two(people, server)
    for width in (1100, 390):
        alice.page.set_viewport_size({"width": width, "height": 800})
        alice.page.goto("/r/lunch/settings")
        beside = alice.page.evaluate(RADIOS_BESIDE_WORDS)
        assert [words for words, _ in beside] == ["Everything", "Mentions of me only", "Nothing"]
        assert all(ok for _, ok in beside), (width, beside)


def test_the_profile_editor_fits_a_phone(people, server: LiveServer) -> None:
    carol = people("carol", **PHONE)
    sign_up(carol, server)
    carol.page.goto("/accounts/profile/")
    expect(carol.page.locator("#id_avatar")).to_be_visible()
    no_sideways_scroll(carol.page)


# --- the styleguide's pictures ------------------------------------------------------------


@pytest.mark.screenshots
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_styleguide_pictures(people, server: LiveServer, scheme) -> None:
    """The README's pictures of the styleguide: desktop and phone, light and dark."""
    for device, options in (("desktop", {}), ("phone", PHONE)):
        person = people(f"{device}-{scheme}", color_scheme=scheme, **options)
        sign_up(person, server)
        server.make_staff(person.name)  # with production settings, the styleguide is staff's
        page = person.page
        page.goto("/styleguide/#sg-message-reactions")
        expect(page.locator("#sg-message-reactions .reaction").first).to_be_visible()
        if device == "phone":
            no_sideways_scroll(page)
        screenshot(page, f"styleguide-{device}-{scheme}.png")
