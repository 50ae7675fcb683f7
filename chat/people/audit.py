"""The audit log: every change an admin makes to someone's account, and every invitation
made, revoked or used, with who did it and when. Written by the services that act
(``chat.people.staff``, ``chat.people.invitations``; a room's admin through the
``chat.rooms.admin.room_administered`` signal), in the same transaction as what they
did, so an entry exists exactly when its change does. Read on ``/staff/audit/``.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser

from chat.models import AuditEntry

Action = AuditEntry.Action


def record(
    actor: AbstractBaseUser,
    action: AuditEntry.Action,
    target: AbstractBaseUser | None = None,
    details: str = "",
) -> AuditEntry:
    """Log that ``actor`` did ``action`` (to ``target``); names are kept beside the links,
    so the entry still reads right once an account is renamed or deleted."""
    return AuditEntry.objects.create(
        actor=actor,
        actor_name=actor.get_username(),
        action=action,
        target=target,
        target_name=target.get_username() if target is not None else "",
        details=details[:200],
    )


def room_administered(sender, actor, action, details: str = "", **kwargs) -> None:
    """Log what a staff member did to a room (``chat.rooms.admin.room_administered``, sent
    inside the transaction of the change: rooms sit under people, so they cannot call
    ``record`` themselves)."""
    record(actor, action, details=details)


def entries():
    """Every entry, newest first."""
    return AuditEntry.objects.order_by("-created_at", "-id")
