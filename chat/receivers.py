"""The chat's signal receivers, connected once in ``ChatConfig.ready``.

They are module-level functions on purpose: a signal holds its receivers by weak
reference, so a function defined inside ``ready()`` dies as ``ready()`` returns. With
DEBUG on, Django's signature check caches each receiver and hides that; with DEBUG off
(production) such receivers silently vanish.
"""

from __future__ import annotations

from django.core.handlers.asgi import ASGIHandler
from django.db import connections

from chat.bots import services as bots
from chat.people import accounts, bans


def logged_out(sender, request=None, user=None, **kwargs) -> None:
    """Close the sockets of the session that logged out (``user_logged_out``)."""
    if user is not None:
        session = getattr(request, "session", None)
        accounts.session_ended(user.pk, getattr(session, "session_key", None))


def logged_in(sender, request=None, user=None, **kwargs) -> None:
    """Keep the address the person signed in (or up) from, which a ban refuses new accounts
    from (``user_logged_in``)."""
    if user is not None and request is not None:
        bans.record_address(user, accounts.client_address(request))


def user_saved(sender, instance, created, update_fields=None, **kwargs) -> None:
    """Keep the person's profile in step, have their sockets re-check their session when
    the account changed, and revoke the bots of an account saved inactive, however it was
    deactivated (the staff page, the admin, a script) (``post_save`` of the user model)."""
    if created or update_fields is None or "username" in update_fields:
        accounts.record_profile(instance)
    if not created:
        accounts.user_changed(instance, update_fields=update_fields)
        if not instance.is_active and (update_fields is None or "is_active" in update_fields):
            bots.revoke_made_by(instance)  # a bot had only its maker's access


def request_finished(sender, **kwargs) -> None:
    """Close an HTTP request's database connections as it ends, under ASGI.

    Django runs each request's sync code in a thread of its own (asgiref's
    ThreadSensitiveContext), so the request's connection can never be reused; with
    CONN_MAX_AGE it stayed open until the garbage collector found it, and a burst of page
    loads held one connection each, past PostgreSQL's limit. Sockets keep theirs: Channels
    runs their database work on one thread, where CONN_MAX_AGE saves a connect per event.
    """
    if isinstance(sender, type) and issubclass(sender, ASGIHandler):
        for connection in connections.all(initialized_only=True):
            if not connection.in_atomic_block:
                connection.close()
