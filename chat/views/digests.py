"""E-mail digests (``chat.people.digests`` decides everything):

- ``GET /unsubscribe/<token>/`` shows a button and changes nothing, signed in or out;
  ``POST`` turns the digests of the token's account off. That POST is also RFC 8058's
  one-click unsubscribe, which mail clients send themselves: it holds no CSRF token, so
  the signed token alone is what it needs (a forged request can only turn mail off);
- ``POST /accounts/profile/digests`` turns my digests on or off (``email_digests`` = "on").
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from chat.people import digests


@csrf_exempt  # the one-click POST of mail clients; GET changes nothing anyway
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: the button; POST: digests off, and a page saying so. 404 for a bad token."""
    request.back = reverse("lobby")
    if request.method == "GET":
        person = digests.person_for_token(token)
        context = {"person": person, "token": token, "done": False}
        return render(request, "chat/unsubscribe.html", context)
    person = digests.unsubscribe(token)
    return render(request, "chat/unsubscribe.html", {"person": person, "done": True})


@login_required
@require_POST
def switch(request: HttpRequest) -> HttpResponse:
    """Turn my digests on or off; back to my profile page."""
    request.back = reverse("profile-edit")
    on = request.POST.get("email_digests") == "on"
    digests.set_digests(request.user, on=on)
    return redirect(request.back)
