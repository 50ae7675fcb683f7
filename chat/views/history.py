"""A conversation's history (``…/messages``): the messages before ``?before=<id>`` ("load
older"), or after ``?after=<id>`` for a page opened around an older message, where the
last page says it reached the newest (``#reached-latest``). For htmx a partial of the
room page; without JavaScript a page of its own."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from chat.conversations import Conversation
from chat.errors import Refused
from chat.models import Message
from chat.views.params import message_id
from chat.views.scope import conversation_view


@conversation_view()
def history(request: HttpRequest, conversation: Conversation) -> HttpResponse:
    """``…/messages?before=<id>`` or ``?after=<id>``: a page of messages either side."""
    messages = Message.objects.for_room(conversation.room)
    newer = "after" in request.GET
    side = "after" if newer else "before"
    since = message_id(request.GET.get(side))
    if since is None:
        raise Refused(f"?{side}=<message id> is required.")
    if newer:
        shown, has_newer = messages.page_after(since)
        newest = shown[-1].id if shown else since
        context = {"messages": shown, "has_newer": has_newer, "newest_id": newest}
    else:
        shown, has_older = messages.page_before(since)
        context = {"messages": shown, "has_older": has_older}
    context["older_url"] = conversation.links.older
    if request.htmx:
        partial = "newer-page" if newer else "older-page"
        return render(request, f"chat/room.html#{partial}", context)
    context.update(room_name=conversation.name, room_url=conversation.links.page, newer=newer)
    return render(request, "chat/history.html", context)
