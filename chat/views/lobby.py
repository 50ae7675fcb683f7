"""The lobby: my rooms and conversations, the public rooms, and the forms to start new ones."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from chat import lobby, rooms
from chat.errors import Invalid, TooFast
from chat.forms import RoomForm, UsernameForm
from chat.links import direct_links, group_room_links


def _go(request: HttpRequest, url: str) -> HttpResponse:
    return HttpResponseClientRedirect(url) if request.htmx else redirect(url)


@login_required
@require_http_methods(["GET", "POST"])
def lobby_page(request: HttpRequest) -> HttpResponse:
    """The lobby; a POST creates a room (htmx gets the form back with its errors)."""
    if request.method == "GET":
        return _render_lobby(request)
    try:
        room = rooms.create_room(request.user, request.POST)
    except Invalid as refusal:
        if request.htmx:
            context = {"room_form": refusal.form}
            return render(request, "chat/lobby.html#room-form", context, status=400)
        return _render_lobby(request, room_form=refusal.form, status=400)
    except TooFast as refusal:
        # The form comes back as it was typed, with the refusal above its fields.
        form = RoomForm(request.POST)
        form.is_valid()
        form.add_error(None, refusal.message)
        if request.htmx:
            return render(request, "chat/lobby.html#room-form", {"room_form": form}, status=429)
        return _render_lobby(request, room_form=form, status=429)
    return _go(request, group_room_links(room.slug).page)


def _render_lobby(request: HttpRequest, *, status: int = 200, **forms) -> HttpResponse:
    groups, directs = lobby.my_rooms(request.user)
    context = {
        "public_rooms": lobby.public_rooms(request.GET.get("page", 1)),
        "my_rooms": groups,
        "my_directs": directs,
        "unread_total": lobby.unread_total(groups + directs),
        "room_form": forms.get("room_form") or RoomForm(),
        "direct_form": forms.get("direct_form") or UsernameForm(),
    }
    return render(request, "chat/lobby.html", context, status=status)


@login_required
@require_GET
def direct_start(request: HttpRequest) -> HttpResponse:
    """The lobby's "message someone" form: go to that person's direct room (nothing is made)."""
    form = UsernameForm(request.GET)
    if form.is_valid():
        return _go(request, direct_links(form.cleaned_data["username"].get_username()).page)
    if request.htmx:
        return render(request, "chat/lobby.html#direct-form", {"direct_form": form}, status=400)
    return _render_lobby(request, direct_form=form, status=400)
