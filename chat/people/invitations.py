"""Invitation links: the way in while ``CHAT_SIGNUP`` is "invite".

Any member (staff included) makes one: for one person or several (``max_uses``), working
for 1, 7 or 30 days, revocable by its creator or any staff member. Its token is random
(``secrets.token_urlsafe(32)``, 256 bits) and shown once, in the link; only its SHA-256 is
kept, as for bots' tokens (``chat.tokens``), so the database alone lets nobody in.

Signing up through one (``/join/<token>/``) takes one of its uses with a single
conditional UPDATE in the same transaction as the new account: two people racing for
the last use cannot both get in, and a refused sign-up uses nothing. Tokens tried from
one client address are limited, counting only the ones that do not exist: a guesser
runs out long before finding one. An invitation whose maker's account is deactivated
lets nobody in (and is listed as inactive) for as long as the account stays so. Making,
revoking and using invitations go to the audit log (``chat.people.audit``), so the admins can
see who let whom in.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.formats import date_format

from chat import ratelimit
from chat.errors import Forbidden, Missing, NotFound, validated
from chat.models import Invitation
from chat.people import accounts, audit, bans
from chat.people.forms import InvitationForm
from chat.tokens import find_by_token, new_token, token_hash

UNKNOWN = "This invitation link is not valid: check that it was copied whole, or ask for a new one."
REVOKED = "This invitation was revoked: ask whoever sent it for a new one."
USED_UP = "This invitation has been used as many times as it allowed: ask for a new one."
EXPIRED = "This invitation expired on {date}: ask whoever sent it for a new one."
MAKER_INACTIVE = (
    "This invitation no longer works: the account that made it was deactivated. "
    "Ask another member for a new one."
)
NO_SUCH_INVITATION = "There is no such invitation."
ONLY_WHEN_INVITING = {
    accounts.OPEN: "Sign-up is open here: anyone can create an account, no invitation needed.",
    accounts.CLOSED: accounts.ADMINS_ONLY,
}

#: Invitation links that do not exist, tried from one client address in an hour.
TOKEN_GUESSES = ratelimit.Rate(
    "invitation-token",
    20,
    3600,
    "Too many invitation links that do not exist were tried from your network. "
    "Try again in {wait}.",
)
#: Invitations one person may make in an hour.
INVITATION_CREATION = ratelimit.Rate(
    "invitation",
    30,
    3600,
    "You have made many invitations in a short time. Try again in {wait}.",
)


def is_signup_by_invitation() -> bool:
    """Whether sign-up goes through invitations (``CHAT_SIGNUP=invite``)."""
    return accounts.signup_mode() == accounts.INVITE


def may_invite(person: AbstractBaseUser) -> bool:
    """Whether ``person`` may make invitations: any signed-in member while inviting."""
    return is_signup_by_invitation() and person.is_authenticated and person.is_active


def why_not_inviting() -> str:
    """What the invitations page says while sign-up is not by invitation."""
    return ONLY_WHEN_INVITING.get(accounts.signup_mode(), "")


def state(invitation: Invitation, now=None) -> str:
    """``active``, ``revoked``, ``inactive`` (its maker's account is deactivated, however
    that was done: read from the account itself, so ``QuerySet.update()`` counts too, and
    reactivating the account makes it work again), ``used`` or ``expired``."""
    now = now or timezone.now()
    if invitation.revoked_at is not None:
        return "revoked"
    if not invitation.created_by.is_active:
        return "inactive"
    if invitation.uses >= invitation.max_uses:
        return "used"
    if invitation.expires_at <= now:
        return "expired"
    return "active"


def _refusal(invitation: Invitation) -> Forbidden | None:
    """Why ``invitation`` lets nobody in any more, or None while it does."""
    match state(invitation):
        case "revoked":
            return Forbidden(REVOKED)
        case "inactive":
            return Forbidden(MAKER_INACTIVE)
        case "used":
            return Forbidden(USED_UP)
        case "expired":
            day = date_format(timezone.localtime(invitation.expires_at), "DATE_FORMAT")
            return Forbidden(EXPIRED.format(date=day))
    return None


# --- making, listing and revoking -------------------------------------------------------------


def create_invitation(creator: AbstractBaseUser, data: Mapping) -> tuple[Invitation, str]:
    """``creator`` makes an invitation from the invitation form's ``data``; it and its token,
    which is never stored and so can never be shown again.

    Raises ``Forbidden`` while sign-up is not by invitation, ``Invalid`` (the form) and
    ``TooFast`` past ``INVITATION_CREATION``.
    """
    if not may_invite(creator):
        raise Forbidden(why_not_inviting() or accounts.ADMINS_ONLY)
    form = validated(InvitationForm, data)
    ratelimit.take(INVITATION_CREATION, creator.pk)
    token = new_token()
    now = timezone.now()
    with transaction.atomic():
        invitation = Invitation.objects.create(
            created_by=creator,
            token_hash=token_hash(token),
            max_uses=form.cleaned_data["max_uses"],
            created_at=now,
            expires_at=now + timedelta(days=form.cleaned_data["expires_in_days"]),
        )
        audit.record(creator, audit.Action.INVITATION_CREATED, details=_describe(invitation))
    return invitation, token


def _describe(invitation: Invitation) -> str:
    people = "1 person" if invitation.max_uses == 1 else f"{invitation.max_uses} people"
    until = date_format(timezone.localtime(invitation.expires_at), "DATETIME_FORMAT")
    return f"invitation {invitation.pk}: for {people}, until {until}"


def may_see_every_invitation(person: AbstractBaseUser) -> bool:
    """Staff see (and may revoke) everyone's invitations; members only their own."""
    return bool(person.is_staff)


def visible_to(person: AbstractBaseUser) -> QuerySet[Invitation]:
    """The invitations ``person`` sees on the invitations page: their own; staff see all."""
    found = Invitation.objects.select_related("created_by").order_by("-created_at", "-id")
    return found if may_see_every_invitation(person) else found.filter(created_by=person)


def revoke_invitation(actor: AbstractBaseUser, invitation_id: int) -> Invitation:
    """Its creator or a staff member revokes an invitation: its link lets nobody else in.
    ``NotFound`` for anyone else (they may not know it exists)."""
    invitation = visible_to(actor).filter(pk=invitation_id).first()
    if invitation is None or not actor.is_active:
        raise Missing(NO_SUCH_INVITATION)
    if invitation.revoked_at is None:
        with transaction.atomic():
            invitation.revoked_at = timezone.now()
            invitation.save(update_fields=["revoked_at"])
            audit.record(actor, audit.Action.INVITATION_REVOKED, details=_describe(invitation))
    return invitation


# --- signing up through one ----------------------------------------------------------------


def invitation_for_token(token: str, address: str) -> Invitation:
    """The invitation of ``token``, if it still lets people in.

    Raises ``NotFound`` (unknown token; it counts against ``address``), ``TooFast`` for an
    unknown token once ``address`` tried too many, and ``Forbidden`` saying whether it was
    revoked, used up or expired, or its maker's account deactivated.
    """
    invitation = _find(token)
    if invitation is None:
        # Only misses count, and only they are refused past the limit: a real link is no
        # guess, and works from an address that guessed (a 256-bit token is not found by
        # guessing, so letting it through tells a guesser nothing).
        ratelimit.take(TOKEN_GUESSES, address)
        raise NotFound(UNKNOWN)
    refusal = _refusal(invitation)
    if refusal is not None:
        raise refusal
    return invitation


def _find(token: str) -> Invitation | None:
    return find_by_token(Invitation.objects.select_related("created_by"), token)


def join(token: str, data: Mapping, address: str) -> AbstractBaseUser:
    """Create an account from the sign-up form's ``data`` through the invitation of ``token``.

    Raises ``NotFound`` while sign-up is not by invitation or for an unknown token,
    ``Forbidden`` for an invitation that was revoked, is used up (perhaps by someone who
    was a moment faster), expired or whose maker was deactivated, or from a banned
    ``address`` (``chat.people.bans``), ``Invalid`` (the form) and ``TooFast``. Nothing is
    created or used up when it raises.
    """
    if not is_signup_by_invitation():
        raise NotFound(why_not_inviting())
    invitation = invitation_for_token(token, address)
    bans.check_address(address)
    form = accounts.valid_signup(data)
    ratelimit.take(ratelimit.SIGNUP, address)
    with transaction.atomic():
        # One statement takes the use only while one is left: the database serialises
        # racers on the row, so the last use goes to exactly one of them. Every condition
        # is on the invitation's own row (the maker's state by a subquery on its column,
        # not a join): with a join Django updates "WHERE id IN (SELECT ...)", and
        # PostgreSQL re-checks only the outer condition on the row it waited for, so both
        # racers took the last use.
        active_makers = get_user_model().objects.filter(is_active=True).values("pk")
        taken = (
            Invitation.objects.filter(
                pk=invitation.pk,
                revoked_at=None,
                expires_at__gt=timezone.now(),
                created_by__in=active_makers,
            )
            .filter(uses__lt=F("max_uses"))
            .update(uses=F("uses") + 1)
        )
        if not taken:
            invitation.refresh_from_db()
            ratelimit.give_back(ratelimit.SIGNUP, address)
            raise _refusal(invitation) or Forbidden(USED_UP)
        user = form.save()
        accounts.welcome_new_account(user)
        audit.record(
            user,
            audit.Action.JOINED_BY_INVITATION,
            target=invitation.created_by,
            details=f"invitation {invitation.pk}, made by {invitation.created_by.get_username()}",
        )
    return user
