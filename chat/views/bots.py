"""The bots' API: posting with a token (JSON in and out). A room's bots are made and
revoked on its settings page (``chat.views.room_settings``)."""

from __future__ import annotations

import json

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from chat.bots import reading
from chat.bots import services as bots
from chat.errors import Refused
from chat.links import BY_SLUG
from chat.views.refusals import answers_in_json

NOT_JSON = 'Send a JSON object such as {"body": "hello"}.'
TOO_LARGE = "That request is too large."

# --- posting as a bot ----------------------------------------------------------------------


def _sent(request: HttpRequest, token: str) -> dict:
    """What the bot sent: a JSON object (``Content-Type: application/json``) or form fields.
    Raises ``Refused`` for JSON that is not an object, and for a body over Django's limit,
    once the token is known to be good: a wrong one learns nothing more."""
    try:
        return _read(request)
    except Refused:
        bots.bot_for_token(token)
        raise


def _read(request: HttpRequest) -> dict:
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
@require_http_methods(["GET", "POST"])
@answers_in_json
def bot_messages(request: HttpRequest) -> HttpResponse:
    """``/bots/messages`` with ``Authorization: Bearer <token>``: ``GET`` reads the room's
    changes (``bot_changes``), ``POST`` posts a message (``bot_post``)."""
    if request.method == "GET":
        return bot_changes(request)
    return bot_post(request)


def bot_changes(request: HttpRequest) -> HttpResponse:
    """``GET /bots/messages?after=<revision>&limit=<n>``: the messages of the bot's room
    created or changed after that room revision (after the last it had, without
    ``after``), oldest change first: 200 ``{"messages", "after", "more"}``; 400 for a bad
    ``after`` or ``limit``; 401 (``WWW-Authenticate: Bearer``) for any token that is not a
    live bot's; 429. No state of the room changes: only the bot's own cursor moves."""
    return JsonResponse(reading.read(_bearer_token(request), request.GET).as_json())


@csrf_exempt
@require_POST
@answers_in_json
def bot_messages_in_url(request: HttpRequest, token: str) -> HttpResponse:
    """``POST /bots/<token>/messages``: ``bot_post`` with the token in the URL."""
    return bot_post(request, token)


def bot_post(request: HttpRequest, token: str | None = None) -> HttpResponse:
    """``POST /bots/messages`` with ``Authorization: Bearer <token>``, or ``POST
    /bots/<token>/messages`` (``body`` as a form field or in JSON): a message by the bot.
    201 ``{"id", "url"}``; 400, 403, 429 (with ``Retry-After``) or 503 ``{"error"}``; the
    token is checked first, so a wrong one learns nothing more. The header keeps the token
    out of access logs (the URL form's is redacted there, see ``site.logs``)."""
    if token is None:
        token = _bearer_token(request)
    posted = bots.bot_post(token, _sent(request, token))
    message = posted.message
    url = request.build_absolute_uri(
        f"{BY_SLUG.links(message.room.slug).page}#message-{message.id}"
    )
    # A resent client_id is answered with the message stored the first time.
    status = 201 if posted.frame is not None else 200
    return JsonResponse({"id": message.id, "url": url}, status=status)


# --- a bot's changes to its room's messages --------------------------------------------------


def _bearer_data(request: HttpRequest) -> dict:
    """What the bot sent (``_read``), once its token is known to be good: a wrong one
    learns nothing more."""
    try:
        return _read(request)
    except Refused:
        reading.bot_for_bearer(_bearer_token(request))
        raise


def _changed(message) -> HttpResponse:
    return JsonResponse({"message": reading.fresh(message)})


# Token APIs like the posting above: the Bearer header is the credential, which no other
# site can make a browser send, so a forged cross-site POST carries nothing; CSRF's token
# guards cookies, and these views read none.
@csrf_exempt
@require_POST
@answers_in_json
def bot_edit(request: HttpRequest, message_id: int) -> HttpResponse:
    """``POST /bots/messages/<id>/edit`` (``body``): edit one of the bot's own messages.
    200 ``{"message"}``; 400, 401, 403 (someone else's, too late, archived), 404 (not in
    its room), 429 or 503 ``{"error"}``."""
    data = _bearer_data(request)
    return _changed(reading.edit(_bearer_token(request), message_id, data))


@csrf_exempt
@require_POST
@answers_in_json
def bot_delete(request: HttpRequest, message_id: int) -> HttpResponse:
    """``POST /bots/messages/<id>/delete``: delete one of the bot's own messages; the
    tombstone as ``{"message"}``, or the refusals of ``bot_edit``."""
    return _changed(reading.delete(_bearer_token(request), message_id))


@csrf_exempt
@require_POST
@answers_in_json
def bot_react(request: HttpRequest, message_id: int) -> HttpResponse:
    """``POST /bots/messages/<id>/react`` (``emoji``): toggle the bot's reaction on any
    message of its room; ``{"message"}`` with its reactions now, or a refusal."""
    data = _bearer_data(request)
    return _changed(reading.react(_bearer_token(request), message_id, data))
