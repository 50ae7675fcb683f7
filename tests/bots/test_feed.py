"""A bot's event feed (``chat.bots.feed``): every change of its room POSTed in revision order,
signed, retried with backoff while its endpoint fails, given up after the set time; a
revoked bot gets nothing. The test process runs tasks at once; retries land in huey's
schedule, read here instead of waited for."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from chat.bots import feed
from chat.bots import services as bots
from chat.bots import webhooks as hooks
from chat.messages import edits
from chat.models import Bot
from tests.support.bots import make_bot
from tests.support.hook_server import send
from tests.support.messages import say

pytestmark = pytest.mark.usefixtures("hooks_finish")


@pytest.fixture
def feeding(alice, lunch, hook_server):
    """A bot of lunch whose feed goes to the hook server; huey's schedule emptied."""
    HUEY.flush()
    hook_server.answer = lambda handler: send(handler, 204)
    bot, token = make_bot(lunch, alice, feed_url=hook_server.url)
    yield bot, token
    HUEY.flush()


def failing(handler) -> None:
    send(handler, 503)


@pytest.mark.django_db
def test_every_change_is_posted_in_revision_order_with_its_type(
    alice, lunch, feeding, hook_server, django_capture_on_commit_callbacks
):
    def committed(change):
        # Each change commits (and queues the feed) before the next is made.
        with django_capture_on_commit_callbacks(execute=True):
            done = change()
        cache.clear()
        return done

    first = committed(lambda: say(lunch, alice, "one")[0])
    second = committed(lambda: say(lunch, alice, "two")[0])
    committed(lambda: edits.edit_message(alice, first.pk, {"body": "one, edited"}))
    committed(lambda: edits.toggle_reaction(alice, second.pk, {"emoji": "👍"}))
    committed(lambda: edits.delete_message(alice, first.pk))

    events = [call.json for call in hook_server.calls]
    assert [(e["type"], e["message"]["id"]) for e in events] == [
        ("message.created", first.pk),
        ("message.created", second.pk),
        ("message.edited", first.pk),
        ("reaction.changed", second.pk),
        ("message.deleted", first.pk),
    ]
    revisions = [e["revision"] for e in events]
    assert revisions == sorted(revisions) and len(set(revisions)) == 5
    assert events[2]["message"]["body"] == "one, edited"
    assert events[3]["message"]["reactions"] == {"👍": {"count": 1, "usernames": ["alice"]}}
    bot = Bot.objects.get(pk=feeding[0].pk)
    assert bot.feed_revision == revisions[-1]


@pytest.mark.django_db
def test_each_event_is_signed_with_the_bots_token_hash(
    alice, lunch, feeding, hook_server, django_capture_on_commit_callbacks
):
    bot, _token = feeding
    with django_capture_on_commit_callbacks(execute=True):
        say(lunch, alice, "signed")

    call = hook_server.calls[0]
    assert call.headers["X-Chat-Signature"] == hooks.signature(bot.token_hash, call.body)


@pytest.mark.django_db
def test_a_failing_endpoint_is_retried_with_exponential_backoff(
    alice, lunch, feeding, hook_server, django_capture_on_commit_callbacks
):
    bot, _token = feeding
    hook_server.answer = failing
    with django_capture_on_commit_callbacks(execute=True):
        said = say(lunch, alice, "hello")[0]

    scheduled = HUEY.scheduled()
    assert [(task.args, task.kwargs) for task in scheduled] == [((bot.pk,), {"attempt": 1})]
    assert Bot.objects.get(pk=bot.pk).feed_failing_since is not None
    assert Bot.objects.get(pk=bot.pk).feed_revision == 0
    # Each retry that fails schedules the next one, twice as far.
    HUEY.flush()
    assert feed.deliver(bot.pk, attempt=1) == "retry"
    assert feed.deliver(bot.pk, attempt=2) == "retry"
    assert [task.kwargs for task in HUEY.scheduled()] == [{"attempt": 2}, {"attempt": 3}]
    assert [feed.backoff(n) for n in (1, 2, 3, 4, 7, 20)] == [5, 10, 20, 40, 300, 300]
    # A change while retries are under way starts no second chain.
    HUEY.flush()
    assert feed.deliver(bot.pk) == "retrying"
    assert HUEY.scheduled() == []
    # The endpoint is back: the retry delivers, and the failure is forgotten.
    hook_server.answer = lambda handler: send(handler, 204)
    assert feed.deliver(bot.pk, attempt=3) == "sent"
    bot.refresh_from_db()
    assert bot.feed_revision == said.revision and bot.feed_failing_since is None
    assert [c.json["message"]["id"] for c in hook_server.calls if c.json] == [said.pk] * 5


@pytest.mark.django_db
def test_the_feed_gives_up_after_the_set_time_until_the_next_event(
    alice, lunch, feeding, hook_server, settings
):
    bot, _token = feeding
    hook_server.answer = failing
    say(lunch, alice, "hello")  # no commit in this test: nothing queued by itself
    settings.CHAT_BOT_FEED_GIVE_UP_MINUTES = 60
    long_ago = timezone.now() - timedelta(minutes=61)
    Bot.objects.filter(pk=bot.pk).update(feed_failing_since=long_ago)

    assert feed.deliver(bot.pk, attempt=9) == "gave-up"
    assert HUEY.scheduled() == []
    # The next event starts it again: a try, and retries from now.
    assert feed.deliver(bot.pk) == "retry"
    assert Bot.objects.get(pk=bot.pk).feed_failing_since > long_ago
    assert [task.kwargs for task in HUEY.scheduled()] == [{"attempt": 1}]


@pytest.mark.django_db
def test_a_revoked_bot_gets_nothing_queued_or_sent(
    alice, lunch, feeding, hook_server, django_capture_on_commit_callbacks
):
    bot, _token = feeding
    bots.revoke_bot(lunch, alice, bot.pk)

    with django_capture_on_commit_callbacks(execute=True):
        say(lunch, alice, "not for bots")

    assert feed.feeding_bots(lunch.pk) == []
    assert feed.deliver(bot.pk) == "idle"
    assert hook_server.calls == []


@pytest.mark.django_db
def test_one_delivery_at_a_time_per_bot(alice, lunch, feeding, hook_server):
    bot, _token = feeding
    say(lunch, alice, "hello")
    cache.add(f"bot-feed-lock:{bot.pk}", "another run", 60)

    assert feed.deliver(bot.pk) == "busy"
    assert hook_server.calls == []
    assert [task.args for task in HUEY.scheduled()] == [(bot.pk,)]


@pytest.mark.django_db
def test_a_retry_that_finds_another_run_busy_stays_a_retry(alice, lunch, feeding, hook_server):
    bot, _token = feeding
    hook_server.answer = failing
    say(lunch, alice, "hello")
    cache.add(f"bot-feed-lock:{bot.pk}", "another run", 60)

    assert feed.deliver(bot.pk, attempt=2) == "busy"
    (again,) = HUEY.scheduled()
    assert again.kwargs == {"attempt": 2}
    # Run again once the lock is free, it fails as a retry does: the next one is scheduled
    # (a change's run would leave it to a chain of retries that no longer exists).
    HUEY.flush()
    cache.delete(f"bot-feed-lock:{bot.pk}")
    Bot.objects.filter(pk=bot.pk).update(feed_failing_since=timezone.now())
    assert feed.deliver(bot.pk, **again.kwargs) == "retry"
    assert [task.kwargs for task in HUEY.scheduled()] == [{"attempt": 3}]


@pytest.mark.django_db
def test_the_first_retrys_wait_is_a_setting(settings):
    settings.CHAT_BOT_FEED_FIRST_RETRY_SECONDS = 1

    assert [feed.backoff(n) for n in (1, 2, 3, 10)] == [1, 2, 4, 300]


@pytest.mark.django_db
def test_the_feed_url_is_vetted_like_the_outgoing_url(alice, lunch, settings):
    from chat.errors import Invalid

    settings.CHAT_BOTS_ALLOW_PRIVATE_URLS = False
    with pytest.raises(Invalid) as refused:
        bots.create_bot(lunch, alice, {"name": "feeder", "feed_url": "http://127.0.0.1/x"})

    assert "cannot be called" in refused.value.form.errors["feed_url"][0]
