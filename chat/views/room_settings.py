"""A conversation's settings page (``…/settings``): what of it reaches me, a room's
bots (make one, whose token is shown once; revoke one), and for its creator and staff
its admin (``chat.views.room_admin``: rename, public or private, archive, delete). Its
POST is told apart by its fields: ``title`` renames, ``kind`` converts, else the
notification choice. htmx gets the form or the panel that changed; a plain form, the
page again or a redirect."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from chat.bots import services as bots
from chat.bots.forms import BotForm
from chat.conversations import Conversation
from chat.errors import Invalid
from chat.models import Room
from chat.rooms import admin
from chat.rooms import services as rooms
from chat.rooms.forms import DeleteRoomForm, NotifyForm
from chat.views import room_admin
from chat.views.refusals import KEPT_IN_FORM, form_holding
from chat.views.scope import conversation_view


def _bots_panel(room: Room, **context: object) -> dict:
    """What the bots panel shows: the room's bots and the form to make one (rooms only:
    a direct conversation's settings have no panel)."""
    if room.between_people:
        return {}
    return {"bots_panel": True, "bots": bots.of_room(room), "bot_form": BotForm(), **context}


def _page(
    request: HttpRequest,
    conversation: Conversation,
    part: str,
    *,
    status: int = 200,
    notify_form: NotifyForm | None = None,
    saved: bool = False,
    **panel: object,
) -> HttpResponse:
    """The settings page, or for htmx only its ``part`` that changed ("notify-form",
    "bots-panel"); the forms as given, or fresh."""
    room = conversation.room
    context: dict[str, object] = {"room": room}
    if part != "bots-panel":
        if notify_form is None:
            notify_form = _notify_form(room, request.user)
        context.update(room_admin.panel(request, room, **_admin_forms(panel)))
        context.update(
            room_name=conversation.name,
            links=conversation.links,
            notify_form=notify_form,
            saved=saved,
            renamed=bool(request.GET.get("renamed")),
        )
    if part != "notify-form":
        context.update(_bots_panel(room, **panel))
    template = f"chat/room_settings.html#{part}" if part else "chat/room_settings.html"
    return render(request, template, context, status=status)


def _admin_forms(panel: dict) -> dict:
    """The admin forms among ``panel`` (one refused, holding its error)."""
    return {key: panel.pop(key) for key in room_admin.FORMS if key in panel}


def _notify_form(room: Room, user) -> NotifyForm | None:
    """The notification choice of a member; None for the room's admin who is not one (a
    staff member looking after a public room); ``Missing`` for anyone else who is not."""
    if admin.may_administer(room, user) and not rooms.is_member(room, user):
        return None
    return NotifyForm(initial={"notify": rooms.membership(room, user).notify})


def _htmx(request: HttpRequest, part: str) -> str:
    """``part`` for htmx, which swaps only what changed; the whole page ("") otherwise."""
    return part if request.htmx else ""


@conversation_view(["GET", "POST"])
def room_settings(request: HttpRequest, conversation: Conversation) -> HttpResponse:
    """What of the conversation reaches me (and a room's bots): GET shows, POST saves."""
    room = conversation.room
    if request.method == "POST" and ("title" in request.POST or "kind" in request.POST):
        act = room_admin.rename if "title" in request.POST else room_admin.convert
        return act(request, conversation, _again(request, conversation))
    # Missing for someone who only looked at a public room, before anything else.
    form = _notify_form(room, request.user)
    status, saved = 200, False
    if request.method == "POST":
        try:
            rooms.set_notify(room, request.user, request.POST)
        except Invalid as refusal:
            form, status = form_holding(NotifyForm, request, refusal), refusal.status
        else:
            if not request.htmx:
                return redirect(conversation.links.page)
            form, saved = NotifyForm(initial={"notify": request.POST["notify"]}), True
    part = _htmx(request, "notify-form")
    return _page(request, conversation, part, status=status, notify_form=form, saved=saved)


@conversation_view(["POST"])
def bot_create(request: HttpRequest, conversation: Conversation) -> HttpResponse:
    """``POST /r/<slug>/bots``: a member makes a bot; the answer shows its token, once."""
    request.back = conversation.links.settings
    part = _htmx(request, "bots-panel")
    try:
        bot, token = bots.create_bot(conversation.room, request.user, request.POST)
    except KEPT_IN_FORM as refusal:
        form = form_holding(BotForm, request, refusal)
        return _page(request, conversation, part, status=refusal.status, bot_form=form)
    post_url = request.build_absolute_uri(reverse("bot-messages"))
    curl = f"curl -H 'Authorization: Bearer {token}' -d body=hello {post_url}"
    return _page(request, conversation, part, new_bot=bot, token=token, curl=curl)


@conversation_view(["POST"])
def bot_revoke(request: HttpRequest, conversation: Conversation, bot_id: int) -> HttpResponse:
    """``POST /r/<slug>/bots/<id>/revoke``: a member revokes one of the room's bots."""
    request.back = conversation.links.settings
    bot = bots.revoke_bot(conversation.room, request.user, bot_id)
    if request.htmx:
        return _page(request, conversation, "bots-panel", revoked=bot)
    return redirect(request.back)


def _again(request: HttpRequest, conversation: Conversation) -> room_admin.Again:
    """The whole settings page again, an admin form holding its error."""

    def again(status: int, **forms: object) -> HttpResponse:
        return _page(request, conversation, "", status=status, **forms)

    return again


@conversation_view(["POST"])
def room_delete(request: HttpRequest, conversation: Conversation) -> HttpResponse:
    """``POST /r/<slug>/delete`` with ``confirm`` (its name, typed): the room and all in
    it are gone; to the lobby. A mismatch shows the form again, holding what was typed."""
    request.back = conversation.links.settings
    try:
        admin.delete(conversation.room, request.user, request.POST)
    except Invalid as refusal:
        form = form_holding(DeleteRoomForm, request, refusal)
        return _again(request, conversation)(refusal.status, delete_form=form)
    return redirect("lobby")
