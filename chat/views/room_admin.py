"""A room's admin, for its creator and staff (``chat.rooms.admin`` decides who may):
rename and public or private (POSTs to the settings page, told apart by their fields:
``chat.views.room_settings`` hands them here), archive and unarchive
(``/r/<slug>/archive``, ``/unarchive``); delete is the settings page's own
(``/r/<slug>/delete``), as a refusal shows that page again. Plain forms answered with a
redirect; a refused form comes back on the settings page (``again``) holding what was
typed and its error. Changing a room to public or private first answers with what it
would do, and acts once confirmed.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from chat.conversations import Conversation
from chat.errors import Invalid, NotFound
from chat.models import Room
from chat.rooms import admin, conversations
from chat.rooms.forms import ConvertForm, DeleteRoomForm, RenameForm
from chat.views.refusals import form_holding
from chat.views.scope import conversation_view

#: Renders the settings page again: ``again(status, **forms)``, one form holding its error.
Again = Callable[..., HttpResponse]


#: The admin panel's forms, by their names in the page's context.
FORMS = ("rename_form", "convert_form", "delete_form")


def panel(request: HttpRequest, room: Room, **forms: object) -> dict:
    """What the settings page's admin panel shows, for those who may use it; nothing for
    anyone else. ``forms``: one refused form, holding its error, in place of a fresh one."""
    if not admin.may_administer(room, request.user):
        return {}
    return {
        "admin_panel": True,
        "rename_form": RenameForm(initial={"title": room.title}),
        "convert_form": ConvertForm(initial={"kind": room.kind}),
        "delete_form": DeleteRoomForm(),
        **forms,
    }


def rename(request: HttpRequest, conversation: Conversation, again: Again) -> HttpResponse:
    """``POST …/settings`` with ``title``: the room's new name; its address stays."""
    try:
        admin.rename(conversation.room, request.user, request.POST)
    except Invalid as refusal:
        form = form_holding(RenameForm, request, refusal)
        return again(refusal.status, rename_form=form)
    return redirect(f"{conversation.links.settings}?renamed=1")


def convert(request: HttpRequest, conversation: Conversation, again: Again) -> HttpResponse:
    """``POST …/settings`` with ``kind``: without ``confirmed``, the page that says who
    will lose or gain the room (nothing changes yet); confirmed, the change."""
    room = conversation.room
    try:
        if not request.POST.get("confirmed"):
            planned = admin.conversion(room, request.user, request.POST)
            context = {"room": room, "links": conversation.links, "conversion": planned}
            return render(request, "chat/room_convert.html", context)
        admin.convert(room, request.user, request.POST)
    except Invalid as refusal:
        form = form_holding(ConvertForm, request, refusal)
        return again(refusal.status, convert_form=form)
    return redirect(_page_if_readable(request, conversation))


def _page_if_readable(request: HttpRequest, conversation: Conversation) -> str:
    """The room's page, or the lobby for someone who may not read it any more (a staff
    member who made a room private without being in it)."""
    try:
        conversations.conversation(request.user, {"slug": conversation.room.slug})
    except NotFound:
        return reverse("lobby")
    return conversation.links.page


@conversation_view(["POST"])
def archive(request: HttpRequest, conversation: Conversation) -> HttpResponse:
    """``POST /r/<slug>/archive``: read-only, out of the lobby and the sidebar."""
    request.back = conversation.links.settings
    admin.archive(conversation.room, request.user)
    return redirect(conversation.links.page)


@conversation_view(["POST"])
def unarchive(request: HttpRequest, conversation: Conversation) -> HttpResponse:
    """``POST /r/<slug>/unarchive``: the room as it was before it was archived."""
    request.back = conversation.links.settings
    admin.unarchive(conversation.room, request.user)
    return redirect(conversation.links.page)
