"""A private room's members: adding someone (``…/members``), and leaving or removing
someone (``…/members/remove``: "are you sure?", then the removal). htmx gets the members
panel back; a plain form, the room page or the lobby."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect

from chat.broadcast import presence
from chat.conversations import Conversation
from chat.errors import Invalid
from chat.models import Room
from chat.rooms import services as rooms
from chat.rooms.forms import UsernameForm
from chat.views.refusals import form_holding
from chat.views.scope import conversation_view


def _panel(request: HttpRequest, room: Room, *, status: int = 200, **context) -> HttpResponse:
    context = {
        "room": room,
        "members": presence.members(room),
        "may_remove_others": rooms.may_remove_others(room, request.user),
        "member_form": UsernameForm(),
        **context,
    }
    return render(request, "chat/room.html#members-panel", context, status=status)


@conversation_view(["POST"])
def add_member(request: HttpRequest, conversation: Conversation) -> HttpResponse:
    """Add a member to a private room; only its members may."""
    room = conversation.room
    try:
        added = rooms.add_member(room, request.user, request.POST)
    except Invalid as refusal:
        if not request.htmx:
            raise  # the refusal's own page, leading back to the room
        form = form_holding(UsernameForm, request, refusal)
        return _panel(request, room, status=refusal.status, member_form=form)
    if request.htmx:
        return _panel(request, room, added=added)
    return redirect(conversation.links.page)


@conversation_view(["GET", "POST"])
def remove_member(request: HttpRequest, conversation: Conversation) -> HttpResponse:
    """Leave a private room, or (its creator only) remove someone from it: "are you
    sure?" (GET, ``?username=``), then the removal (POST)."""
    room, back = conversation.room, conversation.links.page
    if request.method == "GET":
        leaving = rooms.removable_member(room, request.user, request.GET)
        heir = rooms.heir(room, leaving)
        context = {"room": room, "leaving": leaving, "heir": heir, "back": back}
        return render(request, "chat/member_remove.html", context)
    leaving = rooms.remove_member(room, request.user, request.POST)
    if leaving == request.user:
        return HttpResponseClientRedirect("/") if request.htmx else redirect("lobby")
    if request.htmx:
        return _panel(request, room)
    return redirect(back)
