"""The staff's controls over people: list them, deactivate and reactivate them, make them
staff or take it back, and read the audit log of all of it.

Only active staff members see any of it; to everyone else the pages do not exist (404).
The rules, all here: nobody deactivates themselves or takes their own staff status away
(the last admin could lock everyone out); only a superuser changes a superuser's account
(a staff member must not be able to remove the person who made them staff); bots are
managed in their rooms, not here. Each action is saved with its audit entry in one
transaction.

Deactivating someone ends every session of theirs: Django refuses an inactive user on
the next request, and saving ``is_active`` has every open socket of theirs re-check its
session on every process (``chat.people.accounts.user_changed``) and close, and the bots they
made are revoked (reactivating them does not bring those back). Their messages stay,
marked as from a deactivated account.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page, Paginator
from django.db import transaction
from django.db.models import Q, QuerySet

from chat.errors import Forbidden, NotFound
from chat.models import AuditEntry
from chat.people import audit

NO_SUCH_PAGE = "There is no such page."
NO_SUCH_PERSON = "There is no such person."
ONLY_SUPERUSERS = "Only a superuser can change a superuser's account."
PEOPLE_PER_PAGE = 50
AUDIT_PER_PAGE = 50
QUERY_MAX_CHARS = 100


@dataclass(frozen=True)
class StaffAction:
    """Something staff do to a person's account, in the words the pages use."""

    slug: str
    label: str
    #: Asked on the confirmation page; ``{name}`` is the person's username.
    question: str
    #: Said once it is done.
    done: str
    audit_action: AuditEntry.Action
    field: str
    value: bool


ACTIONS = {
    action.slug: action
    for action in (
        StaffAction(
            "deactivate",
            "Deactivate",
            "Deactivate {name}? They are signed out everywhere at once and cannot sign in "
            "again until reactivated. Their messages stay, marked as from a deactivated account.",
            "{name} was deactivated and signed out everywhere.",
            AuditEntry.Action.DEACTIVATED,
            "is_active",
            False,
        ),
        StaffAction(
            "reactivate",
            "Reactivate",
            "Reactivate {name}? They can sign in again with their password.",
            "{name} was reactivated.",
            AuditEntry.Action.REACTIVATED,
            "is_active",
            True,
        ),
        StaffAction(
            "make-staff",
            "Make staff",
            "Make {name} staff? They will see these pages and can deactivate people.",
            "{name} is now staff.",
            AuditEntry.Action.MADE_STAFF,
            "is_staff",
            True,
        ),
        StaffAction(
            "remove-staff",
            "Remove staff",
            "Remove {name} from the staff? They keep their account.",
            "{name} is no longer staff.",
            AuditEntry.Action.REMOVED_STAFF,
            "is_staff",
            False,
        ),
    )
}


def may_manage_people(person: AbstractBaseUser) -> bool:
    """Whether ``person`` sees the staff pages: an active staff member."""
    return bool(person.is_authenticated and person.is_active and person.is_staff)


def may_see_styleguide(person: AbstractBaseUser) -> bool:
    """The styleguide is for staff, and for everyone while DEBUG is on (local design work)."""
    return settings.DEBUG or may_manage_people(person)


def _require_staff(person: AbstractBaseUser) -> None:
    # 404, not 403: to anyone else these pages do not exist.
    if not may_manage_people(person):
        raise NotFound(NO_SUCH_PAGE)


def _people() -> QuerySet:
    """Every account but bots' (they are managed in their rooms)."""
    return get_user_model().objects.exclude(profile__is_bot=True)


def people_page(viewer: AbstractBaseUser, query: str = "", page: object = 1) -> Page:
    """One page of people, by username, whose username or e-mail contains ``query``; each
    with ``actions``: what ``viewer`` may do to them. ``NotFound`` for non-staff."""
    _require_staff(viewer)
    found = _people().order_by("username")
    query = query.strip()[:QUERY_MAX_CHARS]
    if query:
        found = found.filter(Q(username__icontains=query) | Q(email__icontains=query))
    shown = Paginator(found, PEOPLE_PER_PAGE).get_page(page)
    for person in shown:
        person.actions = actions_for(viewer, person)
    return shown


def refusal(actor: AbstractBaseUser, target: AbstractBaseUser, action: StaffAction) -> str | None:
    """Why ``actor`` may not do ``action`` to ``target``; None when they may."""
    name = target.get_username()
    # A staff member must not be able to remove the superuser who made them staff.
    if target.is_superuser and not actor.is_superuser:
        return ONLY_SUPERUSERS
    if action.slug == "deactivate" and target.pk == actor.pk:
        return "You cannot deactivate yourself: ask another admin."
    if action.slug == "remove-staff" and target.pk == actor.pk:
        return "You cannot remove yourself from the staff: ask another admin."
    if action.slug == "make-staff" and not target.is_active:
        return f"Reactivate {name} first."
    if getattr(target, action.field) == action.value:
        return {
            "deactivate": f"{name} is already deactivated.",
            "reactivate": f"{name} is already active.",
            "make-staff": f"{name} is already staff.",
            "remove-staff": f"{name} is not staff.",
        }[action.slug]
    return None


def actions_for(actor: AbstractBaseUser, target: AbstractBaseUser) -> list[StaffAction]:
    """What ``actor`` may do to ``target`` now, for the buttons of their row."""
    return [action for action in ACTIONS.values() if refusal(actor, target, action) is None]


def manageable(actor: AbstractBaseUser, user_id: int) -> AbstractBaseUser:
    """The person ``user_id`` (no bot) for ``actor`` to act on; ``NotFound`` for non-staff
    and for anyone else (``chat.people.moderation`` bans through it)."""
    _require_staff(actor)
    target = _people().filter(pk=user_id).first()
    if target is None:
        raise NotFound(NO_SUCH_PERSON)
    return target


def _target(actor: AbstractBaseUser, user_id: int, slug: str) -> tuple:
    _require_staff(actor)
    action = ACTIONS.get(slug)
    target = _people().filter(pk=user_id).first()
    if action is None or target is None:
        raise NotFound(NO_SUCH_PERSON)
    return target, action


def to_confirm(actor: AbstractBaseUser, user_id: int, slug: str) -> tuple:
    """(target, action) for the confirmation page; ``NotFound`` for non-staff, an unknown
    person or action, ``Forbidden`` (why) for one ``actor`` may not do."""
    target, action = _target(actor, user_id, slug)
    problem = refusal(actor, target, action)
    if problem is not None:
        raise Forbidden(problem)
    return target, action


def act(actor: AbstractBaseUser, user_id: int, slug: str) -> tuple:
    """``actor`` does the action ``slug`` to the person ``user_id``, logged in the audit;
    (target, action). Raises as ``to_confirm`` does; nothing changes then."""
    _target(actor, user_id, slug)
    with transaction.atomic():
        # Read again under a row lock (PostgreSQL): two admins acting at once see each other.
        # (_target checked it is no bot: the join that excludes bots cannot be locked.)
        locked = get_user_model().objects.select_for_update().filter(pk=user_id).first()
        if locked is None:
            raise NotFound(NO_SUCH_PERSON)
        target, action = locked, ACTIONS[slug]
        problem = refusal(actor, target, action)
        if problem is not None:
            raise Forbidden(problem)
        setattr(target, action.field, action.value)
        # Saving is_active has their open sockets re-check their session once committed,
        # and deactivating revokes their bots (chat.receivers.user_saved).
        target.save(update_fields=[action.field])
        audit.record(actor, action.audit_action, target)
    return target, action


def audit_page(viewer: AbstractBaseUser, page: object = 1) -> Page:
    """One page of the audit log, newest first; ``NotFound`` for non-staff."""
    _require_staff(viewer)
    return Paginator(audit.entries(), AUDIT_PER_PAGE).get_page(page)
