"""The people directory (``GET /people/?q=``), muting someone (``POST /u/<username>/mute``,
``/unmute``) and dismissing the welcome (``POST /welcome/dismiss``).

``chat.people.directory``, ``chat.people.mutes`` and ``chat.people.welcome`` decide; these
ask and answer: htmx gets the partial that changed, a plain form a redirect back.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from chat.people import directory, mutes, welcome


@login_required
@require_GET
def people_page(request: HttpRequest) -> HttpResponse:
    """``/people/?q=<name>&page=<n>``: the people whose names hold ``q``; the results alone
    for htmx (as someone types), else the page with its form."""
    found = directory.directory(
        request.user, request.GET.get("q", ""), request.GET.get("page", 1)
    )
    context = {"directory": found, "clipped_note": directory.CLIPPED}
    template = "chat/people.html#results" if request.htmx else "chat/people.html"
    return render(request, template, context)


def _muting_answer(request: HttpRequest, person, muted: bool) -> HttpResponse:
    if request.htmx:
        context = {"person": person, "muted": muted}
        return render(request, "chat/profile.html#mute-form", context)
    return redirect(reverse("profile", args=[person.get_username()]))


@login_required
@require_POST
def mute(request: HttpRequest, username: str) -> HttpResponse:
    """``POST /u/<username>/mute``: the reader stops hearing from that person."""
    return _muting_answer(request, mutes.mute(request.user, username), True)


@login_required
@require_POST
def unmute(request: HttpRequest, username: str) -> HttpResponse:
    """``POST /u/<username>/unmute``: the reader hears from that person again."""
    return _muting_answer(request, mutes.unmute(request.user, username), False)


@login_required
@require_POST
def dismiss_welcome(request: HttpRequest) -> HttpResponse:
    """``POST /welcome/dismiss``: the lobby stops showing the welcome. htmx removes the
    panel (an empty answer swapped over it); a plain form goes back to the lobby."""
    welcome.dismiss(request.user)
    if request.htmx:
        return HttpResponse("")
    return redirect(reverse("lobby"))
