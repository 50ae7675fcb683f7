"""Lookups and inserts compiled once (``chat.compiled``): the same rows as the ORM's, in one
plain statement, and no SQL built again once compiled; a query they cannot keep is the
ORM's."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chat.compiled import CompiledInsert, CompiledLookup
from chat.models import Membership, Message, Profile, Room
from chat.people import profiles
from tests.support.queries import nothing_compiled

pytestmark = pytest.mark.django_db

ROOM_BY_SLUG = CompiledLookup(lambda slug: Room.objects.filter(slug=slug).order_by())


def fields(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_rows_are_the_orms_with_the_databases_conversions(lunch, alice):
    Room.objects.filter(pk=lunch.pk).update(archived_at=timezone.now())
    Profile.objects.filter(user=alice).update(is_bot=True, welcomed=False)
    lunch.refresh_from_db()
    first = ROOM_BY_SLUG.first(lunch.slug)
    assert ROOM_BY_SLUG.compiled()
    with nothing_compiled(), CaptureQueriesContext(connection) as queries:
        again = ROOM_BY_SLUG.first(lunch.slug)
    assert len(queries) == 1
    assert fields(first) == fields(again) == fields(lunch)
    # Dates and booleans come back as Python's, not as the database stores them (SQLite
    # keeps text and integers).
    assert isinstance(again.archived_at, datetime) and again.archived_at.tzinfo is not None
    assert again._state.adding is False and again._state.db == "default"
    profile = CompiledLookup(lambda user_id: Profile.objects.filter(user_id=user_id)).first(
        alice.pk
    )
    assert profile.is_bot is True and profile.welcomed is False
    assert fields(profile) == fields(Profile.objects.get(user=alice))


def test_no_row_is_none(lunch):
    ROOM_BY_SLUG.first(lunch.slug)
    with nothing_compiled():
        assert ROOM_BY_SLUG.first("nowhere") is None


def test_a_query_with_a_constant_is_built_by_the_orm_every_time(lunch):
    public = CompiledLookup(
        lambda slug: Room.objects.filter(slug=slug, kind=Room.Kind.PUBLIC).order_by()
    )
    assert public.first(lunch.slug) == lunch
    assert not public.compiled()
    assert public.first(lunch.slug) == lunch


def test_a_query_with_a_join_is_built_by_the_orm_every_time(lunch, alice):
    with_user = CompiledLookup(
        lambda room_id: Membership.objects.filter(room_id=room_id).select_related("user")
    )
    membership = with_user.first(lunch.id)
    assert not with_user.compiled()
    assert membership.user == alice


def test_a_sockets_connect_compiles_no_lookup_after_the_first(alice, bob, secret):
    """The profile and the room a socket reads at every connect (``profiles.reload``,
    ``Room.objects.readable``) are compiled once, not at each connect."""
    profiles.reload(alice)
    Room.objects.readable(alice, secret.slug)
    fresh, profile = type(alice).objects.get(pk=alice.pk), Profile.objects.get(user=alice)
    with nothing_compiled():
        profiles.reload(fresh)
        assert fresh.profile == profile
        assert Room.objects.readable(alice, secret.slug) == secret
        assert Room.objects.readable(bob, secret.slug) is None  # not a member of the private room


NEW_MESSAGE = CompiledInsert(Message)


def a_message(room, author, **values) -> Message:
    return Message(**{"room": room, "author": author, "body": "lunch?", "html": "", **values})


def test_an_insert_stores_the_row_the_orm_would(lunch, alice, bob):
    earlier = Message.objects.create(room=lunch, author=bob, body="hi", html="<p>hi</p>")
    stamp = timezone.now()
    values = {"client_id": uuid.uuid4(), "revision": 7, "created_at": stamp, "follows_on": True}
    saved = NEW_MESSAGE.save(a_message(lunch, alice, reply_to=earlier, **values))
    by_orm = Message.objects.create(room=lunch, author=alice, body="lunch?")

    assert saved.pk is not None and by_orm.pk == saved.pk + 1
    assert saved._state.adding is False and saved._state.db == "default"
    stored = Message.objects.get(pk=saved.pk)
    assert fields(stored) == fields(saved)
    assert stored.client_id == values["client_id"] and stored.created_at == stamp
    assert stored.reply_to_id == earlier.pk and stored.follows_on is True
    assert stored.deleted is False and stored.edited_at is None  # the model's defaults


def test_once_compiled_an_insert_is_one_statement_and_builds_no_sql(lunch, alice):
    NEW_MESSAGE.save(a_message(lunch, alice))
    with nothing_compiled(), CaptureQueriesContext(connection) as queries:
        NEW_MESSAGE.save(a_message(lunch, alice))
    assert [q["sql"].split()[0] for q in queries] == ["INSERT"]


def test_an_insert_sends_the_models_save_signals(lunch, alice):
    seen = []

    def before(sender, instance, **kwargs):
        seen.append(("pre_save", instance.pk, kwargs["raw"]))

    def after(sender, instance, created, **kwargs):
        seen.append(("post_save", instance.pk, created))

    pre_save.connect(before, sender=Message)
    post_save.connect(after, sender=Message)
    try:
        saved = NEW_MESSAGE.save(a_message(lunch, alice))
    finally:
        pre_save.disconnect(before, sender=Message)
        post_save.disconnect(after, sender=Message)

    assert seen == [("pre_save", None, False), ("post_save", saved.pk, True)]


def test_a_refused_insert_raises_and_undoes_its_transaction(lunch, alice):
    sent = uuid.uuid4()
    NEW_MESSAGE.save(a_message(lunch, alice, client_id=sent))

    with pytest.raises(IntegrityError), transaction.atomic():
        NEW_MESSAGE.save(a_message(lunch, alice, body="again", client_id=sent))

    assert Message.objects.filter(client_id=sent).count() == 1


def test_an_insert_takes_values_not_expressions(lunch, alice):
    with pytest.raises(TypeError, match="revision"):
        NEW_MESSAGE.save(a_message(lunch, alice, revision=F("revision") + 1))
    assert not Message.objects.exists()
