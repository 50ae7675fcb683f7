"""Addresses banned from making accounts, and the address each person last came from.

A ban (``chat.people.moderation``) keeps the address the banned person last signed up or
signed in from (``Profile.last_address``, recorded at every sign-in, which a sign-up is too)
and refuses new accounts from it until the ban ends: on the sign-up page and through
invitation links alike. The refusal is the same for everyone and names nobody: whoever
else shares the address (a household, an office) learns only that it is refused for now.
Signing in to an account that already exists is never refused here.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from chat.errors import Forbidden
from chat.models import Ban, Profile

BANNED_ADDRESS = (
    "New accounts cannot be created from your network at the moment. Try again later, or "
    "ask someone who is already here to let the admins know."
)


def address_or_none(address: str) -> str | None:
    """``address`` if it is an IP address (as the database keeps one), else None."""
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def record_address(user: AbstractBaseUser, address: str) -> None:
    """Keep ``address`` as the one ``user`` last came from (each sign-in and sign-up)."""
    Profile.objects.filter(user=user).update(last_address=address_or_none(address))


def banned_until(address: str) -> datetime | None:
    """When the latest ban of ``address`` ends, if one is in force now; None otherwise."""
    address = address_or_none(address)
    if address is None:
        return None
    bans = Ban.objects.filter(address=address, until__gt=timezone.now())
    return bans.order_by("-until").values_list("until", flat=True).first()


def check_address(address: str) -> None:
    """``Forbidden`` (``BANNED_ADDRESS``, naming nobody) while ``address`` is banned."""
    if banned_until(address) is not None:
        raise Forbidden(BANNED_ADDRESS)
