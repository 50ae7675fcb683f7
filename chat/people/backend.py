"""How a session's person is read, and how a password sign-in is checked: Django's
``ModelBackend``, with the person read by a lookup compiled once.

Every page request and every socket's connect reads the signed-in person by the id its
session holds (``auth.get_user`` asks the session's backend). Through the ORM that lookup
built and compiled its SQL every time, which cost several times the query
(``chat.compiled``): here it is compiled once. Nothing else changes: the same checks of an
active account and of the session's password hash (``auth.get_user``'s own).

**Sessions signed in before this backend** name Django's ``ModelBackend``, which stays in
``AUTHENTICATION_BACKENDS`` after this one so that they stay signed in. It must never check
a password itself: a failed sign-in would then hash the password twice (once per backend),
doubling what a guesser costs the server. So this backend ends a failed sign-in
(``PermissionDenied``: Django's ``authenticate`` stops there and reports the failure once,
which django-axes counts, as before).
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied, ValidationError

from chat.compiled import CompiledLookup

_USER = CompiledLookup(lambda user_id: get_user_model()._default_manager.filter(pk=user_id))


class Accounts(ModelBackend):
    """Django's ``ModelBackend``, reading a session's person with a compiled lookup, and the
    last to check a password."""

    def get_user(self, user_id):
        """The active person ``user_id``, or None."""
        try:
            # As the column takes it: the lookup is compiled for values as they are sent.
            user_id = get_user_model()._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        user = _USER.first(user_id)
        return user if user is not None and self.user_can_authenticate(user) else None

    def authenticate(self, request, username=None, password=None, **kwargs):
        """The person these credentials sign in; a sign-in by username and password that
        fails ends here (``PermissionDenied``), so no later backend checks it again."""
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None and password is not None:
            raise PermissionDenied
        return user

    async def aauthenticate(self, request, username=None, password=None, **kwargs):
        """``authenticate``, from async code."""
        return await sync_to_async(self.authenticate)(
            request, username=username, password=password, **kwargs
        )


#: This backend's path, which a session signed in with it names (and settings list).
PATH = f"{Accounts.__module__}.{Accounts.__qualname__}"
