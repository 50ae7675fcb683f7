"""Moderation by staff: deleting anyone's message (logged here), and banning a person.

Staff delete any message wherever it is, through the same deletion as its author's
(``chat.messages.edits``); each deletion of someone else's message is written to the audit
log in the deletion's own transaction (``record_deletion``, connected to
``edits.deleted_by_staff``).

A ban, from the staff's people page, does three things. It deactivates the account, as
the Deactivate action does: every session of theirs stops signing them in, their open
sockets close on every process, and the bots they made are revoked. It refuses new
accounts from the address they last signed in from (``chat.people.bans``) for a day, a
week or a month. And, if asked, it deletes every message of theirs (``purge``), in every
conversation, as a deletion by its author would: a tombstone in its place, taking its
room's next revision, sent to every socket of the room; their files and previews' pictures
leave storage. The purge runs in batches of ``PURGE_BATCH`` messages, each in a short
transaction of its own and broadcast once committed, so no transaction is held for the
minutes a long history would take. The rules: only active staff ban, nobody bans
themselves, and only a superuser bans a superuser; banning someone already deactivated
(or banned) is allowed, to ban their address again or delete what they left.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.core.paginator import Page
from django.db import DatabaseError, transaction
from django.db.models import Max
from django.utils import timezone

from chat.errors import Forbidden, Unavailable, validated
from chat.messages import edits
from chat.models import Ban, Message, Profile, Room
from chat.people import audit, staff
from chat.people.forms import BanForm

logger = logging.getLogger(__name__)

#: Messages deleted in one transaction of a purge.
PURGE_BATCH = 100

NOT_YOURSELF = "You cannot ban yourself: ask another admin."
PURGE_STOPPED = (
    "{name} is banned, but deleting their messages stopped partway. Ban them again, with "
    "their messages, to delete the rest."
)


# --- deleting anyone's message ----------------------------------------------------------


def _where(room: Room) -> str:
    """A room as the audit log names it: its title, or the kind of a conversation."""
    if room.kind == Room.Kind.DIRECT:
        return "a direct conversation"
    if room.kind == Room.Kind.GROUP:
        return "a group conversation"
    return f"“{room.title}”"


def record_deletion(sender, actor: AbstractBaseUser, message: Message, **kwargs) -> None:
    """Log that staff ``actor`` deleted someone else's ``message`` (``edits.deleted_by_staff``,
    sent inside the deletion's transaction: the entry exists exactly when the deletion does)."""
    details = f"message {message.pk} in {_where(message.room)}"
    audit.record(actor, audit.Action.MESSAGE_DELETED, message.author, details)


# --- banning ----------------------------------------------------------------------------


def why_not_ban(actor: AbstractBaseUser, target: AbstractBaseUser) -> str | None:
    """Why ``actor`` (staff) may not ban ``target``; None when they may."""
    if target.pk == actor.pk:
        return NOT_YOURSELF
    # A staff member must not be able to remove the superuser who made them staff.
    if target.is_superuser and not actor.is_superuser:
        return staff.ONLY_SUPERUSERS
    return None


def people_page(viewer: AbstractBaseUser, query: str = "", page: object = 1) -> Page:
    """``chat.people.staff.people_page``, each person also with ``may_ban`` and
    ``banned_until`` (when the latest ban of theirs in force ends, or None)."""
    shown = staff.people_page(viewer, query, page)
    in_force = Ban.objects.filter(user__in=list(shown), until__gt=timezone.now())
    until = dict(in_force.values("user").annotate(last=Max("until")).values_list("user", "last"))
    for person in shown:
        person.may_ban = why_not_ban(viewer, person) is None
        person.banned_until = until.get(person.pk)
    return shown


def to_ban(actor: AbstractBaseUser, user_id: int) -> AbstractBaseUser:
    """The person ``user_id``, for the ban form; ``NotFound`` for non-staff, bots and
    nobody, ``Forbidden`` (why) for someone ``actor`` may not ban."""
    target = staff.manageable(actor, user_id)
    problem = why_not_ban(actor, target)
    if problem is not None:
        raise Forbidden(problem)
    return target


@dataclass(frozen=True)
class Purged:
    """What a purge deleted: how many messages, in how many transactions."""

    messages: int = 0
    batches: int = 0


@dataclass(frozen=True)
class Banned:
    """A ban made: the person (deactivated now), the ban, and what was purged."""

    person: AbstractBaseUser
    ban: Ban
    purged: Purged = field(default_factory=Purged)

    @property
    def done(self) -> str:
        """What the staff page says once it is done."""
        name = self.person.get_username()
        said = f"{name} was banned and signed out everywhere"
        if self.purged.messages:
            said += f"; {self.purged.messages} of their messages were deleted"
        return f"{said}."


def _details(ban: Ban) -> str:
    """The audit entry's words for ``ban``."""
    until = ban.until.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    address = "their last address" if ban.address else "no known address"
    purged = "messages and files deleted" if ban.purged else "messages kept"
    return f"new accounts refused from {address} until {until}; {purged}"


def ban(actor: AbstractBaseUser, user_id: int, data: Mapping) -> Banned:
    """``actor`` bans the person ``user_id`` as the ban form (``BanForm``) in ``data`` says,
    logged in the audit; then, if asked, deletes their messages (``purge``).

    Raises as ``to_ban`` does, ``Invalid`` (the form) and, once the ban is in place,
    ``Unavailable`` if the purge could not finish.
    """
    to_ban(actor, user_id)
    form = validated(BanForm, data)
    with transaction.atomic():
        # Read again under a row lock (PostgreSQL), as chat.people.staff.act does.
        person = get_user_model().objects.select_for_update().get(pk=user_id)
        problem = why_not_ban(actor, person)
        if problem is not None:
            raise Forbidden(problem)
        if person.is_active:
            person.is_active = False
            # Their sockets re-check their session once committed, and their bots are
            # revoked (chat.receivers.user_saved), as for Deactivate.
            person.save(update_fields=["is_active"])
        made = Ban.objects.create(
            user=person,
            address=Profile.objects.filter(user=person)
            .values_list("last_address", flat=True)
            .first(),
            until=timezone.now() + timedelta(days=form.cleaned_data["days"]),
            purged=form.cleaned_data["purge"],
            created_by=actor,
        )
        audit.record(actor, audit.Action.BANNED, person, _details(made))
    if not made.purged:
        return Banned(person, made)
    try:
        return Banned(person, made, purge(person))
    except DatabaseError as error:
        logger.exception("could not delete every message of a banned person")
        raise Unavailable(PURGE_STOPPED.format(name=person.get_username())) from error


def purge(person: AbstractBaseUser) -> Purged:
    """Delete every message of ``person`` still standing, oldest first, ``PURGE_BATCH`` per
    transaction: each one a tombstone taking its room's next revision (``edits.erase``:
    its files and picture leave storage), sent to its room's sockets once its batch is
    committed, with the replies quoting it re-rendered. Stops at the first batch that
    fails (``DatabaseError``); the batches before it stay done."""
    deleted = batches = 0
    standing = Message.objects.filter(author=person, deleted=False)
    while True:
        with transaction.atomic():
            batch = list(
                standing.select_related("room", "author__profile").order_by("id")[:PURGE_BATCH]
            )
            erased = {message.pk for message in batch}
            requoted: list[Message] = []
            for message in batch:
                # A reply of theirs in this batch is a tombstone by the end of it.
                requoted += [reply for reply in edits.erase(message) if reply.pk not in erased]
        if not batch:
            return Purged(deleted, batches)
        for message in [*batch, *requoted]:
            edits.announce(message)
        deleted, batches = deleted + len(batch), batches + 1
