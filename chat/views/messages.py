"""A message's own pages: edit, delete and react, and the article alone.

An article is rendered once for everyone, so it cannot hold a reader's CSRF token: its
actions are links to these small GET pages, which hold the form (htmx loads them inline
into the article's slot, and its requests carry the token in the header set once on the
page). A GET only shows; the POST changes (``chat.changes``) and answers, to htmx, the
changed article, swapped in by id; without JavaScript, a redirect back to the message.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django_htmx.http import reswap, retarget

from chat import changes, rendering, rooms
from chat.errors import Forbidden, Invalid, NotFound, Refused
from chat.forms import MessageForm, ReactionForm
from chat.limits import REACTION_PALETTE
from chat.models import Message
from chat.views.refusals import refusal_response


def _message(request: HttpRequest, message_id: int) -> Message:
    try:
        return changes.readable_message(request.user, message_id)
    except NotFound as refusal:
        raise Http404(refusal.message) from None


def _back(request: HttpRequest, message: Message) -> str:
    return f"{rooms.links_for(message.room, request.user).page}#message-{message.id}"


def _answer(request: HttpRequest, changed: changes.Changed) -> HttpResponse:
    if request.htmx:
        return HttpResponse(changed.article)
    return redirect(_back(request, changed.message))


def _form_page(
    request: HttpRequest,
    message: Message,
    partial: str,
    *,
    status: int = 200,
    **context,
) -> HttpResponse:
    """A message's form: inline for htmx (the partial), else a page of its own."""
    context = {"message": message, "back": _back(request, message), **context}
    template = f"chat/message.html#{partial}" if request.htmx else "chat/message.html"
    response = render(request, template, {"partial": partial, **context}, status=status)
    if request.htmx and status >= 400:
        # The form comes back with its error, into the article it was sent from.
        response = reswap(retarget(response, f"#message-{message.id} .slot"), "innerHTML")
    return response


@login_required
@require_http_methods(["GET", "POST"])
def message_detail(request: HttpRequest, message_id: int) -> HttpResponse:
    """``/m/<id>/``: the article (htmx: put back in place, e.g. to cancel an edit), or the
    message in its room. Only GET; but a message the person may not read is 404 to
    every verb, so the message is looked for first."""
    message = _message(request, message_id)
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    if request.htmx:
        message = Message.objects.for_room(message.room).get(pk=message.pk)
        return HttpResponse(rendering.message_article(message, change=True))
    return redirect(_back(request, message))


@login_required
@require_http_methods(["GET", "POST"])
def message_edit(request: HttpRequest, message_id: int) -> HttpResponse:
    """``/m/<id>/edit``: the author's form (GET), and the edit itself (POST)."""
    message = _message(request, message_id)
    if request.method == "GET":
        refusal = changes.may_edit(request.user, message)
        if refusal:
            return refusal_response(request, Forbidden(refusal), back=_back(request, message))
        form = MessageForm(initial={"body": message.body})
        return _form_page(request, message, "edit-form", form=form)
    try:
        return _answer(request, changes.edit_message(request.user, message_id, request.POST))
    except Invalid as refusal:
        return _form_page(request, message, "edit-form", status=400, form=refusal.form)
    except Refused as refusal:
        return refusal_response(request, refusal, back=_back(request, message))


@login_required
@require_http_methods(["GET", "POST"])
def message_delete(request: HttpRequest, message_id: int) -> HttpResponse:
    """``/m/<id>/delete``: "delete this message?" (GET), and the deletion (POST)."""
    message = _message(request, message_id)
    if request.method == "GET":
        refusal = changes.may_delete(request.user, message)
        if refusal:
            return refusal_response(request, Forbidden(refusal), back=_back(request, message))
        return _form_page(request, message, "delete-form")
    try:
        return _answer(request, changes.delete_message(request.user, message_id))
    except Refused as refusal:
        return refusal_response(request, refusal, back=_back(request, message))


@login_required
@require_http_methods(["GET", "POST"])
def message_react(request: HttpRequest, message_id: int) -> HttpResponse:
    """``/m/<id>/react``: the palette and a field for any emoji (GET; ``?emoji=`` picks
    one for the form), and the toggle (POST)."""
    message = _message(request, message_id)
    if request.method == "GET":
        if message.deleted:
            return refusal_response(request, Forbidden(changes.GONE), back=_back(request, message))
        form = ReactionForm(initial={"emoji": request.GET.get("emoji", "")[:32]})
        return _form_page(request, message, "react-form", form=form, palette=REACTION_PALETTE)
    try:
        return _answer(request, changes.toggle_reaction(request.user, message_id, request.POST))
    except Invalid as refusal:
        return _form_page(
            request, message, "react-form", status=400, form=refusal.form, palette=REACTION_PALETTE
        )
    except Refused as refusal:
        return refusal_response(request, refusal, back=_back(request, message))
