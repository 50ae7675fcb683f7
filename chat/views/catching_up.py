"""Catching up: "Mark unread" from a message (``/m/<id>/unread``), "Mark all read"
(``/read-all``) and the mentions of me (``/mentions/``).

The rules are ``chat.messages.catching_up``'s. The counts they change reach every lobby and
sidebar of the person over their sockets (``events.marked_unread``, ``events.all_read``);
the HTTP answer is for the page that asked.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from chat.broadcast import frames as rendering
from chat.messages import catching_up
from chat.models import Message
from chat.views import params
from chat.views.messages import message_view

MARKED_UNREAD = "Marked unread from there: it stays so until you come back or write here."
ALL_READ = "Everything is marked read."


@message_view
def message_unread(request: HttpRequest, message: Message) -> HttpResponse:
    """``/m/<id>/unread``: the form (GET, loaded into the article's slot), or the change
    (POST). htmx gets the article again (its slot closed), the "New since" line moved before
    it, and a notice; without JavaScript, the lobby, where the count shows (the
    conversation's page would read it all again)."""
    if request.method == "GET":
        context = {"message": message, "partial": "unread-form", "readable": True}
        context["back"] = message.address
        template = "chat/message.html#unread-form" if request.htmx else "chat/message.html"
        return render(request, template, context)
    catching_up.mark_unread(request.user, message.id)
    if not request.htmx:
        return redirect(reverse("lobby"))
    article = rendering.message_article(
        Message.objects.for_room(message.room).get(pk=message.pk), change=True
    )
    line = render_to_string(
        "chat/room.html#new-since", {"new_since": message.id, "new_since_oob": True}
    )
    notice = render_to_string("chat/parts.html#read-notice", {"notice": MARKED_UNREAD})
    return HttpResponse(article + line + notice)


@login_required
@require_POST
def read_all(request: HttpRequest) -> HttpResponse:
    """``POST /read-all``: every room and conversation of mine read. htmx gets a notice (the
    counts change over the sockets, on every tab); without JavaScript, back to where the
    form was (the lobby, or the conversation whose sidebar held it)."""
    catching_up.mark_all_read(request.user)
    if request.htmx:
        return render(request, "chat/parts.html#read-notice", {"notice": ALL_READ})
    return redirect(params.safe_next(request) or reverse("lobby"))


@login_required
@require_GET
def mentions_page(request: HttpRequest) -> HttpResponse:
    """``/mentions/?page=``: the messages that mention me or answer mine, newest first, in
    the conversations I am in now; the unread ones marked."""
    page = catching_up.mentions_page(request.user, request.GET.get("page", 1))
    return render(request, "chat/mentions.html", {"page": page})
