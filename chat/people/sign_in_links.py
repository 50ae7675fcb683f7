"""Signing in on a phone: a one-time link made on my profile, shown as text and as a QR
code, that signs me in on whichever device opens it.

A link's token is random (256 bits, ``chat.tokens``) and shown once; only its SHA-256 is
kept. It lasts ``LIFETIME`` and works once: opening it (a GET) only shows a button, and
pressing it takes the link with one conditional UPDATE (not used, not expired, its
account active), so two devices racing for it cannot both get in. The device gets a
session of its own (Django's ``login``, a new session key), recorded on the link with
where it came from and its browser, so my profile lists every such sign-in and lets me
sign that session out (it is deleted through the session store, so its cached copy goes
too, and its sockets close).

Making links is limited per person; tokens that do not exist, per client address (as
invitation links are).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from chat import ratelimit
from chat.errors import Forbidden, Missing, NotFound
from chat.models import SignInLink
from chat.people import accounts
from chat.tokens import find_by_token, new_token, token_hash

LIFETIME = timedelta(minutes=5)
#: Sign-ins listed on the profile page, newest first.
LISTED = 10
USER_AGENT_MAX_CHARS = SignInLink._meta.get_field("user_agent").max_length

UNKNOWN = "This sign-in link is not valid: check that it was copied whole, or make a new one."
USED = "This sign-in link was already used: make a new one on your profile."
EXPIRED = "This sign-in link expired (it lasts 5 minutes): make a new one on your profile."
INACTIVE = "This account is deactivated: it cannot sign in."
NO_SUCH_SIGN_IN = "There is no such sign-in."

#: Links one person may make in an hour.
LINK_CREATION = ratelimit.Rate(
    "sign-in-link",
    10,
    3600,
    "You have made many sign-in links in a short time. Try again in {wait}.",
)
#: Links that do not exist, tried from one client address in an hour.
TOKEN_GUESSES = ratelimit.Rate(
    "sign-in-token",
    20,
    3600,
    "Too many sign-in links that do not exist were tried from your network. Try again in {wait}.",
)


def make_link(user: AbstractBaseUser) -> tuple[SignInLink, str]:
    """A new link for ``user`` and its token, which is never stored and so can never be
    shown again. ``Forbidden`` for an inactive account, ``TooFast`` past ``LINK_CREATION``."""
    if not (user.is_authenticated and user.is_active):
        raise Forbidden(INACTIVE)
    ratelimit.take(LINK_CREATION, user.pk)
    token, now = new_token(), timezone.now()
    link = SignInLink.objects.create(
        user=user, token_hash=token_hash(token), created_at=now, expires_at=now + LIFETIME
    )
    return link, token


def _refusal(link: SignInLink) -> Forbidden | None:
    if link.used_at is not None:
        return Forbidden(USED)
    if link.expires_at <= timezone.now():
        return Forbidden(EXPIRED)
    if not link.user.is_active:
        return Forbidden(INACTIVE)
    return None


def _find(token: str) -> SignInLink | None:
    return find_by_token(SignInLink.objects.select_related("user"), token)


def link_for_token(token: str, address: str) -> SignInLink:
    """The link of ``token`` while it can still sign in (for the page with the button).

    ``NotFound`` for an unknown token (counted against ``address``), ``TooFast`` once
    ``address`` tried too many, ``Forbidden`` for a link used, expired, or of a
    deactivated account."""
    link = _find(token)
    if link is None:
        # Only misses count: a real link is no guess (as for invitations).
        ratelimit.take(TOKEN_GUESSES, address)
        raise NotFound(UNKNOWN)
    refusal = _refusal(link)
    if refusal is not None:
        raise refusal
    return link


def use_link(
    token: str, address: str, user_agent: str, sign_in: Callable[[AbstractBaseUser], str]
) -> AbstractBaseUser:
    """Take the link of ``token`` and sign its account in: ``sign_in`` (the view's Django
    ``login``) is called with it, once the link is taken, and returns the new session's
    key, kept on the link. Raises as ``link_for_token``; nothing is used then."""
    link = link_for_token(token, address)
    active = get_user_model().objects.filter(is_active=True).values("pk")
    with transaction.atomic():
        # The one decision: every condition on the link's own row (the account's state by
        # a subquery, not a join; see chat.people.invitations.join for why).
        taken = SignInLink.objects.filter(
            pk=link.pk, used_at=None, expires_at__gt=timezone.now(), user__in=active
        ).update(
            used_at=timezone.now(),
            used_address=address or None,
            user_agent=user_agent[:USER_AGENT_MAX_CHARS],
        )
        if not taken:
            link.refresh_from_db()
            link.user.refresh_from_db()
            raise _refusal(link) or Forbidden(USED)
        session_key = sign_in(link.user)
        SignInLink.objects.filter(pk=link.pk).update(session_key=session_key or "")
    return link.user


def _store(session_key: str):
    return import_module(settings.SESSION_ENGINE).SessionStore(session_key)


def sign_ins(user: AbstractBaseUser) -> list[SignInLink]:
    """``user``'s latest sign-ins by link, newest first, each with ``signed_in``: whether
    its session still exists (so it can be signed out)."""
    found = list(SignInLink.objects.filter(user=user, used_at__isnull=False)[:LISTED])
    for link in found:
        link.signed_in = bool(link.session_key) and _store(link.session_key).exists(
            link.session_key
        )
    return found


def sign_out(user: AbstractBaseUser, link_id: int) -> SignInLink:
    """Sign out the session that ``user``'s link ``link_id`` signed in: deleted through the
    session store (its cached copy too), and its sockets closed on every process.
    ``Missing`` for a link that is not ``user``'s or was never used."""
    link = SignInLink.objects.filter(pk=link_id, user=user, used_at__isnull=False).first()
    if link is None:
        raise Missing(NO_SUCH_SIGN_IN)
    key = link.session_key
    if key:
        _store(key).delete(key)
        SignInLink.objects.filter(pk=link.pk).update(session_key="")
        accounts.session_ended(user.pk, key)
        link.session_key = ""
    return link
