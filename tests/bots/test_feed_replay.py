"""A bot's event feed replays exactly once after the bot was down across a server restart.

Real processes: ``manage.py serve`` (tests/support/live_server.py) with the real task
queue (a SQLite file beside the server's database) and its consumer (``run_huey``), and the
bot's endpoint on a thread of the test (tests/support/hook_server.py), answering 503 until
the test brings it up. The retries' first wait is shortened to 1 s in the server's
environment (``CHAT_BOT_FEED_FIRST_RETRY_SECONDS``): the retries scheduled before the restart
are the queue's, and outlive it.
"""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

from chat.bots.webhooks import signature
from chat.tokens import token_hash
from tests.support.bots import make_bot_on_page
from tests.support.hook_server import FeedEndpoint, feed_endpoint
from tests.support.live_server import LiveServer, running
from tests.support.messages import article_ids
from tests.support.processes import Visitor

#: Seconds a test waits for a delivery: the retries wait 1, 2, 4, 8 s while the feed is down.
DELIVERED_WITHIN = 20


def said(person: Visitor, slug: str, body: str) -> int:
    """``body`` posted in room ``slug`` with the room page's form; the new message's id."""
    person.post_form(f"/r/{slug}/", {"body": body})
    return max(article_ids(person.get(f"/r/{slug}/")))


def events_until(endpoint: FeedEndpoint, message_id: int) -> list[dict]:
    """The events delivered, in arrival order, up to the first one of ``message_id``."""
    events = []
    while not events or events[-1]["message"]["id"] != message_id:
        call = endpoint.next_event(DELIVERED_WITHIN)
        events.append({**call.json, "signature": call.headers["X-Chat-Signature"],
                       "body": call.body})  # fmt: skip
    return events


def read_as_bot(server: LiveServer, token: str, after: int) -> dict:
    """``GET /bots/messages?after=<after>`` with the bot's token: the answer's JSON."""
    request = urllib.request.Request(
        f"{server.url}/bots/messages?after={after}",
        headers={"Authorization": f"Bearer {token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        return json.load(answer)


def test_a_bot_feed_replays_exactly_once_after_the_bot_was_down_across_a_restart(
    tmp_path: Path,
) -> None:
    env = {"CHAT_BOTS_ALLOW_PRIVATE_URLS": "1", "CHAT_BOT_FEED_FIRST_RETRY_SECONDS": "1"}
    server = LiveServer(tmp_path / "chat.sqlite3", env=env)
    with feed_endpoint() as endpoint, running(server):
        alice = Visitor(server)
        alice.sign_up("alice")
        landed = alice.post_form("/", {"title": "Standup", "kind": "public"})
        slug = landed.rstrip("/").rsplit("/", 1)[1]
        token = make_bot_on_page(alice, slug, "scribe", feed_url=endpoint.url)

        first = said(alice, slug, "first")
        second = said(alice, slug, "second")
        alice.post_form(f"/m/{first}/edit", {"body": "first, edited"})
        alice.post_form(f"/m/{second}/react", {"emoji": "👍"})
        assert endpoint.tried.wait(DELIVERED_WITHIN), "the feed was never tried"

        # The restart: the server stopped (its task consumer with it), then started again.
        server.stop()
        endpoint.tried.clear()
        server.start()
        third = said(alice, slug, "third, while the bot is still down")
        # Up only once the new consumer has found it down: what comes then comes from
        # the retries queued before the restart (a change while retries are under way
        # schedules none of its own).
        assert endpoint.tried.wait(DELIVERED_WITHIN), "the feed was not tried again"
        endpoint.up.set()
        events = events_until(endpoint, third)

        # Each message once, at its latest state, in revision order, signed.
        assert [(e["type"], e["message"]["id"]) for e in events] == [
            ("message.edited", first),
            ("reaction.changed", second),
            ("message.created", third),
        ]
        revisions = [e["revision"] for e in events]
        assert revisions == sorted(set(revisions))
        assert events[0]["message"]["body"] == "first, edited"
        assert events[1]["message"]["reactions"] == {"👍": {"count": 1, "usernames": ["alice"]}}
        key = token_hash(token)
        assert all(e["signature"] == signature(key, e["body"]) for e in events)

        # The retries still queued find nothing more to send: the next event is the
        # next change's, and nothing came in between.
        fourth = said(alice, slug, "fourth, with the bot back")
        after = events_until(endpoint, fourth)
        assert [(e["type"], e["message"]["id"]) for e in after] == [("message.created", fourth)]
        latest = after[0]
        assert latest["revision"] > revisions[-1]

        # What the feed delivered is all there is: the API has nothing newer.
        assert read_as_bot(server, token, latest["revision"])["messages"] == []
        assert endpoint.delivered.empty()
