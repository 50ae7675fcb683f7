"""The chat for every reader, in Chromium: axe-core on every kind of page (light and dark),
screen readers told of new messages, a phone's screen, and the styleguide's pictures for the
README. The keyboard alone and the composer are in ``test_keyboard.py``."""

from __future__ import annotations

import re
from pprint import pformat

import pytest
from playwright.sync_api import expect

from tests.support.browsing import (
    MESSAGES,
    axe_violations,
    lunch_for_two,
    message_with,
    screenshot,
    seed,
    send,
    sign_up,
)
from tests.support.live_server import LiveServer

pytestmark = pytest.mark.browser

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}

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
    # "active … ago" as the server wrote it, not turned into a date by the page's script.
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
        ("people", "/people/"),
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
    expect(page.locator(MESSAGES)).to_have_count(5)
    no_sideways_scroll(page)
    assert page.evaluate(SMALL_TARGETS) == []
    # A message's actions are one "⋯" menu, closed at first; Edit and Delete show on my
    # messages only, as on a wider screen.
    for text in ("See you there", "the usual place?"):
        expect(message_with(alice, text).locator(".action.react")).to_be_hidden()
        message_with(alice, text).locator(".actions-menu > summary").click()
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
RADIOS_BESIDE_WORDS = """(form) => [...document.querySelectorAll(`${form} input[type=radio]`)]
.map(radio => {
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
        beside = alice.page.evaluate(RADIOS_BESIDE_WORDS, "#notify-form")
        assert [words for words, _ in beside] == ["Everything", "Mentions of me only", "Nothing"]
        assert all(ok for _, ok in beside), (width, beside)
        kinds = alice.page.evaluate(RADIOS_BESIDE_WORDS, ".room-admin")
        assert [words.split(":")[0] for words, _ in kinds] == ["Public", "Private"]
        assert all(ok for _, ok in kinds), (width, kinds)


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
