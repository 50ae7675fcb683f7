"""Joining and leaving a room (``/r/<slug>/join``, ``/r/<slug>/leave``): plain forms that
htmx enhances. htmx gets the page's membership bar back (the lobby and the sidebar follow
over their sockets); a plain form, the room page again, or the lobby once a private room
is left (it cannot be read any more)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django_htmx.http import HttpResponseClientRedirect

from chat.conversations import Conversation
from chat.models import Room
from chat.rooms import joining
from chat.views.scope import conversation_view


def _bar(request: HttpRequest, conversation: Conversation) -> HttpResponse:
    context = {
        "room": conversation.room,
        "room_name": conversation.name,
        "is_member": joining.is_member(conversation.room, request.user),
    }
    return render(request, "chat/room.html#membership", context)


@conversation_view(["POST"])
def join(request: HttpRequest, conversation: Conversation) -> HttpResponse:
    """Join a public room one may read (a member already: nothing changes)."""
    joining.join_room(conversation.room, request.user)
    if request.htmx:
        return _bar(request, conversation)
    return redirect(conversation.links.page)


@conversation_view(["POST"])
def leave(request: HttpRequest, conversation: Conversation) -> HttpResponse:
    """Leave a room: a public one stays readable, a private one is gone from sight."""
    room = conversation.room
    joining.leave_room(room, request.user)
    if room.kind == Room.Kind.PRIVATE:
        return HttpResponseClientRedirect("/") if request.htmx else redirect("lobby")
    if request.htmx:
        return _bar(request, conversation)
    return redirect(conversation.links.page)
