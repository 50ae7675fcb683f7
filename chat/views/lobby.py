"""The lobby: my rooms and conversations, the public rooms, and the forms to start new ones."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods
from django_htmx.http import HttpResponseClientRedirect

from chat.conversations import address_of
from chat.links import BY_PERSON, BY_SLUG
from chat.models import Room
from chat.people import welcome
from chat.rooms import groups, lobby
from chat.rooms import services as rooms
from chat.rooms.forms import PeopleForm, RoomForm
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
    shown, held = lobby.held_apart(directs)
    context = {
        "public_rooms": lobby.public_rooms(request.GET.get("page", 1)),
        "my_rooms": groups,
        "my_directs": shown,
        "held_directs": held,
        "welcome": welcome.welcome_for(request.user),
        "unread_total": lobby.unread_total(groups + directs),
        "room_form": forms.get("room_form") or RoomForm(),
        "may_create_rooms": rooms.may_create_rooms(request.user),
        "direct_form": forms.get("direct_form") or PeopleForm(),
    }
    return render(request, "chat/lobby.html", context, status=status)


def _page_of(found) -> str:
    """The page of what ``groups.start`` found: a group's, or a person's conversation."""
    if isinstance(found, Room):
        return address_of(found).links(address_of(found).key_of(found.slug)).page
    return BY_PERSON.links(found.get_username()).page


@login_required
@require_http_methods(["GET", "POST"])
def direct_start(request: HttpRequest) -> HttpResponse:
    """The lobby's "message someone" form (``username`` once or more): go to that person's
    direct conversation (nothing is made), or, with two or more people, to their group
    conversation. A POST starts the group if it is new; a GET only finds one."""
    data = request.POST if request.method == "POST" else request.GET
    try:
        if request.method == "POST":
            return _go(request, _page_of(groups.start(request.user, data)))
        people = groups.picked(request.user, data)
    except KEPT_IN_FORM as refusal:
        form = form_holding(PeopleForm, request, refusal, user=request.user)
        return _start_form(request, form, status=refusal.status)
    if len(people) < 2:
        return _go(request, _page_of(people[0] if people else request.user))
    found = groups.find_group_room([*people, request.user])
    if found is not None:
        return _go(request, _page_of(found))
    # Starting a group makes it: that takes the form's button (a POST), not a link.
    form = PeopleForm(data, user=request.user)
    form.is_valid()
    form.add_error(None, "Nobody has started this group yet: press “Open” to start it.")
    return _start_form(request, form, status=200)


def _start_form(request: HttpRequest, form: PeopleForm, *, status: int) -> HttpResponse:
    if request.htmx:
        context = {"direct_form": form}
        return render(request, "chat/lobby.html#direct-form", context, status=status)
    return _render_lobby(request, direct_form=form, status=status)
