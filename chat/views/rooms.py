"""Room pages, older-message partials, the no-JavaScript way to post, and members."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from chat import messages, presence, rooms
from chat.errors import Invalid, NotFound, Refused
from chat.forms import AttachmentForm, MessageForm, NotifyForm, UsernameForm
from chat.limits import MAX_ID
from chat.links import RoomLinks, direct_links, group_room_links
from chat.models import Message, Room, name_of
from chat.views import bots as bot_views
from chat.views.params import message_id
from chat.views.refusals import form_holding, refusal_response

# --- finding the room ----------------------------------------------------------------


def _group_room(request: HttpRequest, slug: str, *, enter: bool = False) -> Room:
    try:
        if enter:
            return rooms.enter_room(request.user, slug)
        return rooms.readable_room(request.user, slug)
    except NotFound as refusal:
        raise Http404(refusal.message) from None


def _partner(username: str):
    try:
        return rooms.person(username)
    except NotFound as refusal:
        raise Http404(refusal.message) from None


# --- the room page -------------------------------------------------------------------


def _room_name(request: HttpRequest, room: Room | None, other=None) -> str:
    """A group room's title, or the name of the other person of a conversation."""
    if other is None:
        return room.title
    return "Notes to self" if other.pk == request.user.pk else name_of(other)


def _room_page(
    request: HttpRequest,
    room: Room | None,
    links: RoomLinks,
    *,
    other=None,
    form: MessageForm | None = None,
    status: int = 200,
    members: list | None = None,
    around: int | None = None,
    upload_form: AttachmentForm | None = None,
) -> HttpResponse:
    """A room page. ``room`` is None for a direct conversation nobody has written in yet:
    its socket waits for the first message, which makes the room. With ``around``,
    the messages around that one (from search), if it is in this room; else the latest."""
    has_newer = False
    if room is not None:
        window = Message.objects.for_room(room).page_around(around) if around else None
        if window is None:
            page, has_older = Message.objects.for_room(room).page_before()
        else:
            page, has_older, has_newer = window
        if page:
            rooms.open_room(request.user, room, page[-1].id)
        members = presence.members(room)
    else:
        page, has_older = [], False
        members = [presence.Member(person, False) for person in members or []]
    context = {
        "room": room,
        "room_name": _room_name(request, room, other),
        "kind": room.get_kind_display() if room else "Direct",
        "messages": page,
        "has_older": has_older,
        # Not at the latest messages yet: "Load newer messages" from the newest shown.
        "has_newer": has_newer,
        "newest_id": page[-1].id if page else 0,
        # Read with the room, before its messages: a resume from here misses nothing.
        "revision": room.revision if room else 0,
        "form": form or MessageForm(),
        # The file button's form (chat.views.attachments), holding a refused file's error.
        "upload_form": upload_form or AttachmentForm(),
        "links": links,
        "post_url": links.page,
        "older_url": links.older,
        # A direct conversation not begun yet listens too: its first message, from
        # either person, makes the room, and the socket joins it (chat.consumers).
        "socket_url": links.socket,
        "members": members,
        "may_remove_others": room is not None and rooms.may_remove_others(room, request.user),
        "may_delete_any": room is not None and rooms.moderates(room, request.user),
        "member_form": UsernameForm(),
    }
    return render(request, "chat/room.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def room_page(request: HttpRequest, slug: str) -> HttpResponse:
    """``/r/<slug>/``: a group room (visiting a public room joins it); a POST is the
    no-JavaScript way to send a message."""
    room = _group_room(request, slug, enter=True)
    links = group_room_links(room.slug)
    if request.method == "POST":
        try:
            posted = messages.post_message(room, request.user, request.POST)
        except Refused as refusal:
            form = form_holding(MessageForm, request, refusal)
            return _room_page(request, room, links, form=form, status=refusal.status)
        return redirect(f"{links.page}#message-{posted.message.id}")
    return _room_page(request, room, links, around=message_id(request.GET.get("around")))


@login_required
@require_http_methods(["GET", "POST"])
def direct_page(request: HttpRequest, username: str) -> HttpResponse:
    """``/p/<username>/``: the one direct room with that person. Looking changes nothing;
    the first message (a POST) opens the conversation."""
    other = _partner(username)
    room = rooms.find_direct_room(request.user, other)
    links = direct_links(other.get_username())
    if request.method == "POST":
        try:
            _room, posted = messages.post_direct_message(request.user, other, request.POST)
        except Refused as refusal:
            form = form_holding(MessageForm, request, refusal)
            members = None if room else sorted({request.user, other}, key=str)
            return _room_page(
                request, room, links, other=other, form=form,
                status=refusal.status, members=members,
            )  # fmt: skip
        return redirect(f"{links.page}#message-{posted.message.id}")
    members = None if room else sorted({request.user, other}, key=str)
    around = message_id(request.GET.get("around"))
    return _room_page(request, room, links, other=other, members=members, around=around)


# --- older messages ------------------------------------------------------------------


def _older_messages(request: HttpRequest, room: Room, links: RoomLinks, name: str) -> HttpResponse:
    """The page of messages before ``?before=<id>`` (or after ``?after=<id>``): a partial
    for htmx, else a page."""
    if "after" in request.GET:
        return _newer_messages(request, room, links, name)
    try:
        before = int(request.GET["before"])
    except (KeyError, ValueError):
        before = 0
    if not 0 < before <= MAX_ID:
        return refusal_response(
            request, Refused("?before=<message id> is required."), back=links.page
        )
    page, has_older = Message.objects.for_room(room).page_before(before)
    context = {"messages": page, "has_older": has_older, "older_url": links.older}
    if request.htmx:
        return render(request, "chat/room.html#older-page", context)
    context.update(room_name=name, room_url=links.page)
    return render(request, "chat/history.html", context)


def _newer_messages(request: HttpRequest, room: Room, links: RoomLinks, name: str) -> HttpResponse:
    """The page of messages after ``?after=<id>``, for a room page opened around an older
    message; the last one says the list has reached the newest (``#reached-latest``)."""
    after = message_id(request.GET.get("after"))
    if after is None:
        return refusal_response(
            request, Refused("?after=<message id> is required."), back=links.page
        )
    page, has_newer = Message.objects.for_room(room).page_after(after)
    context = {
        "messages": page,
        "has_newer": has_newer,
        "newest_id": page[-1].id if page else after,
        "older_url": links.older,
    }
    if request.htmx:
        return render(request, "chat/room.html#newer-page", context)
    context.update(room_name=name, room_url=links.page, newer=True)
    return render(request, "chat/history.html", context)


@login_required
@require_GET
def room_messages(request: HttpRequest, slug: str) -> HttpResponse:
    """``/r/<slug>/messages?before=<id>``: older messages of a group room."""
    room = _group_room(request, slug)
    return _older_messages(request, room, group_room_links(room.slug), room.title)


@login_required
@require_GET
def direct_messages(request: HttpRequest, username: str) -> HttpResponse:
    """``/p/<username>/messages?before=<id>``: older messages of a direct room."""
    other = _partner(username)
    room = rooms.find_direct_room(request.user, other)
    if room is None:
        raise Http404(rooms.NO_SUCH_ROOM)
    name = _room_name(request, room, other)
    return _older_messages(request, room, direct_links(other.get_username()), name)


# --- members -------------------------------------------------------------------------


def _members_panel(
    request: HttpRequest, room: Room, *, status: int = 200, **context
) -> HttpResponse:
    context = {
        "room": room,
        "members": presence.members(room),
        "may_remove_others": rooms.may_remove_others(room, request.user),
        "member_form": UsernameForm(),
        **context,
    }
    return render(request, "chat/room.html#members-panel", context, status=status)


@login_required
@require_POST
def room_members(request: HttpRequest, slug: str) -> HttpResponse:
    """Add a member to a private room; only its members may."""
    room = _group_room(request, slug)
    try:
        added = rooms.add_member(room, request.user, request.POST)
    except Invalid as refusal:
        if request.htmx:
            return _members_panel(request, room, status=400, member_form=refusal.form)
        return refusal_response(request, refusal, back=group_room_links(room.slug).page)
    except Refused as refusal:
        return refusal_response(request, refusal, back=group_room_links(room.slug).page)
    if request.htmx:
        return _members_panel(request, room, added=added)
    return redirect(group_room_links(room.slug).page)


@login_required
@require_http_methods(["GET", "POST"])
def room_member_remove(request: HttpRequest, slug: str) -> HttpResponse:
    """Leave a private room, or (its creator only) remove someone from it: "are you
    sure?" (GET, ``?username=``), then the removal (POST)."""
    room = _group_room(request, slug)
    back = group_room_links(room.slug).page
    if request.method == "GET":
        try:
            leaving = rooms.removable_member(room, request.user, request.GET)
        except Refused as refusal:
            return refusal_response(request, refusal, back=back)
        context = {
            "room": room,
            "leaving": leaving,
            "heir": rooms.heir(room, leaving),
            "back": back,
        }
        return render(request, "chat/member_remove.html", context)
    try:
        leaving = rooms.remove_member(room, request.user, request.POST)
    except Refused as refusal:
        return refusal_response(request, refusal, back=back)
    if leaving == request.user:
        return HttpResponseClientRedirect("/") if request.htmx else redirect("lobby")
    if request.htmx:
        return _members_panel(request, room)
    return redirect(back)


def _mentions(request: HttpRequest, room: Room) -> HttpResponse:
    """Members whose username starts with ``?q=``: the choices ``@`` offers in the composer."""
    people = rooms.members_named(room, request.GET.get("q", ""))
    return render(request, "chat/room.html#mention-suggestions", {"people": people})


@login_required
@require_GET
def room_mentions(request: HttpRequest, slug: str) -> HttpResponse:
    """``/r/<slug>/mentions?q=``: the members of a group room whose name starts so."""
    return _mentions(request, _group_room(request, slug))


@login_required
@require_GET
def direct_mentions(request: HttpRequest, username: str) -> HttpResponse:
    """``/p/<username>/mentions?q=``: the two people of a conversation whose name starts so."""
    other = _partner(username)
    room = rooms.find_direct_room(request.user, other)
    if room is None:
        raise Http404(rooms.NO_SUCH_ROOM)
    return _mentions(request, room)


# --- settings ---------------------------------------------------------------------------


def _settings(request: HttpRequest, room: Room, links: RoomLinks, name: str) -> HttpResponse:
    """A room's settings for its member: what of it they hear of (and, in a group room,
    its bots). GET shows them; POST saves the choice."""
    try:
        joined = rooms.membership(room, request.user)
    except NotFound as refusal:
        return refusal_response(request, refusal, back=links.page)
    form = NotifyForm(initial={"notify": joined.notify})
    status, saved = 200, False
    if request.method == "POST":
        try:
            rooms.set_notify(room, request.user, request.POST)
        except Invalid as refusal:
            form, status = refusal.form, 400
        else:
            if not request.htmx:
                return redirect(links.page)
            form, saved = NotifyForm(initial={"notify": request.POST["notify"]}), True
    context = {"room": room, "room_name": name, "links": links, "notify_form": form, "saved": saved}
    if request.htmx:
        return render(request, "chat/room_settings.html#notify-form", context, status=status)
    context.update(bot_views.panel_context(room))
    return render(request, "chat/room_settings.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def room_settings(request: HttpRequest, slug: str) -> HttpResponse:
    """``/r/<slug>/settings``: what of a group room reaches me, and its bots."""
    room = _group_room(request, slug)
    return _settings(request, room, group_room_links(room.slug), room.title)


@login_required
@require_http_methods(["GET", "POST"])
def direct_settings(request: HttpRequest, username: str) -> HttpResponse:
    """``/p/<username>/settings``: what of a conversation reaches me."""
    other = _partner(username)
    room = rooms.find_direct_room(request.user, other)
    if room is None:
        raise Http404(rooms.NO_SUCH_ROOM)
    links = direct_links(other.get_username())
    return _settings(request, room, links, _room_name(request, room, other))
