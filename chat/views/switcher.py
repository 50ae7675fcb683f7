"""The switcher: ``GET /switch/?q=``, the rooms and people whose names hold the words, each
a link into its conversation. htmx asks for the list alone as someone types in the
Ctrl+K dialog; without JavaScript it is a page with a form (the sidebar links to it)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chat.rooms import switcher


@login_required
@require_GET
def switcher_page(request: HttpRequest) -> HttpResponse:
    """``/switch/?q=<words>``: the choices; the list alone for htmx, else the page."""
    choices = switcher.choices(request.user, request.GET.get("q", ""))
    context = {"choices": choices, "clipped_note": switcher.CLIPPED}
    template = "chat/parts.html#switcher-results" if request.htmx else "chat/switcher.html"
    return render(request, template, context)
