"""Accounts: who may sign up and signing up, password resets, the key sign-in failures are
counted under, and sockets that must close when a session stops being valid.

``CHAT_SIGNUP`` says who may create an account: anyone ("open"), only people holding an
invitation link ("invite", ``chat.people.invitations``), or nobody but the admins ("closed", who
use ``createsuperuser`` and the Django admin). Every page that offers a way in asks here.

Sign-in throttling is django-axes (a failure limit per username) plus the chat's own
limiter for failures per client address (``chat.ratelimit``); see the README for why
there are two. This module holds the rules both use.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from functools import partial
from importlib import import_module
from types import SimpleNamespace

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction

from chat import mail, ratelimit, usernames
from chat.broadcast import events
from chat.errors import Forbidden, TooFast, validated
from chat.models import Profile
from chat.people import bans, welcome
from chat.people.forms import SignupForm
from chat.rooms import joining

logger = logging.getLogger(__name__)


OPEN, INVITE, CLOSED = "open", "invite", "closed"

NEEDS_INVITATION = (
    "You need an invitation to join: ask someone who is already here to make you an "
    "invitation link (they do it on their Invitations page)."
)
ADMINS_ONLY = "Accounts here are created by the admins: ask one of them for yours."


def signup_mode() -> str:
    """``open``, ``invite`` or ``closed``: the ``CHAT_SIGNUP`` setting, read when asked."""
    return settings.CHAT_SIGNUP


def is_signup_open() -> bool:
    """Whether anyone may create an account on the sign-up page."""
    return signup_mode() == OPEN


def how_to_join() -> str:
    """How someone without an account gets one, for pages that cannot offer sign-up."""
    return {INVITE: NEEDS_INVITATION, CLOSED: ADMINS_ONLY}.get(signup_mode(), "")


def valid_signup(data: Mapping) -> SignupForm:
    """The sign-up form, bound to ``data`` and valid; ``Invalid`` (with its errors) if not."""
    return validated(SignupForm, data)


def sign_up(data: Mapping, address: str) -> AbstractBaseUser:
    """Create an account from the sign-up form's ``data``, when sign-up is open.

    Raises ``Forbidden`` (with how to get in) unless ``CHAT_SIGNUP`` is "open", or while
    ``address`` is banned (``chat.people.bans``), ``Invalid`` (the form, with its errors) and
    ``TooFast`` past ``SIGNUPS_PER_ADDRESS_PER_HOUR`` accounts from one client address.
    The new account joins the default room (``CHAT_DEFAULT_ROOM``).
    """
    if not is_signup_open():
        raise Forbidden(how_to_join())
    bans.check_address(address)
    form = valid_signup(data)
    ratelimit.take(ratelimit.SIGNUP, address)
    with transaction.atomic():
        user = form.save()
        welcome_new_account(user)  # with the account, or neither
    return user


def welcome_new_account(user: AbstractBaseUser) -> None:
    """What every account a person makes gets (sign-up, an invitation, the first run): the
    default room (``CHAT_DEFAULT_ROOM``) and the lobby's welcome. Called inside the
    transaction that makes the account."""
    welcome.greet_later(user)
    joining.welcome_to_default_room(user)


# --- passwords --------------------------------------------------------------------------------


#: The reset mail's templates (Django's own would sign it "The <domain> team").
RESET_MAIL = {
    "email_template_name": "registration/password_reset_email.txt",
    "subject_template_name": "registration/password_reset_subject.txt",
}


def _email_subject(email: str) -> str:
    # The limiter's key: fixed length and alphabet, whatever was typed.
    return hashlib.sha256(email.strip().lower().encode("utf-8", "surrogatepass")).hexdigest()


class _ResetForm(PasswordResetForm):
    """Django's reset form, its mail rendered and sent on a mail thread (``chat.mail``):
    finding the accounts and making their links is all the request does, the same work
    whether or not an account has the address."""

    def send_mail(self, *args: object, **kwargs: object) -> None:
        """Hand the mail to ``chat.mail``; Django's own ``send_mail`` runs there."""
        mail.send_later(partial(super().send_mail, *args, **kwargs), "a password reset mail")


def request_password_reset(data: Mapping, address: str, **mail_options: object) -> None:
    """Send a reset link to the accounts with the e-mail address in ``data`` (Django's
    ``PasswordResetForm``; ``mail_options`` are its ``save`` arguments).

    Whether an account has the address is never told: the same answer either way, and
    the limits count every address typed. ``Invalid`` for an address that is not one,
    ``TooFast`` past the resets per client address, then per e-mail address. The mail is
    sent after this returns, off the request path, so that its rendering and a slow mail
    server cannot tell by the answer's timing that an address has an account; a mail server
    that fails is logged, not told.
    """
    form = validated(_ResetForm, data)
    ratelimit.take(ratelimit.PASSWORD_RESETS_PER_ADDRESS, address)
    try:
        ratelimit.take(
            ratelimit.PASSWORD_RESETS_PER_EMAIL, _email_subject(form.cleaned_data["email"])
        )
    except TooFast:
        ratelimit.give_back(ratelimit.PASSWORD_RESETS_PER_ADDRESS, address)
        raise
    form.save(**{**RESET_MAIL, **mail_options})


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
    events.session_ended(user_id, session_key)


def sessions_changed(user_id: int) -> None:
    """Have every open socket of the person re-check its session, on every process: their
    account changed, which may have ended sessions of theirs (below)."""
    events.user_changed(user_id)


def user_changed(user: AbstractBaseUser, *, update_fields=None) -> None:
    """Called when a user is saved: sockets re-check their session if it may have ended.

    A deactivated account, or one whose password changed, must lose its open sockets on
    every process; a save of other fields (``last_login`` at every sign-in) changes nothing.
    """
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return
    # Once committed: a socket that checked sooner, on its own connection, would still
    # read the account as it was (an admin's deactivation is saved with its audit entry).
    transaction.on_commit(partial(sessions_changed, user.pk))


def signed_in(session_key: str | None):
    """The session ``session_key`` names (read) and who it signs in, or ``AnonymousUser``.

    Django's own check, as on every HTTP request: the session exists, names a user who
    may still sign in (active), and the password has not changed since.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    return store, auth.get_user(SimpleNamespace(session=store))


#: Why a socket's session ended, when it says so (``why_session_ended``): the key the page
#: carries to the login page (``?why=``), and the words the login page shows for it.
PASSWORD_CHANGED = "password"  # noqa: S105 - a reason (js/connection.js sends it), not a password
SIGNED_OUT = "signed-out"
SIGNED_OUT_BECAUSE = {
    PASSWORD_CHANGED: "You were signed out because your password was changed. "
    "Log in with the new one.",
}


class _SessionAsRead(dict):
    """A session's data for ``auth.get_user`` to judge, without its writes: it flushes a
    session whose password hash is stale. Every socket of that session, on every process,
    must still read the session as it was, to say why it ended (a new password) rather
    than only that it did; the session's own next HTTP request flushes it."""

    def flush(self) -> None:
        """Leave the stored session as it is."""

    def cycle_key(self) -> None:
        """Leave the stored session as it is."""


def why_session_ended(
    session_key: str | None, user_id: int, *, signed_with: str | None = None
) -> str | None:
    """None while the session ``session_key`` still signs in ``user_id``; else why not:
    ``PASSWORD_CHANGED`` (the account is active and its password is not the one this
    session signed in with), or ``SIGNED_OUT`` (logged out, deactivated, expired).
    Reads only: the session is left for its owner's next request to end.

    ``signed_with`` is the password hash the session held when the asker read it (a
    socket, at its handshake). A password changed in another tab of the same browser
    gives that tab's session a new key (``update_session_auth_hash``) and deletes this
    one: with the session gone, the hash read earlier still tells a new password apart.
    """
    if not session_key:
        return SIGNED_OUT
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    session = _SessionAsRead(store.load())
    signed_as = session.get(auth.SESSION_KEY, user_id if signed_with else None)
    signed_with = session.get(auth.HASH_SESSION_KEY, signed_with)
    user = auth.get_user(SimpleNamespace(session=session))
    if user.is_authenticated and user.pk == user_id:
        return None
    account = auth.get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if account is None or not signed_with or str(signed_as) != str(user_id):
        return SIGNED_OUT
    if auth.HASH_SESSION_KEY not in session and signed_with == account.get_session_auth_hash():
        return SIGNED_OUT  # gone, but not for a new password: logged out or expired
    return PASSWORD_CHANGED


def why_socket_session_ended(session: SessionBase | None, user_id: int) -> str | None:
    """``why_session_ended`` for a socket's session, read at its handshake (the scope's)."""
    if session is None:
        return SIGNED_OUT
    signed_with = session.get(auth.HASH_SESSION_KEY)
    return why_session_ended(session.session_key, user_id, signed_with=signed_with)


def signed_out_because(why: str | None) -> str:
    """The login page's words for a ``?why=`` a page was sent with; none for anything else."""
    return SIGNED_OUT_BECAUSE.get(why or "", "")
