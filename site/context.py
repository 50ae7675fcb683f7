"""What every page's header asks: which of the account links the viewer is offered, and the
chat's own name, logo and accent."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from chat.messages import edits
from chat.people import instance, invitations, staff


def account_links(request: HttpRequest) -> dict[str, bool]:
    """``may_invite`` (the Invitations link), ``may_manage_people`` (the People link) and
    ``may_delete_anywhere`` (Delete on everyone's messages, by base.html's style block),
    decided by the services; False for anyone signed out."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"may_invite": False, "may_manage_people": False, "may_delete_anywhere": False}
    return {
        "may_invite": invitations.may_invite(user),
        "may_manage_people": staff.may_manage_people(user),
        "may_delete_anywhere": edits.deletes_anywhere(user),
    }


def instance_settings(request: HttpRequest) -> dict[str, instance.Settings]:
    """``instance``: the chat's name, logo and accent (cached: no query in the common case),
    read only when a template uses it: the error pages, which must render whatever else is
    broken, never do."""
    return {"instance": SimpleLazyObject(instance.current)}
