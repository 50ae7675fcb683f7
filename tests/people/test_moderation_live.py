"""A ban seen from the sockets, through the full ASGI application: the banned person's
sockets close, and a purge's tombstones reach every room the person wrote in; and a ban
racing the banned person's last post, on the database of the run (PostgreSQL's row locks)."""

from __future__ import annotations

import re
import threading

import pytest
from channels.db import database_sync_to_async
from django.db import connection

from chat.messages import mentions, posting
from chat.models import Message
from chat.people import moderation
from tests.support.joining import join
from tests.support.messages import say, write_to
from tests.support.sockets import TIMEOUT

pytestmark = pytest.mark.django_db(transaction=True)

TOMBSTONE = re.compile(r'<article id="message-(\d+)" class="message[^"]* deleted"')


async def tombstones(socket, count: int) -> set[int]:
    """The ids of the next ``count`` tombstones ``socket`` receives (other frames skipped)."""
    found: set[int] = set()
    while len(found) < count:
        found |= {int(n) for n in TOMBSTONE.findall(await socket.receive_from(TIMEOUT))}
    return found


def history(lunch, alice, bob):
    """bob wrote twice in Lunch and once to alice; alice once in Lunch."""
    join(bob, "lunch")
    in_lunch = [m.id for m in say(lunch, bob, "spam one", "spam two")]
    _room, posted = write_to(bob, alice, "spam to you")
    say(lunch, alice, "what is this?")
    return in_lunch, posted.message.id


async def test_a_ban_closes_the_sockets_and_the_purge_reaches_every_room(
    open_socket, admin, alice, bob, lunch
):
    in_lunch, direct = await database_sync_to_async(history)(lunch, alice, bob)
    bob_socket = await open_socket("/ws/r/lunch/", bob)
    alice_lunch = await open_socket("/ws/r/lunch/", alice)
    alice_direct = await open_socket("/ws/p/bob/", alice)

    await database_sync_to_async(moderation.ban)(admin, bob.pk, {"days": "7", "purge": "on"})

    assert await bob_socket.receive_output(TIMEOUT) == {"type": "websocket.close", "code": 4401}
    assert await tombstones(alice_lunch, 2) == set(in_lunch)
    assert await tombstones(alice_direct, 1) == {direct}


async def test_a_ban_without_purge_sends_no_tombstone(open_socket, admin, alice, bob, lunch):
    await database_sync_to_async(history)(lunch, alice, bob)
    alice_lunch = await open_socket("/ws/r/lunch/", alice)

    await database_sync_to_async(moderation.ban)(admin, bob.pk, {"days": "1"})

    assert await alice_lunch.receive_nothing(timeout=0.3)


@pytest.mark.django_db(transaction=True)
def test_a_message_being_stored_as_the_ban_lands_is_purged_too(admin, bob, lunch, monkeypatch):
    join(bob, "lunch")
    say(lunch, bob, "spam")
    checked, banned = threading.Event(), threading.Event()
    named = mentions.members_named

    def checked_then_wait(*args):
        # The post has read that bob is active; the ban starts now. If the post held
        # nothing the ban waits for, the ban would finish (and purge) meanwhile: wait for
        # that, a while, and store the message after it.
        checked.set()
        banned.wait(timeout=1)
        return named(*args)

    monkeypatch.setattr(mentions, "members_named", checked_then_wait)
    outcomes: dict[str, object] = {}

    def run(name: str, action) -> None:
        try:
            outcomes[name] = action()
        except Exception as error:
            outcomes[name] = error
        finally:
            if name == "ban":
                banned.set()
            connection.close()

    post = threading.Thread(
        target=run, args=("post", lambda: posting.post_message(lunch, bob, {"body": "more spam"}))
    )
    post.start()
    assert checked.wait(10)
    ban = threading.Thread(
        target=run,
        args=("ban", lambda: moderation.ban(admin, bob.pk, {"days": "7", "purge": "on"})),
    )
    ban.start()
    for racer in (post, ban):
        racer.join(20)

    assert not isinstance(outcomes["ban"], Exception), outcomes
    assert not Message.objects.filter(author=bob, deleted=False).exists(), outcomes
