"""The first run, in the browser: while no account exists, ``/setup/`` lets the first visitor
make the administrator's account and name the chat. Once any account exists it is gone
for good (404), however that account was made (here, ``createsuperuser``, a script).

Two visitors racing cannot both become administrator: one conditional UPDATE of
``Instance.set_up_at`` (only while it is empty) decides, in the transaction that creates
the account; the database serialises the two on the row, so exactly one sees a row
updated. The loser's account is never made.

The account gets what every account a person makes gets (``accounts.welcome_new_account``:
the default room and the welcome); sign-up itself is not called, since it refuses unless
``CHAT_SIGNUP`` is "open" and opens its own transaction.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from chat import ratelimit
from chat.errors import NotFound, validated
from chat.models import Instance
from chat.people import accounts, audit, instance
from chat.people.instance_forms import SetupForm

ALREADY_SET_UP = "This chat is already set up: sign in, or ask its administrator for an account."


def needs_setup() -> bool:
    """Whether nobody has an account yet, so ``/setup/`` is open. Costs no query once the
    chat is set up (the answer is kept with the cached settings); an account made another
    way closes setup for good the first time this is asked."""
    if instance.current().set_up:
        return False
    if not get_user_model().objects.exists():
        return True
    _mark_set_up()
    return False


def _mark_set_up() -> int:
    """Set ``set_up_at`` if it is empty (one conditional UPDATE); how many rows it set."""
    instance.row()
    done = Instance.objects.filter(pk=instance.PK, set_up_at=None).update(set_up_at=timezone.now())
    instance.forget()
    return done


def require_setup() -> None:
    """``NotFound`` once the chat is set up: ``/setup/`` does not exist any more."""
    if not needs_setup():
        raise NotFound(ALREADY_SET_UP)


def set_up(data: Mapping, address: str) -> AbstractBaseUser:
    """Make the administrator's account (a superuser) and name the chat, from the setup
    form's ``data``; the account, for the view to sign in.

    Raises ``NotFound`` once any account exists (someone a moment faster included),
    ``Invalid`` (the form) and ``TooFast`` past the sign-up limit of ``address``. Nothing
    is created when it raises.
    """
    require_setup()
    form = validated(SetupForm, data)
    ratelimit.take(ratelimit.SIGNUP, address)
    instance.row()
    with transaction.atomic():
        # The one decision: whoever's UPDATE sets the column is the administrator; the
        # other waits on the row lock, then finds it set and updates nothing.
        won = Instance.objects.filter(pk=instance.PK, set_up_at=None).update(
            set_up_at=timezone.now(), name=form.cleaned_data["instance_name"]
        )
        # An account made another way (createsuperuser) since the check counts as set up.
        if not won or get_user_model().objects.exists():
            transaction.set_rollback(True)
            won = 0
        else:
            user = form.save(commit=False)
            user.is_staff = user.is_superuser = True
            user.save()
            accounts.welcome_new_account(user)
            named = form.cleaned_data["instance_name"]
            audit.record(user, audit.Action.SET_UP, details=f"named it “{named}”")
            instance.forget()
    if not won:
        ratelimit.give_back(ratelimit.SIGNUP, address)
        _mark_set_up()
        raise NotFound(ALREADY_SET_UP)
    return user
