"""People in real browsers against a real server, for the browser tests (a pytest plugin,
loaded by conftest): the system Chromium, a live server per test, people each in a
browser context of their own whose console is watched, and what they do on the pages.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from tests.support import TESTS
from tests.support.accounts import PASSWORD
from tests.support.chromium import launched_chromium
from tests.support.live_server import LiveServer, running

#: The ws extension retries with full-jitter backoff (up to 2**n s); allow a few rounds.
RECONNECT_TIMEOUT_MS = 30_000

COMPOSER = "#composer textarea[name=body]"
MESSAGES = "#messages article.message"
#: The README's pictures, taken by the browser tests as they walk through each feature.
SCREENSHOTS = TESTS / "screenshots"


def screenshot(target: Page | Locator, name: str, **options) -> None:
    """Take the README's picture ``name`` of a page or an element, only when asked
    (``make screenshots`` sets CHAT_SCREENSHOTS=1): a plain test run leaves the committed
    pictures, and ``git status``, as they are."""
    if os.environ.get("CHAT_SCREENSHOTS") == "1":
        target.screenshot(path=SCREENSHOTS / name, **options)


# --- fixtures ------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """One headless system Chromium for the module."""
    with launched_chromium() as chromium:
        yield chromium


@pytest.fixture
def server(tmp_path: Path) -> Iterator[LiveServer]:
    """The chat on a fresh SQLite file, storing files in a folder of this test's own; its
    log is printed when a test fails.

    It is served without the task consumer (``serve --no-tasks``, a documented way to run
    a box): nothing a page does waits on a background task, and starting one more Django
    process for each of these tests cost the suite about a minute and a half. That ``serve`` starts
    the consumer, and what it runs, is proven by ``tests/serving/test_tasks.py`` and the bots'
    feed across a restart (``tests/bots/test_feed_replay.py``)."""
    media = {"CHAT_MEDIA_ROOT": str(tmp_path / "media")}
    live = LiveServer(tmp_path / "chat.sqlite3", env=media, serve_args=("--no-tasks",))
    with running(live):
        yield live


@dataclass
class Person:
    """One person: their own browser context (cookies, session) and page.

    Everything the page logs as a warning or error, and every uncaught error, is kept:
    a page must load and run with a clean console (checked when the test ends).
    """

    name: str
    context: BrowserContext
    page: Page
    page_errors: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)
    #: Set by tests that stop the server or cut the network: the browser and htmx then
    #: log the failed connections, which are the test's doing, not the page's.
    cut_off: bool = False

    @property
    def badge(self):
        return self.page.locator("#connection")

    @property
    def composer(self):
        return self.page.locator(COMPOSER)


@pytest.fixture
def people(browser: Browser, server: LiveServer) -> Iterator[Callable[..., Person]]:
    """Make people, each in a separate browser context; all are closed afterwards."""
    contexts: list[BrowserContext] = []

    def make(
        name: str,
        *,
        init_script: str | None = None,
        bypass_csp: bool = False,
        **options,
    ) -> Person:
        """``options`` go to the browser context: a phone's viewport, ``color_scheme``,
        ``java_script_enabled`` and so on."""
        options = {"viewport": {"width": 1100, "height": 800}, **options}
        context = browser.new_context(base_url=server.url, bypass_csp=bypass_csp, **options)
        contexts.append(context)
        if init_script:
            context.add_init_script(init_script)
        page = context.new_page()
        person = Person(name, context, page)
        watch_console(person)
        made.append(person)
        return person

    made: list[Person] = []
    try:
        yield make
        for person in made:
            assert person.page_errors == [], f"{person.name}: {person.page_errors}"
            assert person.console == [], f"{person.name}'s console: {person.console}"
    finally:
        for context in contexts:
            context.close()


#: What the browser and htmx's ws extension log when a socket cannot connect
#: ("[object Event]" is the extension printing the socket's error event).
CONNECTION_FAILED = re.compile(
    r"WebSocket connection to .* failed|^\[object Event\]$|net::ERR_(CONNECTION_REFUSED"
    r"|INTERNET_DISCONNECTED|CONNECTION_RESET|EMPTY_RESPONSE)"
)


def cut_off(*people: Person) -> None:
    """The test is about to take the server or the network away from these people."""
    for person in people:
        person.cut_off = True


#: Chromium reports a Content-Security-Policy violation as a ``securitypolicyviolation``
#: event; this makes each one a console error, so a page that logs one fails its test.
CSP_WATCH = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("CSP violation: " + event.violatedDirective + " blocked " +
                (event.blockedURI || "inline") + " at " + event.sourceFile + ":" +
                event.lineNumber);
});
"""


def watch_console(person: Person) -> None:
    """Keep the page's uncaught errors and its console warnings and errors on ``person``,
    Content-Security-Policy violations included."""
    person.page.add_init_script(CSP_WATCH)

    def logged(message) -> None:
        if message.type not in {"error", "warning"}:
            return
        if person.cut_off and CONNECTION_FAILED.search(message.text):
            return
        person.console.append(f"{message.type}: {message.text}")

    person.page.on("pageerror", lambda error: person.page_errors.append(str(error)))
    person.page.on("console", logged)


# --- what a person does ----------------------------------------------------------


def sign_up(person: Person, server: LiveServer) -> None:
    page = person.page
    page.goto("/accounts/signup/")
    page.fill("input[name=username]", person.name)
    page.fill("input[name=password1]", PASSWORD)
    page.fill("input[name=password2]", PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page).to_have_url(f"{server.url}/")  # signed in, in the lobby
    expect(page.locator(".whoami")).to_contain_text(person.name)


def create_room(person: Person, title: str, kind: str = "public") -> None:
    """Create a room from the lobby; the page lands in it."""
    page = person.page
    page.goto("/")
    form = page.locator("#room-form")
    form.locator("input[name=title]").fill(title)
    form.locator(f"input[name=kind][value={kind}]").check()
    form.get_by_role("button", name="Create room").click()
    expect(page.locator("h1")).to_have_text(title)


def create_public_room(person: Person, server: LiveServer, title: str, slug: str) -> None:
    create_room(person, title)
    expect(person.page).to_have_url(f"{server.url}/r/{slug}/")


def join_room(person: Person, slug: str) -> None:
    """Open the public room ``slug`` and join it with its Join bar (a visit alone joins
    nobody); with or without JavaScript, the page then offers "Leave room"."""
    page = person.page
    page.goto(f"/r/{slug}/")
    if page.evaluate("() => !!window.htmx && !!document.querySelector('[ws-connect]')"):
        # The socket first: the members list that names the newcomer comes over it.
        expect(person.badge).to_have_attribute("data-state", "live")
    page.locator("#membership").get_by_role("button", name=re.compile(r"^Join ")).click()
    expect(page.get_by_role("button", name="Leave room")).to_be_visible()


def send(person: Person, text: str) -> None:
    """Type ``text`` and press Enter; wait until the server hands back a fresh composer."""
    person.composer.press_sequentially(text)
    person.composer.press("Enter")
    expect(person.composer).to_have_value("")


def shown_messages(person: Person) -> list[tuple[str, str, str]]:
    """(element id, author, body text) of every message on the page, top to bottom."""
    return person.page.eval_on_selector_all(
        MESSAGES,
        """items => items.map(item => [
            item.id,
            item.querySelector('.author').innerText,
            item.querySelector('.body').innerText,
        ])""",
    )


def expect_conversation(person: Person, expected: list[tuple[str, str]]) -> list[str]:
    """The page shows exactly ``expected`` (author, text), in order, each once."""
    expect(person.page.locator(MESSAGES)).to_have_count(len(expected))
    shown = shown_messages(person)
    ids = [message_id for message_id, _, _ in shown]
    assert len(set(ids)) == len(ids), f"{person.name} sees a message twice: {ids}"
    assert [(author, body) for _, author, body in shown] == expected, person.name
    return ids


def message_with(person: Person, text: str):
    return person.page.locator(MESSAGES).filter(has_text=text)


def meet_in_lunch(people: Callable[..., Person], server: LiveServer, **b_options) -> tuple:
    """Alice signs up and creates the public room "Lunch"; Bob signs up, opens it and joins."""
    alice, bob = people("alice"), people("bob", **b_options)
    sign_up(alice, server)
    sign_up(bob, server)
    create_public_room(alice, server, "Lunch", "lunch")
    join_room(bob, "lunch")
    expect(bob.page.locator("h1")).to_have_text("Lunch")
    expect(bob.page.locator("#members")).to_contain_text("alice")
    expect(bob.page.locator("#members")).to_contain_text("bob")
    for person in (alice, bob):
        expect(person.badge).to_have_attribute("data-state", "live")
    for person in (alice, bob):
        expect(person.page.locator("#members li.online")).to_have_count(2)
    return alice, bob


def lunch_for_two(people: Callable[..., Person], server: LiveServer, **options) -> tuple:
    """Alice and Bob signed up, both with ``options``; Alice made the public room Lunch; both
    are in it."""
    alice, bob = people("alice", **options), people("bob", **options)
    sign_up(alice, server)
    sign_up(bob, server)
    create_public_room(alice, server, "Lunch", "lunch")
    join_room(bob, "lunch")
    for person in (alice, bob):
        expect(person.badge).to_have_attribute("data-state", "live")
    return alice, bob


# --- accessibility: axe-core ------------------------------------------------------

#: axe-core, installed from npm by the Makefile's ``axe`` target (``make test`` runs it):
#: never vendored. Its version is pinned there.
AXE_JS = TESTS / ".node" / "node_modules" / "axe-core" / "axe.min.js"


def axe_source() -> str:
    """axe-core's script. Missing, it fails the test under CI=true and skips it, loudly,
    elsewhere (``make axe`` installs it)."""
    if not AXE_JS.exists():
        reason = f"axe-core is not installed at {AXE_JS}: run `make axe` (needs npm)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason} (CI=true, so this is an error, not a skip)")
        pytest.skip(f"!!! SKIPPED ACCESSIBILITY CHECK: {reason}. !!!")
    return AXE_JS.read_text()


def axe_violations(page: Page, *, skip_rules: tuple[str, ...] = ()) -> list[dict]:
    """What axe-core finds wrong on the page as it is now: each violation's rule, impact,
    and up to three of its elements with axe's summary of what to fix.

    The script is evaluated through the debugging protocol rather than added as a
    ``<script>``: the Content-Security-Policy (rightly) refuses inline scripts.
    """
    page.evaluate(axe_source() + "\n;0")
    rules = {rule: {"enabled": False} for rule in skip_rules}
    return page.evaluate(
        """async (rules) => {
            const result = await axe.run(document, {rules});
            return result.violations.map(v => ({
                rule: v.id,
                impact: v.impact,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ") + ": " + n.failureSummary),
            }));
        }""",
        rules,
    )


#: Messages posted through the services in the server's own database (before pages open).
SEED = """
from django.contrib.auth import get_user_model
from django.core.cache import cache
from chat.messages import posting as messages
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
