"""Pages and htmx partials: each view finds the room through the reader's rights, then calls
a service."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from chat import lobby, services
from chat.forms import MessageForm, RoomForm, UsernameForm
from chat.limits import MAX_ID
from chat.models import Message, Room

# --- lobby -------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def lobby_page(request: HttpRequest) -> HttpResponse:
    """The lobby; a POST creates a room (htmx gets the form back with its errors)."""
    room_form = RoomForm(request.POST or None)
    if request.method == "POST" and room_form.is_valid():
        try:
            room = services.create_room(
                request.user, room_form.cleaned_data["title"], room_form.cleaned_data["kind"]
            )
        except services.RoomExists as clash:
            room_form.add_error(
                "title", f"“{clash.room.title}” already exists: pick another name or join it."
            )
        else:
            url = reverse("room", args=[room.slug])
            return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if request.htmx and request.method == "POST":
        return render(request, "chat/lobby.html#room-form", {"room_form": room_form})
    status = 400 if request.method == "POST" else 200
    return _render_lobby(request, room_form=room_form, status=status)


def _render_lobby(request: HttpRequest, *, status: int = 200, **forms) -> HttpResponse:
    groups, directs = lobby.my_rooms(request.user)
    context = {
        "public_rooms": lobby.public_rooms(),
        "my_rooms": groups,
        "my_directs": directs,
        "room_form": forms.get("room_form") or RoomForm(),
        "direct_form": forms.get("direct_form") or UsernameForm(),
    }
    return render(request, "chat/lobby.html", context, status=status)


@login_required
@require_GET
def direct_start(request: HttpRequest) -> HttpResponse:
    """The lobby's "message someone" form: go to that person's direct room."""
    form = UsernameForm(request.GET)
    if form.is_valid():
        url = reverse("direct", args=[form.cleaned_data["username"].username])
        return HttpResponseClientRedirect(url) if request.htmx else redirect(url)
    if request.htmx:
        return render(request, "chat/lobby.html#direct-form", {"direct_form": form})
    return _render_lobby(request, direct_form=form, status=400)


# --- rooms -------------------------------------------------------------------


def _group_room_or_404(request: HttpRequest, slug: str, *, enter: bool = False) -> Room:
    # Outsiders get the same 404 as for a room that does not exist: a private room's
    # name must not be confirmable by guessing URLs.
    try:
        if enter:
            return services.enter_room(request.user, slug)
        return services.visible_room(request.user, slug)
    except Room.DoesNotExist:
        raise Http404("No such room.") from None


def _private_room_or_404(request: HttpRequest, slug: str) -> Room:
    # Membership is by invitation only in private rooms; public rooms are joined by visiting.
    room = _group_room_or_404(request, slug)
    if room.kind != Room.Kind.PRIVATE:
        raise Http404("Only private rooms have members to add or remove.")
    return room


def _direct_room_or_404(request: HttpRequest, username: str) -> Room:
    other = get_object_or_404(get_user_model(), username=username)
    return services.open_direct_room(request.user, other)


def _room_urls(room: Room, username: str | None) -> dict[str, str]:
    if username is not None:
        return {
            "page_url": reverse("direct", args=[username]),
            "older_url": reverse("direct-messages", args=[username]),
            "socket_url": f"/ws/p/{username}/",
        }
    return {
        "page_url": reverse("room", args=[room.slug]),
        "older_url": reverse("room-messages", args=[room.slug]),
        "socket_url": f"/ws/r/{room.slug}/",
    }


def _room_name(request: HttpRequest, room: Room, username: str | None) -> str:
    if username is None:
        return room.title
    return "Notes to self" if username == request.user.get_username() else username


def _room_page(request: HttpRequest, room: Room, username: str | None = None) -> HttpResponse:
    """A room page; a POST is the no-JavaScript way to send a message."""
    urls = _room_urls(room, username)
    form = MessageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        message = services.post_message(
            room, request.user, form.cleaned_data["body"], form.cleaned_data["client_id"]
        ).message
        return redirect(f"{urls['page_url']}#message-{message.id}")
    messages, has_older = Message.objects.for_room(room).page_before()
    if messages:
        services.mark_room_read(request.user, room, messages[-1].id)
    context = {
        "room": room,
        "room_name": _room_name(request, room, username),
        "messages": messages,
        "has_older": has_older,
        # Read with the room, before its messages: a resume from here misses nothing.
        "revision": room.revision,
        "form": form,
        "post_url": urls["page_url"],
        "members": room.member_users(),
        "member_form": UsernameForm(),
        **urls,
    }
    return render(request, "chat/room.html", context, status=400 if form.errors else 200)


def _older_messages(request: HttpRequest, room: Room, username: str | None = None) -> HttpResponse:
    """The page of messages before ``?before=<id>``: a partial for htmx, else a page."""
    try:
        before = int(request.GET["before"])
    except (KeyError, ValueError):
        before = 0
    if not 0 < before <= MAX_ID:
        return HttpResponse("?before=<message id> is required.", status=400)
    messages, has_older = Message.objects.for_room(room).page_before(before)
    urls = _room_urls(room, username)
    context = {"messages": messages, "has_older": has_older, **urls}
    if request.htmx:
        return render(request, "chat/room.html#older-page", context)
    context.update(room_name=_room_name(request, room, username), room_url=urls["page_url"])
    return render(request, "chat/history.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def room_page(request: HttpRequest, slug: str) -> HttpResponse:
    """``/r/<slug>/``: a group room. Visiting a public room joins it."""
    return _room_page(request, _group_room_or_404(request, slug, enter=True))


@login_required
@require_GET
def room_messages(request: HttpRequest, slug: str) -> HttpResponse:
    """``/r/<slug>/messages?before=<id>``: older messages of a group room."""
    return _older_messages(request, _group_room_or_404(request, slug))


@login_required
@require_POST
def room_members(request: HttpRequest, slug: str) -> HttpResponse:
    """Add a member to a private room; only its members may."""
    room = _private_room_or_404(request, slug)
    form = UsernameForm(request.POST)
    added = None
    if form.is_valid():
        added = form.cleaned_data["username"]
        services.add_member(room, added)
    if not request.htmx:
        return (
            redirect("room", slug=room.slug)
            if added
            else HttpResponse(form.errors["username"][0], status=400)
        )
    context = {
        "room": room,
        "members": room.member_users(),
        "member_form": UsernameForm() if added else form,
        "added": added,
    }
    return render(request, "chat/room.html#members-panel", context)


@login_required
@require_POST
def room_member_remove(request: HttpRequest, slug: str) -> HttpResponse:
    """Leave a private room, or (its creator only) remove someone from it."""
    room = _private_room_or_404(request, slug)
    form = UsernameForm(request.POST)
    if not form.is_valid():
        return HttpResponse(form.errors["username"][0], status=400)
    leaving = form.cleaned_data["username"]
    # Members may leave; only the room's creator may remove someone else.
    if leaving != request.user and request.user != room.created_by:
        return HttpResponse("Only the room's creator can remove members.", status=403)
    services.remove_member(room, leaving)
    if leaving == request.user:
        return HttpResponseClientRedirect("/") if request.htmx else redirect("lobby")
    if not request.htmx:
        return redirect("room", slug=room.slug)
    context = {"room": room, "members": room.member_users(), "member_form": UsernameForm()}
    return render(request, "chat/room.html#members-panel", context)


@login_required
@require_http_methods(["GET", "POST"])
def direct_page(request: HttpRequest, username: str) -> HttpResponse:
    """``/p/<username>/``: the one direct room with that person, made on first visit."""
    return _room_page(request, _direct_room_or_404(request, username), username)


@login_required
@require_GET
def direct_messages(request: HttpRequest, username: str) -> HttpResponse:
    """``/p/<username>/messages?before=<id>``: older messages of a direct room."""
    return _older_messages(request, _direct_room_or_404(request, username), username)


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers and reaches its database."""
    Room.objects.exists()
    return JsonResponse({"status": "ok"})
