"""Periodic clean-up, run by the task consumer (``chat.tasks``): what is left over once it
can no longer be used.

- sign-in links (``chat.people.sign_in_links``) never used and expired over a day ago, and
  used ones over a day old whose session has ended (the profile lists a used link only so
  that its session can be signed out);
- sessions past their expiry (what Django's ``clearsessions`` does), so that the table does
  not only grow.

Every consumer's scheduler enqueues these each hour; the lock makes one run at a time,
and each is a plain DELETE that any number of runs may repeat.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db.models import Q
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from chat.models import SignInLink
from chat.task_locks import one_at_a_time

logger = logging.getLogger(__name__)

#: How long a used-up sign-in link is kept before it may go.
KEPT = timedelta(days=1)


def forget_sign_in_links() -> int:
    """Delete the sign-in links no one can use or sign out any more; how many went."""
    now = timezone.now()
    live_sessions = Session.objects.filter(expire_date__gt=now).values("session_key")
    gone, _ = SignInLink.objects.filter(
        Q(used_at=None, expires_at__lt=now - KEPT)
        | (
            Q(used_at__isnull=False, created_at__lt=now - KEPT)
            & (Q(session_key="") | ~Q(session_key__in=live_sessions))
        )
    ).delete()
    return gone


def forget_sessions() -> None:
    """Delete expired sessions, as ``manage.py clearsessions`` does."""
    import_module(settings.SESSION_ENGINE).SessionStore.clear_expired()


@db_periodic_task(crontab(minute="17"))
@one_at_a_time("chat.housekeeping", expires_after=30 * 60)
def housekeeping() -> None:
    """Each hour: forget sign-in links and sessions that are over."""
    links = forget_sign_in_links()
    forget_sessions()
    logger.info("Housekeeping: %d sign-in link(s) forgotten, expired sessions cleared", links)
