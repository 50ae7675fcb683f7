"""The chat's actions, below HTTP and sockets."""

from __future__ import annotations

import threading
import uuid
from contextlib import contextmanager

import pytest
from django.db import connection, transaction

from chat import services
from chat.limits import PAGE_SIZE, RESUME_MAX_MESSAGES
from chat.models import Membership, Message, Room


@pytest.mark.django_db(transaction=True)
def test_open_direct_room_concurrent_first_visits_make_one_room(alice, bob, monkeypatch):
    # Both visitors pass the "does it exist?" lookup before either creates: the
    # unique slug, not timing, must then keep the room single.
    both_looked = threading.Barrier(2, timeout=10)
    waited = threading.local()
    real_atomic = transaction.atomic

    @contextmanager
    def atomic_after_both_looked(*args, **kwargs):
        if not getattr(waited, "done", False):  # the service's own block, not Django's inner ones
            waited.done = True
            both_looked.wait()
        with real_atomic(*args, **kwargs):
            yield

    monkeypatch.setattr(services.transaction, "atomic", atomic_after_both_looked)
    rooms, errors = [], []

    def visit(user, other):
        try:
            rooms.append(services.open_direct_room(user, other))
        except Exception as error:  # reported below, with the thread's own traceback
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=visit, args=(alice, bob)),
        threading.Thread(target=visit, args=(bob, alice)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len({room.id for room in rooms}) == 1
    assert Room.objects.filter(kind=Room.Kind.DIRECT).count() == 1
    assert Membership.objects.filter(room=rooms[0]).count() == 2


@pytest.mark.django_db
def test_open_direct_room_finds_existing_either_way(alice, bob):
    first = services.open_direct_room(alice, bob)

    assert services.open_direct_room(bob, alice) == first


@pytest.mark.django_db
def test_find_direct_room_for_self_is_only_the_notes_room(alice, bob):
    services.open_direct_room(alice, bob)
    notes = services.open_direct_room(alice, alice)

    assert services.find_direct_room(alice, "alice") == notes


@pytest.mark.django_db
def test_create_room_slug_from_title(alice):
    room = services.create_room(alice, "  Café Crème!  ", Room.Kind.PUBLIC)

    assert room.slug == "cafe-creme"


@pytest.mark.django_db
def test_create_room_title_without_letters_gets_room_slug(alice):
    assert services.create_room(alice, "!!!", Room.Kind.PUBLIC).slug == "room"


@pytest.mark.django_db
def test_post_message_marks_author_read(alice, lunch):
    message = services.post_message(lunch, alice, "hi").message

    assert Membership.objects.get(room=lunch, user=alice).last_read == message.id


@pytest.mark.django_db
def test_mark_room_read_never_goes_backwards(alice, lunch):
    services.mark_room_read(alice, lunch, 10)
    services.mark_room_read(alice, lunch, 5)

    assert Membership.objects.get(room=lunch, user=alice).last_read == 10


@pytest.mark.django_db
def test_page_before_pages_through_history(alice, lunch):
    posted = [services.post_message(lunch, alice, str(n)).message for n in range(PAGE_SIZE + 1)]

    latest, has_older = Message.objects.for_room(lunch).page_before()
    previous, has_more = Message.objects.for_room(lunch).page_before(latest[0].id)

    assert (latest, has_older) == (posted[1:], True)
    assert (previous, has_more) == (posted[:1], False)


def edit_directly(message: Message, body: str) -> Message:
    """An edit as the coming edit feature will make it: new body, new room revision."""
    with transaction.atomic():
        message.body = body
        message.revision = services.next_revision(message.room_id)
        message.save(update_fields=["body", "revision"])
    return message


@pytest.mark.django_db
def test_every_message_takes_the_next_room_revision(alice, lunch, secret):
    posted = [services.post_message(lunch, alice, str(n)).message for n in range(3)]
    elsewhere = services.post_message(secret, alice, "other room").message

    assert [m.revision for m in posted] == [1, 2, 3]
    assert elsewhere.revision == 1
    lunch.refresh_from_db()
    assert lunch.revision == 3


@pytest.mark.django_db
def test_catch_up_by_cursor_returns_new_and_changed_messages(alice, lunch):
    posted = [services.post_message(lunch, alice, str(n)).message for n in range(4)]
    cursor = posted[-1].revision
    edited = edit_directly(posted[1], "edited")
    new = services.post_message(lunch, alice, "new").message

    missed = services.catch_up(lunch, after_id=posted[-1].id, cursor=cursor)

    assert missed.messages == [edited, new]
    assert missed.messages[0].body == "edited"
    assert missed.revision == new.revision
    assert not missed.replaces_page


@pytest.mark.django_db
def test_catch_up_by_cursor_with_nothing_new_keeps_the_cursor(alice, lunch):
    posted = services.post_message(lunch, alice, "one").message

    missed = services.catch_up(lunch, after_id=posted.id, cursor=posted.revision)

    assert (missed.messages, missed.revision) == ([], posted.revision)


@pytest.mark.django_db
def test_catch_up_without_cursor_returns_newer_ids(alice, lunch):
    posted = [services.post_message(lunch, alice, str(n)).message for n in range(3)]
    edit_directly(posted[0], "edited")

    missed = services.catch_up(lunch, after_id=posted[1].id, cursor=None)

    assert missed.messages == [posted[2]]


@pytest.mark.django_db
def test_same_client_id_is_stored_once(alice, lunch):
    client_id = uuid.uuid4()

    first = services.post_message(lunch, alice, "once", client_id).message
    again = services.post_message(lunch, alice, "once", client_id).message

    assert again == first
    assert Message.objects.count() == 1
    lunch.refresh_from_db()
    assert lunch.revision == 1


@pytest.mark.django_db
def test_client_ids_are_per_author(alice, bob, lunch):
    client_id = uuid.uuid4()

    services.post_message(lunch, alice, "a", client_id)
    services.post_message(lunch, bob, "b", client_id)

    assert Message.objects.count() == 2


@pytest.mark.django_db
def test_catch_up_long_gap_replaces_page(alice, lunch):
    Message.objects.bulk_create(
        [
            Message(room=lunch, author=alice, body=str(n), revision=n + 1)
            for n in range(RESUME_MAX_MESSAGES + 1)
        ]
    )
    Room.objects.filter(pk=lunch.pk).update(revision=RESUME_MAX_MESSAGES + 1)

    missed = services.catch_up(lunch, after_id=0, cursor=0)

    assert missed.replaces_page and missed.has_older
    assert len(missed.messages) == PAGE_SIZE
    assert missed.revision == RESUME_MAX_MESSAGES + 1


@pytest.mark.django_db
def test_database_refuses_blank_or_oversized_body(alice, lunch):
    from django.db import IntegrityError

    for body in ["", "x" * 4001]:
        with pytest.raises(IntegrityError), transaction.atomic():
            Message.objects.create(room=lunch, author=alice, body=body)


@pytest.mark.django_db
def test_failed_store_leaves_no_half_written_change(alice, lunch, monkeypatch):
    from django.db import OperationalError

    def database_fails(*args, **kwargs):
        raise OperationalError("disk I/O error")

    monkeypatch.setattr(Message.objects, "create", database_fails)

    with pytest.raises(OperationalError):
        services.post_message(lunch, alice, "lost?")

    lunch.refresh_from_db()
    assert lunch.revision == 0
    assert not Message.objects.exists()
