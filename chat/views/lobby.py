"""The lobby: my rooms and conversations, the public rooms, and the forms to start new ones."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from chat.links import BY_PERSON, BY_SLUG
from chat.rooms import lobby
from chat.rooms import services as rooms
from chat.rooms.forms import RoomForm, UsernameForm
from chat.views.refusals import KEPT_IN_FORM, form_holding


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
    except KEPT_IN_FORM as refusal:
        # The form comes back as it was typed, with the refusal above its fields.
        form = form_holding(RoomForm, request, refusal)
        if request.htmx:
            context = {"room_form": form}
            return render(request, "chat/lobby.html#room-form", context, status=refusal.status)
        return _render_lobby(request, room_form=form, status=refusal.status)
    return _go(request, BY_SLUG.links(room.slug).page)


def _render_lobby(request: HttpRequest, *, status: int = 200, **forms) -> HttpResponse:
    groups, directs = lobby.my_rooms(request.user)
    context = {
        "public_rooms": lobby.public_rooms(request.GET.get("page", 1)),
        "my_rooms": groups,
        "my_directs": directs,
        "unread_total": lobby.unread_total(groups + directs),
        "room_form": forms.get("room_form") or RoomForm(),
        "may_create_rooms": rooms.may_create_rooms(request.user),
        "direct_form": forms.get("direct_form") or UsernameForm(),
    }
    return render(request, "chat/lobby.html", context, status=status)


@login_required
@require_GET
def direct_start(request: HttpRequest) -> HttpResponse:
    """The lobby's "message someone" form: go to that person's direct room (nothing is made)."""
    form = UsernameForm(request.GET)
    if form.is_valid():
        return _go(request, BY_PERSON.links(form.cleaned_data["username"].get_username()).page)
    if request.htmx:
        return render(request, "chat/lobby.html#direct-form", {"direct_form": form}, status=400)
    return _render_lobby(request, direct_form=form, status=400)
