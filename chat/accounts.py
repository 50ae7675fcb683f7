"""Accounts: signing up, the key sign-in failures are counted under, and sockets that must
close when a session stops being valid.

Sign-in throttling is django-axes (a failure limit per username) plus the chat's own
limiter for failures per client address (``chat.ratelimit``); see the README for why
there are two. This module holds the rules both use.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from importlib import import_module
from types import SimpleNamespace

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from chat import fanout, ratelimit, usernames
from chat.errors import Invalid
from chat.forms import SignupForm
from chat.models import Profile

logger = logging.getLogger(__name__)


def sign_up(data: Mapping, address: str) -> AbstractBaseUser:
    """Create an account from the sign-up form's ``data``.

    Raises ``Invalid`` (the form, with its errors) and ``TooFast`` past
    ``SIGNUPS_PER_ADDRESS_PER_HOUR`` accounts from one client address.
    """
    form = SignupForm(data)
    if not form.is_valid():
        raise Invalid(form)
    ratelimit.take(ratelimit.SIGNUP, address)
    with transaction.atomic():
        return form.save()


def record_profile(user: AbstractBaseUser) -> Profile:
    """Create or refresh ``user``'s profile (called whenever a user is saved)."""
    profile, _created = Profile.objects.update_or_create(
        user=user, defaults={"username_skeleton": usernames.skeleton(user.get_username())}
    )
    return profile


def login_key(request, credentials: Mapping | None = None) -> str | None:
    """The key failed sign-ins are counted under (django-axes' ``AXES_USERNAME_CALLABLE``).

    The skeleton of what was typed: Django's login form NFKC-normalises the username, so
    ``bob`` typed in full-width letters signs in as ``bob``; every spelling that can reach
    or mimic an account must spend that account's one budget of guesses.
    """
    field = settings.AXES_USERNAME_FORM_FIELD
    typed = (credentials or {}).get(field)
    if typed is None and request is not None:
        typed = request.POST.get(field)
    return usernames.skeleton(typed.strip()) if isinstance(typed, str) else None


def client_address(request) -> str:
    """The address sign-in limits count by: the one daphne reports (see ``--proxy-headers``)."""
    return request.META.get("REMOTE_ADDR") or ""


def session_ended(user_id: int, session_key: str | None) -> None:
    """Close the sockets of the session that logged out, on every process; the person's
    other devices stay signed in, as Django's logout leaves them.

    Named by its key: Django announces a logout before it flushes the session, so the
    sockets could not yet tell by checking it.
    """
    fanout.send(fanout.user_group(user_id), "session.ended", session=session_key)


def sessions_changed(user_id: int) -> None:
    """Have every open socket of the person re-check its session, on every process: their
    account changed, which may have ended sessions of theirs (below)."""
    fanout.send(fanout.user_group(user_id), "user.changed")


def user_changed(user: AbstractBaseUser, *, update_fields=None) -> None:
    """Called when a user is saved: sockets re-check their session if it may have ended.

    A deactivated account, or one whose password changed, must lose its open sockets on
    every process; a save of other fields (``last_login`` at every sign-in) changes nothing.
    """
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return
    sessions_changed(user.pk)


def session_still_valid(session_key: str | None, user_id: int) -> bool:
    """Whether the session ``session_key`` still signs in ``user_id``.

    Django's own check, as on every HTTP request: the session exists, names this user,
    the user may still sign in (active), and the password has not changed since.
    """
    if not session_key:
        return False
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = auth.get_user(SimpleNamespace(session=store))
    return user.is_authenticated and user.pk == user_id
