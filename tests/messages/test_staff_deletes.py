"""Staff delete anyone's message anywhere (``chat.messages.edits``), logged in the audit
(``chat.people.moderation.record_deletion``): in a room and in a direct conversation they
are not in, as a tombstone taking the room's next revision and reaching every socket."""

from __future__ import annotations

import pytest
from channels.db import database_sync_to_async
from django.db import OperationalError

from chat.errors import Forbidden, NotFound, Unavailable
from chat.messages import edits as changes
from chat.models import AuditEntry, Message
from tests.support.events import record_events
from tests.support.messages import revision_of, said, write_to

pytestmark = pytest.mark.django_db


def test_staff_delete_in_a_private_room_they_are_not_in(admin, alice, secret):
    message = said(secret, alice, "the plan")
    before = revision_of(secret)

    changes.delete_message(admin, message.id)

    message.refresh_from_db()
    assert (message.body, message.deleted, message.revision) == ("", True, before + 1)
    assert revision_of(secret) == before + 1
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.action, entry.target) == (
        admin,
        AuditEntry.Action.MESSAGE_DELETED,
        alice,
    )
    assert entry.details == f"message {message.id} in “Secret plans”"


def test_staff_delete_in_a_direct_conversation_broadcasts_the_tombstone(
    admin, alice, bob, monkeypatch
):
    room, posted = write_to(alice, bob, "between us")
    sent = record_events(monkeypatch)

    changed = changes.delete_message(admin, posted.message.id)

    assert 'class="message deleted"' in changed.article
    assert "between us" not in changed.article
    [event] = sent
    assert (event["type"], event["id"], event["revision"]) == (
        "chat.message",
        posted.message.id,
        revision_of(room),
    )
    entry = AuditEntry.objects.get()
    where = f"message {posted.message.id} in a direct conversation"
    assert (entry.target, entry.details) == (alice, where)


def test_staff_deleting_their_own_message_is_not_logged(admin, lunch):
    message = said(lunch, admin, "mine")

    changes.delete_message(admin, message.id)

    assert not AuditEntry.objects.exists()


def test_a_member_may_not_delete_someone_elses_message(alice, bob, mallory, lunch, secret):
    public = said(lunch, bob, "hello")
    private = said(secret, alice, "hidden")

    with pytest.raises(Forbidden):
        changes.delete_message(mallory, public.id)
    with pytest.raises(NotFound):  # a room they may not read: as if it did not exist
        changes.delete_message(mallory, private.id)

    assert Message.objects.filter(deleted=True).count() == 0
    assert not AuditEntry.objects.exists()


def test_deactivated_staff_may_not_delete(admin, alice, lunch, secret):
    message = said(secret, alice, "hidden")
    admin.is_active = False

    with pytest.raises(NotFound):
        changes.delete_message(admin, message.id)


def test_staff_still_find_only_readable_messages_for_everything_else(admin, alice, secret):
    message = said(secret, alice, "hidden")

    with pytest.raises(NotFound):
        changes.readable_message(admin, message.id)
    assert changes.deletable_message(admin, message.id) == message
    assert changes.readable_by(admin, message) is False


def test_a_deletion_that_fails_logs_nothing(admin, alice, lunch, monkeypatch):
    message = said(lunch, alice, "hello")

    def fails(*args, **kwargs):
        raise OperationalError("disk I/O error")

    monkeypatch.setattr("chat.people.audit.AuditEntry.objects.create", fails)

    with pytest.raises(Unavailable):
        changes.delete_message(admin, message.id)

    message.refresh_from_db()
    assert (message.body, message.deleted) == ("hello", False)
    assert not AuditEntry.objects.exists()


# --- through the real sockets ---------------------------------------------------------


@pytest.mark.django_db(transaction=True)
async def test_the_tombstone_reaches_both_sockets_of_a_direct_conversation(
    open_socket, admin, alice, bob
):
    _room, posted = await database_sync_to_async(write_to)(alice, bob, "between us")
    alice_socket = await open_socket("/ws/p/bob/", alice)
    bob_socket = await open_socket("/ws/p/alice/", bob)

    await database_sync_to_async(changes.delete_message)(admin, posted.message.id)

    for socket in (alice_socket, bob_socket):
        frame = await socket.receive_from(3)
        assert f'<article id="message-{posted.message.id}" class="message deleted"' in frame
        assert "between us" not in frame
    assert await AuditEntry.objects.filter(action=AuditEntry.Action.MESSAGE_DELETED).aexists()
