"""The periodic clean-up (``chat.housekeeping``): sign-in links and sessions that are over."""

from __future__ import annotations

from datetime import timedelta
from importlib import import_module

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from chat import housekeeping
from chat.models import SignInLink

pytestmark = pytest.mark.django_db


def link(user, name: str, *, age: timedelta, used: bool = False, session_key: str = ""):
    made = timezone.now() - age
    return SignInLink.objects.create(
        user=user,
        token_hash=name,
        created_at=made,
        expires_at=made + timedelta(minutes=5),
        used_at=made if used else None,
        session_key=session_key,
    )


def test_links_over_and_done_with_go_the_others_stay(alice):
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["kept"] = True
    store.create()
    link(alice, "fresh", age=timedelta(minutes=1))
    link(alice, "expired-today", age=timedelta(hours=2))
    link(alice, "expired-long-ago", age=timedelta(days=2))
    link(
        alice, "used-session-live", age=timedelta(days=2), used=True, session_key=store.session_key
    )
    link(alice, "used-session-gone", age=timedelta(days=2), used=True, session_key="gone")
    link(alice, "used-signed-out", age=timedelta(days=2), used=True)
    link(alice, "used-today", age=timedelta(hours=2), used=True)

    housekeeping.housekeeping()

    assert sorted(SignInLink.objects.values_list("token_hash", flat=True)) == [
        "expired-today",
        "fresh",
        "used-session-live",
        "used-today",
    ]


def test_expired_sessions_go(alice):
    Session.objects.create(
        session_key="old", session_data="", expire_date=timezone.now() - timedelta(days=1)
    )
    Session.objects.create(
        session_key="live", session_data="", expire_date=timezone.now() + timedelta(days=1)
    )

    housekeeping.housekeeping()

    assert list(Session.objects.values_list("session_key", flat=True)) == ["live"]
