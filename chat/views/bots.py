"""Bots over HTTP: posting with a token (JSON in and out), and a room's bots on its settings
page (create, list, revoke), with and without htmx."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from chat import bots, rooms
from chat.errors import Invalid, NotFound, Refused, TooFast
from chat.forms import BotForm, NotifyForm
from chat.links import group_room_links
from chat.models import Room
from chat.views.refusals import form_holding, refusal_response

NOT_JSON = 'Send a JSON object such as {"body": "hello"}.'
TOO_LARGE = "That request is too large."

# --- posting as a bot ----------------------------------------------------------------------


def _error(refusal: Refused) -> JsonResponse:
    response = JsonResponse({"error": refusal.message}, status=refusal.status)
    if isinstance(refusal, TooFast):
        response["Retry-After"] = str(refusal.retry_after)
    return response


def _sent(request: HttpRequest) -> dict:
    """What the bot sent: a JSON object (``Content-Type: application/json``) or form fields.
    Raises ``Refused`` for JSON that is not an object, and for a body over Django's limit."""
    try:
        if request.content_type == "application/json":
            sent = json.loads(request.body or b"null")
            if not isinstance(sent, dict):
                raise Refused(NOT_JSON)
            return sent
        return request.POST
    except ValueError:  # not JSON, or not UTF-8
        raise Refused(NOT_JSON) from None
    except RequestDataTooBig:
        raise Refused(TOO_LARGE) from None


def _bearer_token(request: HttpRequest) -> str:
    """The token of an ``Authorization: Bearer <token>`` header; "" without one (refused as
    an unknown token)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


# Bots have no session: no CSRF token to send, and nothing a cookie carries counts here.
# The token (in the Authorization header, or in the URL) is the whole credential.
@csrf_exempt
@require_POST
def bot_messages(request: HttpRequest, token: str | None = None) -> HttpResponse:
    """``POST /bots/messages`` with ``Authorization: Bearer <token>``, or ``POST
    /bots/<token>/messages`` (``body`` as a form field or in JSON): a message by the bot.
    201 ``{"id", "url"}``; 400, 403, 429 (with ``Retry-After``) or 503 ``{"error"}``; the
    token is checked first, so a wrong one learns nothing more. The header keeps the token
    out of access logs (the URL form's is redacted there, see ``site.logs``)."""
    if token is None:
        token = _bearer_token(request)
    try:
        sent = _sent(request)
    except Refused as unreadable:
        try:
            bots.bot_for_token(token)
        except Refused as refusal:
            return _error(refusal)
        return _error(unreadable)
    try:
        posted = bots.bot_post(token, sent)
    except Refused as refusal:
        return _error(refusal)
    message = posted.message
    url = request.build_absolute_uri(
        f"{group_room_links(message.room.slug).page}#message-{message.id}"
    )
    # A resent client_id is answered with the message stored the first time.
    status = 201 if posted.frame is not None else 200
    return JsonResponse({"id": message.id, "url": url}, status=status)


# --- a room's bots, on its settings page ------------------------------------------------------


def panel_context(room: Room, **context: object) -> dict:
    """What the settings page's bots panel shows: the room's bots and the form to make one
    (group rooms only: a direct conversation's settings have no panel)."""
    if room.is_direct:
        return {}
    return {"bots_panel": True, "bots": bots.of_room(room), "bot_form": BotForm(), **context}


def _group_room(request: HttpRequest, slug: str) -> Room:
    try:
        return rooms.readable_room(request.user, slug)
    except NotFound as refusal:  # a private room's outsiders: exactly as if it did not exist
        raise Http404(refusal.message) from None


def _panel(request: HttpRequest, room: Room, *, status: int = 200, **panel: object):
    """The bots panel (htmx) or the whole settings page with it (a plain form)."""
    context = {"room": room, **panel_context(room, **panel)}
    if request.htmx:
        return render(request, "chat/room_settings.html#bots-panel", context, status=status)
    joined = rooms.membership(room, request.user)
    context.update(
        room_name=room.title,
        links=group_room_links(room.slug),
        notify_form=NotifyForm(initial={"notify": joined.notify}),
    )
    return render(request, "chat/room_settings.html", context, status=status)


@login_required
@require_POST
def room_bots(request: HttpRequest, slug: str) -> HttpResponse:
    """``POST /r/<slug>/bots``: a member makes a bot; the answer shows its token, once."""
    room = _group_room(request, slug)
    try:
        bot, token = bots.create_bot(room, request.user, request.POST)
    except (Invalid, TooFast) as refusal:
        response = _panel(
            request, room, status=refusal.status, bot_form=form_holding(BotForm, request, refusal)
        )
        if isinstance(refusal, TooFast):
            response["Retry-After"] = str(refusal.retry_after)
        return response
    except Refused as refusal:
        return refusal_response(request, refusal, back=group_room_links(room.slug).settings)
    post_url = request.build_absolute_uri(reverse("bot-messages"))
    curl = f"curl -H 'Authorization: Bearer {token}' -d body=hello {post_url}"
    return _panel(request, room, new_bot=bot, token=token, curl=curl)


@login_required
@require_POST
def room_bot_revoke(request: HttpRequest, slug: str, bot_id: int) -> HttpResponse:
    """``POST /r/<slug>/bots/<id>/revoke``: a member revokes one of the room's bots."""
    room = _group_room(request, slug)
    back = group_room_links(room.slug).settings
    try:
        bot = bots.revoke_bot(room, request.user, bot_id)
    except Refused as refusal:
        return refusal_response(request, refusal, back=back)
    if request.htmx:
        return _panel(request, room, revoked=bot)
    return redirect(back)
