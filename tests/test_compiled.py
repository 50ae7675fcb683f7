"""Lookups compiled once (``chat.compiled``): the same rows as the ORM's, in one plain
statement, and no SQL built again once compiled; a query they cannot keep is the ORM's."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chat.compiled import CompiledLookup
from chat.models import Membership, Profile, Room
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
